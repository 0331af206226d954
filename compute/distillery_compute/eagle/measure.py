"""How well a drafter drafts for its target: acceptance and speed on held-out prompts, against plain decoding.

    plain = measure(engine_plain, prompts, concurrency=1)
    spec = measure(engine_with_drafter, prompts, concurrency=1)
    spec["mean_accepted_length"], spec["tokens_per_s"] / plain["tokens_per_s"], spec["outputs"] == plain["outputs"]

`concurrency` requests are kept in flight (a closed loop: one finishes, the next starts) and every
prompt is answered greedily with at most max_tokens tokens. tokens_per_s counts answer tokens over
the wall time, prefills included; the first prompt runs once before the clock starts (warm-up).
"""

import time

from distillery_compute.engine import Engine, SamplingParams


def measure(engine: Engine, prompts: list[str], *, concurrency: int = 1, max_tokens: int = 256) -> dict:
    params = SamplingParams(max_tokens=max_tokens)
    engine.generate(prompts[:1], SamplingParams(max_tokens=8))
    engine.reset_speculation()
    outputs: dict[str, list[int]] = {}
    pending = list(enumerate(prompts))
    live = 0
    began = time.perf_counter()
    while pending or live:
        while pending and live < concurrency:
            i, prompt = pending.pop(0)
            engine.add(f"m{i}", params, transcript=prompt)
            outputs[f"m{i}"] = []
            live += 1
        for out in engine.step():
            outputs[out.request_id] += out.token_ids
            live -= out.finish_reason is not None
    seconds = time.perf_counter() - began
    tokens = sum(len(t) for t in outputs.values())
    return {"prompts": len(prompts), "concurrency": concurrency, "tokens": tokens, "seconds": round(seconds, 3),
            "tokens_per_s": round(tokens / seconds, 2), **engine.speculation(),
            "outputs": [outputs[f"m{i}"] for i in range(len(prompts))]}
