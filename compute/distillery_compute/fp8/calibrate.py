"""Calibration: min-max observers on every linear layer's input, the quantized model, and clip rates.

    layers = quantizable(model)                            # {name: nn.Linear}, lm_head left out by default
    amax = observe(model, sequences, layers)               # {input group: max |x|} over all sequences
    stats = clip_stats(model, held_out, layers, {"mixed@2048": amax, ...})
    quantize_model(model, amax, layers)                    # in place: FP8Linear with static scales

Layers that read the same input form one group and share their scales, as the fused kernels need
(vLLM's qkv_proj and gate_up_proj): q/k/v and gate/up. A group's input scale is its observed
amax / 448 (the static min-max observer: the maximum over every calibration sequence and position,
so the calibration data itself never clips) and its weight scale the largest of its members'.
Sequences run one at a time through the unquantized model (no padding to skew the statistics),
in its dtype (fp32 on CPU, bf16 on CUDA as served).

Clip rate (paper Figure 4): the fraction of a group's input elements on held-out sequences beyond
the calibrated range (|x| > amax, i.e. |x / s| > 448: they saturate), and the flush rate: nonzero
elements that round to zero (|x / s| <= 2^-10). Both per group and over all groups, for several
calibrations at once (one pass over the held-out data; counts by binary search in the sorted |x|).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import torch
from torch import Tensor, nn

from distillery_compute.fp8.linear import FP8Linear
from distillery_compute.fp8.numerics import E4M3_MAX, TINY_SCALE, scale_of
from distillery_compute.progress import Progress
from distillery_compute.tokenizer import ChatTokenizer, parse_chat

FLUSH = 2.0 ** -10   # |x / s| at or below this rounds to zero in E4M3 (half the smallest subnormal, ties to even)
FUSED = {"q_proj": "qkv_proj", "k_proj": "qkv_proj", "v_proj": "qkv_proj", "gate_proj": "gate_up_proj", "up_proj": "gate_up_proj"}
_ROLE = re.compile(r"(?:^|\n)<\|(?:system|user|assistant)\|>\n")


def quantizable(model: nn.Module, ignore: Sequence[str] = ("lm_head",)) -> dict[str, nn.Linear]:
    """Every nn.Linear of the model but those named in ignore (a module name, or its last component)."""
    return {name: m for name, m in model.named_modules()
            if isinstance(m, nn.Linear) and name not in ignore and name.rsplit(".", 1)[-1] not in ignore}


def group_of(name: str) -> str:
    """The input group of a layer: vLLM's fused name for q/k/v and gate/up, else the layer itself."""
    parent, _, leaf = name.rpartition(".")
    return f"{parent}.{FUSED[leaf]}" if leaf in FUSED else name


