"""The drafter's reduced vocabulary: the target's most frequent output tokens, and the maps between them.

    d2t, t2d = vocab_maps(counts, draft_vocab_size=2048)   # counts: (V,) how often each target id was output
    target_ids = draft_ids + d2t[draft_ids]                # d2t holds offsets, EAGLE-3's layout
    check_vocab_maps(d2t, t2d)                              # raises naming the broken invariant

The draft vocabulary is the `draft_vocab_size` most frequent ids (ties by lower id), padded with ids
never seen when fewer were output, sorted ascending. t2d is a (V,) bool mask of the draft ids;
d2t[i] = draft_ids[i] - i (int64), so nonzero(t2d) == arange(Vd) + d2t.
"""

import torch
from torch import Tensor


def vocab_maps(counts: Tensor, draft_vocab_size: int) -> tuple[Tensor, Tensor]:
    vocab = counts.numel()
    if not 0 < draft_vocab_size <= vocab:
        raise ValueError(f"draft_vocab_size must be 1 to the target's vocabulary ({vocab}), got {draft_vocab_size}")
    # stable sort by descending count: equal counts keep id order, so unseen ids pad from the lowest id
    order = torch.sort(-counts.to(torch.float64), stable=True).indices
    used = order[:draft_vocab_size].sort().values
    d2t = used - torch.arange(draft_vocab_size)
    t2d = torch.zeros(vocab, dtype=torch.bool)
    t2d[used] = True
    return d2t.to(torch.int64), t2d


def check_vocab_maps(d2t: Tensor, t2d: Tensor) -> None:
    """The invariants vLLM and SGLang rely on; ValueError naming the first that fails."""
    if d2t.dtype != torch.int64 or t2d.dtype != torch.bool:
        raise ValueError(f"d2t must be int64 and t2d bool, got {d2t.dtype} and {t2d.dtype}")
    if int(t2d.sum()) != d2t.numel():
        raise ValueError(f"t2d marks {int(t2d.sum())} ids, d2t maps {d2t.numel()}")
    targets = torch.arange(d2t.numel()) + d2t
    if bool((d2t < 0).any()) or bool((targets[1:] <= targets[:-1]).any()):
        raise ValueError("d2t must be non-negative offsets to strictly increasing target ids")
    if int(targets[-1]) >= t2d.numel():
        raise ValueError(f"d2t maps to target id {int(targets[-1])}, beyond the vocabulary ({t2d.numel()})")
    if not torch.equal(t2d.nonzero().flatten(), targets):
        raise ValueError("t2d's ids differ from arange(Vd) + d2t")
