"""The engine on a CUDA GPU: Llama-3.1-8B shapes with random weights (decode speed does not depend on
the values), batch-1 decode tokens/s as a fraction of the HBM roofline, against transformers'
generate() on the same weights; then the GPU tests. One prepared run for a lent device (minutes):

    compute/.venv/bin/python compute/bench/engine_gpu.py [--preset llama-3.1-8b] [--new-tokens 128]
    python -m pytest compute/tests -q -m gpu
    compute/.venv/bin/python compute/bench/table1.py --device cuda --checkpoint STUDENT --drafter DRAFTER \
        --fp8-run QUANTIZE_RUN --prompts eval.jsonl --limit 24 --concurrency 4 --max-tokens 128   # Table 1, real artifacts

Speculative decoding: the same prompt decoded with an oracle proposer (it drafts the engine's own
greedy continuation, so every draft is accepted: mean accepted length k + 1) as a chain of k = 2..6
and as a tree with a wrong sibling at every depth: tokens/s against plain decoding is the ceiling a
drafter of that acceptance reaches (the verification forward's cost; a real drafter adds its own
draft time and accepts less), and the outputs must equal plain decoding's.

FP8: after the BF16 figures the model is quantized in place (E4M3 W8A8 static per-tensor, fp8/), and
the layers' GEMMs, decode at batch 1 and 16 and the oracle ceiling are measured again (Table 1's
structure: FP8 and EAGLE + FP8 against BF16).

Roofline: a batch-1 decode step reads every weight but the embedding table once, plus the KV of its
context; tokens/s x those bytes / the device's memory bandwidth (--bandwidth, default H100 SXM's
3.35 TB/s) is the fraction reached.
"""

import argparse
import sys
import time

import torch
from tokenizers import Tokenizer, models