def groups(layers: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for name in layers:
        out[group_of(name)].append(name)
    return dict(out)


def serving_ids(tok: ChatTokenizer, text: str) -> list[int]:
    """A calibration or test text's ids as serving would feed them: with the tokenizer's own chat template
    where it has one (a window of an agent transcript is re-rendered from its first role line on; the
    text before it stays as it is), else as is; bos first where serving puts one (our markers' tokenizer)."""
    if not tok.uses_own_template:
        return ([] if tok.bos_id is None else [tok.bos_id]) + tok.encode(text)
    first = _ROLE.search(text)
    if first is None:
        return tok.encode(text)
    messages = parse_chat(text[first.start() + (text[first.start()] == "\n"):])
    rendered = tok.apply_chat_template(messages)
    if messages[0]["role"] != "system":   # a template may add a default system message; the window has none
        probe = [{"role": "system", "content": "s"}]
        bare, full = tok.apply_chat_template(probe), tok.apply_chat_template(probe + messages)
        if full.startswith(bare):
            rendered = full[len(bare):]
    return tok.encode(text[:first.start()]) + tok.encode(rendered)


def watch(layers: Mapping[str, nn.Linear], on_input) -> list:
    """Hooks calling on_input(group, |x| flattened, fp32) whenever a group's first layer runs; remove them after."""
    firsts = {g: members[0] for g, members in groups(layers).items()}
    return [layers[name].register_forward_pre_hook(lambda _m, args, g=g: on_input(g, args[0].detach().abs().float().flatten()))
            for g, name in firsts.items()]


def _run(model: nn.Module, layers: Mapping[str, nn.Linear], sequences: Sequence[Sequence[int]], on_input,
         what: str) -> None:
    """Each sequence through the model alone (no padding), with watch(layers, on_input) on."""
    handles = watch(layers, on_input)
    device = next(model.parameters()).device
    try:
        bar = Progress(total=len(sequences), min_interval_s=5.0)
        with torch.inference_mode():
            for ids in sequences:
                model(torch.tensor([list(ids)], device=device))
                bar.step(what=what)
    finally:
        for h in handles:
            h.remove()


class MinMax:
    """The static min-max observer: max |x| per group over everything it has seen."""

    def __init__(self):
        self.amax: dict[str, float] = defaultdict(float)

    def __call__(self, group: str, x: Tensor) -> None:
        if x.numel():
            self.amax[group] = max(self.amax[group], float(x.max()))


def observe(model: nn.Module, layers: Mapping[str, nn.Linear], sequences: Sequence[Sequence[int]],
            what: str = "calibrate") -> dict[str, float]:
    """max |x| of every group's input over all sequences and positions."""
    if not sequences:
        raise ValueError("calibration needs at least one sequence")
    observer = MinMax()
    _run(model, layers, sequences, observer, what)
    return dict(observer.amax)


def clip_stats(model: nn.Module, layers: Mapping[str, nn.Linear], sequences: Sequence[Sequence[int]],
               calibrations: Mapping[str, Mapping[str, float]], what: str = "clip rates") -> dict[str, dict]:
    """For each calibration (its groups' amax): clip and flush rates over sequences, total and per group.

    {name: {"clip_rate": f, "flush_rate": f, "elements": n, "clipped": n, "flushed": n,
            "layers": {group: clip rate}, "max_overshoot": max |x| / amax over the groups}}
    """
    names = list(calibrations)
    counts: dict[str, Tensor] = {}   # group -> (calibrations, 3): clipped, flushed, elements
    peak: dict[str, float] = defaultdict(float)

    def on_input(group: str, x: Tensor) -> None:
        limits = torch.tensor([calibrations[n][group] for n in names], dtype=torch.float64)
        bounds, order = torch.cat([limits, limits * (FLUSH / E4M3_MAX)]).sort()
        # one pass: which boundaries each |x| exceeds (bucket i: bounds[i-1] < x <= bounds[i])
        hist = torch.bincount(torch.bucketize(x.double(), bounds), minlength=len(bounds) + 1)
        above = hist.flip(0).cumsum(0).flip(0)            # above[j]: elements in buckets >= j, i.e. x > bounds[j-1]
        exceed = torch.empty(len(bounds), dtype=torch.long)
        exceed[order] = above[1:]                           # elements > each boundary, in limits' order
        zeros = int((x == 0).sum())
        n = x.numel()
        clipped, under = exceed[:len(names)], n - exceed[len(names):]
        c = torch.stack([clipped, under - zeros, torch.full_like(clipped, n)], dim=1)
        counts[group] = counts[group] + c if group in counts else c
        peak[group] = max(peak[group], float(x.max()) if n else 0.0)

    _run(model, layers, sequences, on_input, what)
    out = {}
    for i, name in enumerate(names):
        total = sum(c[i] for c in counts.values())
        clipped, flushed, elements = (int(v) for v in total)
        out[name] = {"clip_rate": clipped / elements, "flush_rate": flushed / elements, "elements": elements,
                     "clipped": clipped, "flushed": flushed,
                     "layers": {g: int(c[i, 0]) / int(c[i, 2]) for g, c in counts.items()},
                     "max_overshoot": max(peak[g] / max(calibrations[name][g], TINY_SCALE) for g in counts)}
    return out


def quantize_model(model: nn.Module, layers: Mapping[str, nn.Linear], amax: Mapping[str, float]) -> dict[str, dict]:
    """Replace every layer by an FP8Linear, in place: input scale = its group's amax / 448, weight scale the
    group's largest. Returns {layer: {"group", "weight_scale", "input_scale"}}."""
    missing = sorted(g for g in groups(layers) if g not in amax)
    if missing:
        raise ValueError(f"no calibrated range for {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}")
    info = {}
    for group, members in groups(layers).items():
        weight_scale = scale_of(max(float(layers[m].weight.detach().abs().max()) for m in members))
        input_scale = scale_of(amax[group])
        for name in members:
            parent, _, leaf = name.rpartition(".")
            owner = model.get_submodule(parent) if parent else model
            setattr(owner, leaf, FP8Linear.from_linear(layers[name], input_scale, weight_scale))
            info[name] = {"group": group, "weight_scale": float(weight_scale), "input_scale": float(input_scale)}
    return info
