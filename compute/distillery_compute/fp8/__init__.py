"""FP8 (E4M3) W8A8 static per-tensor post-training quantization (paper §3.2, Figure 4, Appendix E).

    numerics.py   quantize / dequantize with saturation, scales s = amax / 448 (float32 [1])
    linear.py     FP8Linear: an nn.Linear's drop-in with an E4M3 weight and static input scale;
                  torch._scaled_mm on CUDA compute capability >= 8.9, the same numerics emulated elsewhere
    calibrate.py  min-max observers over calibration text, the quantized model, clip rates
    export.py     the compressed-tensors `float-quantized` checkpoint vLLM loads, and loading it back
    job.py        the quantizer service's job: calibration sweep, quantized student and drafter, evaluation
"""