from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.engine.runner import PagedRunner
from distillery_compute.engine.speculative import DraftTree, SpecConfig
from distillery_compute.model import ModelArgs, Transformer, count_params
from distillery_compute.tokenizer import ChatTokenizer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="llama-3.1-8b")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--bandwidth", type=float, default=3.35e12)
    parser.add_argument("--device", default="cuda", help="cpu: a dry run of the script itself (--preset micro)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("engine_gpu: no CUDA device", file=sys.stderr)
        return 2
    margs = ModelArgs.from_name(args.preset).replace(max_seq_len=4096)
    with torch.device(args.device):
        model = Transformer(margs).to(torch.bfloat16).eval()
    # a word-level vocabulary of the model's size: the prompts are token ids, the text is not read
    words = Tokenizer(models.WordLevel({f"t{i}": i for i in range(margs.vocab_size)}, unk_token="t0"))
    tok = ChatTokenizer(words, eos="t1", bos="t0", pad="t0")
    prompt = torch.randint(2, margs.vocab_size, (args.prompt_tokens,)).tolist()
    n = args.new_tokens
    weights = (count_params(model) - (0 if margs.tie_word_embeddings else model.model.embed_tokens.weight.numel())) * 2
    kv = PagedRunner.bytes_per_block(margs, 1, torch.bfloat16) * (args.prompt_tokens + n / 2)

    def timed(fn) -> float:
        sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
        sync()
        t = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - t

    def decode_rate(graphs: str) -> tuple[float, list[int]]:
        engine = Engine(model, tok, max_seqs=8, decode_graphs=graphs)
        run = lambda count: engine.generate([prompt], SamplingParams(max_tokens=count, ignore_eos=True))  # noqa: E731
        run(4)
        rate = (n - 1) / (timed(lambda: run(n)) - timed(lambda: run(1)))
        return rate, run(n)[0].token_ids

    eager, eager_tokens = decode_rate("off")
    ours, plain_tokens = decode_rate("capture" if args.device == "cuda" else "eager")
    spec_rows = speculative_ceiling(model, tok, prompt, plain_tokens, n, timed)
    import transformers
    hf = transformers.LlamaForCausalLM(transformers.LlamaConfig(
        vocab_size=margs.vocab_size, hidden_size=margs.dim, intermediate_size=margs.intermediate_size,
        num_hidden_layers=margs.n_layers, num_attention_heads=margs.n_heads, num_key_value_heads=margs.n_kv_heads,
        rope_theta=margs.rope_theta, max_position_embeddings=margs.max_seq_len, rms_norm_eps=margs.norm_eps,
        tie_word_embeddings=margs.tie_word_embeddings)).to(args.device, torch.bfloat16).eval()
    hf.load_state_dict(model.state_dict(), strict=False)
    ids = torch.tensor([prompt], device=args.device)
    gen = lambda count: hf.generate(ids, max_new_tokens=count, min_new_tokens=count, do_sample=False)  # noqa: E731
    gen(4)
    theirs = (n - 1) / (timed(lambda: gen(n)) - timed(lambda: gen(1)))
    device = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"## Batch-1 decode on {device}, {args.preset} shapes, bf16, prompt "
          f"{args.prompt_tokens}, {n} new\n")
    print("| | tokens/s | of HBM roofline | vs generate() |\n|---|---:|---:|---:|")
    for name, rate in (("transformers generate()", theirs), ("engine, no CUDA graphs", eager), ("engine", ours)):
        print(f"| {name} | {rate:.1f} | {rate * (weights + kv) / args.bandwidth:.0%} | {rate / theirs:.2f}x |")
    print(f"\nsame tokens with and without CUDA graphs: {'yes' if eager_tokens == plain_tokens else 'NO'}")
    print(f"\nbytes a step reads: weights {weights / 1e9:.2f} GB + KV {kv / 1e9:.3f} GB; bandwidth {args.bandwidth / 1e12:.2f} TB/s")
    print("\n## Speculative decoding with an oracle drafter (every draft accepted)\n")
    print("| draft | mean accepted length | tokens/s | vs plain | same output |\n|---|---:|---:|---:|---|")
    for name, al, rate, same in spec_rows:
        print(f"| {name} | {al:.2f} | {rate:.1f} | {rate / ours:.2f}x | {same} |")
    del hf
    fp8_section(model, tok, prompt, n, timed, args.device)
    return 0


