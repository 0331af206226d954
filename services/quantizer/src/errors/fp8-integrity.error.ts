/** Thrown when a file the quantize job wrote is not what the compute plane's manifests say (a file stored as other bytes, a model missing), or was quantized from other weights than the student or drafter announced. */
export class Fp8IntegrityError extends Error {
  override readonly name = 'Fp8IntegrityError';

  constructor(
    /** The file (`student/model.safetensors`), or `target` / `drafter source` for the weights it was quantized from. */
    readonly file: string,
    detail: string,
  ) {
    super(`fp8 ${file}: ${detail}`);
  }
}