def fp8_section(model, tok, prompt, n, timed, device) -> None:
    """FP8 (E4M3 W8A8 static per-tensor) against BF16 on the same weights: the layers' GEMMs at M = 1, 16
    and 256 (activation quantization included), decode tokens/s at batch 1 and 16, and the oracle
    speculative ceiling on the FP8 model (Table 1's EAGLE + FP8, with every draft accepted). The model
    is quantized in place (scales from the prompt) after the BF16 figures."""
    from distillery_compute.fp8.calibrate import observe, quantizable, quantize_model
    from distillery_compute.fp8.linear import FP8Matmul
    from distillery_compute.fp8.numerics import quantize, scale_of

    a = model.args
    hd = a.head_dim
    shapes = [("qkv", (a.n_heads + 2 * a.n_kv_heads) * hd, a.dim), ("o", a.dim, a.n_heads * hd),
              ("gate_up", 2 * a.intermediate_size, a.dim), ("down", a.dim, a.intermediate_size)]
    print("\n## FP8 against BF16: one GEMM (TFLOP/s, activation quantization included)\n")
    print("| layer | M | BF16 | FP8 | FP8 / BF16 |\n|---|---:|---:|---:|---:|")
    for name, out_features, in_features in shapes:
        w = torch.randn(out_features, in_features, device=device, dtype=torch.bfloat16) * 0.02
        scale = scale_of(w.float().abs().max())
        fp8 = FP8Matmul(quantize(w, scale), scale, scale_of(4.0), torch.bfloat16)
        for m in (1, 16, 256):
            x = torch.randn(m, in_features, device=device, dtype=torch.bfloat16)
            rates = []
            for fn in (lambda: x @ w.T, lambda: fp8(x)):
                fn()
                seconds = timed(lambda: [fn() for _ in range(50)]) / 50
                rates.append(2 * m * in_features * out_features / seconds / 1e12)
            print(f"| {name} {out_features}x{in_features} | {m} | {rates[0]:.2f} | {rates[1]:.2f} | {rates[1] / rates[0]:.2f}x |")
        del w, fp8

    def decode(batch: int) -> float:
        prompts = [[(t + i) % a.vocab_size for t in prompt] for i in range(batch)]
        engine = Engine(model, tok, max_seqs=max(8, batch))
        go = lambda count: engine.generate(prompts, SamplingParams(max_tokens=count, ignore_eos=True))  # noqa: E731
        go(4)
        rate = batch * (n - 1) / (timed(lambda: go(n)) - timed(lambda: go(1)))
        del engine
        return rate

    bf16 = {b: decode(b) for b in (1, 16)}
    layers = quantizable(model)
    quantize_model(model, layers, observe(model, layers, [prompt[:256]]))
    torch.cuda.empty_cache() if device == "cuda" else None
    fp8 = {b: decode(b) for b in (1, 16)}
    print("\n## Decode tokens/s, BF16 against FP8 (lm_head kept in BF16)\n")
    print("| batch | BF16 | FP8 | FP8 / BF16 |\n|---:|---:|---:|---:|")
    for b in (1, 16):
        print(f"| {b} | {bf16[b]:.1f} | {fp8[b]:.1f} | {fp8[b] / bf16[b]:.2f}x |")
    engine = Engine(model, tok, max_seqs=8)
    plain = engine.generate([prompt], SamplingParams(max_tokens=n, ignore_eos=True))[0].token_ids
    del engine
    print("\n## EAGLE + FP8 ceiling: the FP8 model with an oracle drafter, against BF16 plain decoding\n")
    print("| draft | mean accepted length | tokens/s | vs BF16 plain | same output as FP8 plain |\n|---|---:|---:|---:|---|")
    for name, al, rate, same in speculative_ceiling(model, tok, prompt, plain, n, timed):
        print(f"| {name} | {al:.2f} | {rate:.1f} | {rate / bf16[1]:.2f}x | {same} |")


class Oracle:
    """Drafts the known greedy continuation: a chain, or a tree with a wrong first sibling at every depth."""

    def __init__(self, tokens: list[int], tree: bool):
        self.tokens, self.tree = tokens, tree

    def forget(self, seq_id):
        pass

    def propose(self, work):
        trees = []
        for seq, depth, _, _ in work:
            right = self.tokens[len(seq.output):len(seq.output) + depth]
            if not self.tree:
                trees.append(DraftTree(right, list(range(-1, len(right) - 1))))
                continue
            tokens, parents, parent = [], [], -1
            for t in right:
                tokens += [(t + 1) % 1000 + 2, t]
                parents += [parent, parent]
                parent = len(tokens) - 1
            trees.append(DraftTree(tokens, parents))
        return trees


def speculative_ceiling(model, tok, prompt, plain_tokens, n, timed) -> list[tuple]:
    rows = []
    for name, k, tree in [(f"chain k={k}", k, False) for k in (2, 4, 6)] + [("tree depth 4, 8 nodes", 4, True)]:
        spec = SpecConfig(method="tree" if tree else "chain", tokens=k, budget=2 * k, batch_tokens=64)
        engine = Engine(model, tok, max_seqs=8, speculative=spec, proposer=Oracle(plain_tokens, tree))
        run = lambda count: engine.generate([prompt], SamplingParams(max_tokens=count, ignore_eos=True))  # noqa: E731
        run(4)
        seconds = timed(lambda: run(n)) - timed(lambda: run(1))
        same = run(n)[0].token_ids == plain_tokens
        rows.append((name, engine.speculation()["mean_accepted_length"], (n - 1) / seconds, same))
        del engine
    return rows


if __name__ == "__main__":
    sys.exit(main())
