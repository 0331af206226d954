"""Training-time test (EAGLE-3): the drafter unrolled over `steps` drafting steps on one sequence.

    steps = ttt_logits(drafter, tokens, aux, steps=7, start=0)    # [(rows, logits (n, Vd)), ...] per step
    loss, metrics = ttt_loss(drafter, example, steps=7, decay=0.8)

Step 0 at position t reads the target's features at t and the embedding of token t+1, and predicts
token t+2, attending causally over step 0's keys (as the engine's first drafting forward does over
the sequence's cached features). Step k reads step k-1's output at t (the drafter's own hidden
state, not the target's) and the embedding of token t+k+1, sits at RoPE position t+k and predicts
token t+k+2; it attends over step 0's keys at positions <= t and over its own chain's keys (steps
1..k at the same t): exactly what chain drafting k+1 tokens after position t computes, so training
sees at depth k the inputs inference will. Ground-truth tokens feed every step (teacher forcing).

The loss at step k is the soft cross-entropy of the drafter's log-probabilities against the
target's distribution restricted to the draft vocabulary and renormalised, over positions whose
predicted token is a response token and whose target argmax lies in the draft vocabulary; the
steps are weighted decay^k. Rows before `start` are left out of steps >= 1 (nothing they predict
is trained), which is what keeps long prompts affordable.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from distillery_compute.eagle.drafter import Eagle3Drafter, attend


@dataclass
class TTTExample:
    tokens: Tensor          # (T,) int64
    aux: Tensor             # (T, 3H) the target's features
    target_logits: Tensor   # (T, Vd) the target's logits on the draft vocabulary (row t predicts token t+1)
    in_draft: Tensor        # (T,) bool: the target's argmax at row t lies in the draft vocabulary
    loss_mask: Tensor       # (T,) bool: token t is a response token

    def start(self, steps: int) -> int:
        first = int(self.loss_mask.nonzero()[0]) if bool(self.loss_mask.any()) else self.tokens.numel()
        return max(0, first - steps - 1)


def ttt_logits(drafter: Eagle3Drafter, tokens: Tensor, aux: Tensor, steps: int, start: int = 0) -> list[tuple[Tensor, Tensor]]:
    """Per step k: (rows t, logits (n, Vd)); step 0 covers t in [start, T-3], step k in [start, T-k-3]."""
    T = tokens.numel()
    n0 = T - 1   # step 0 runs at every position with a next token: its keys are every later step's context
    h = drafter.fuse(aux[:n0])
    positions = torch.arange(n0, device=tokens.device)
    q, k0, v0 = drafter.project(tokens[1:T], h, positions)
    causal = positions[None, :] <= positions[:, None]
    out = drafter.finish(h, attend(q, k0, v0, causal))[start:T - 2]
    results = [(positions[start:T - 2], drafter.logits(out))]
    heads, kv_heads, hd = q.shape[1], k0.shape[1], q.shape[2]
    group, scale = heads // kv_heads, hd ** -0.5
    k0e, v0e = k0.repeat_interleave(group, dim=1), v0.repeat_interleave(group, dim=1)   # (n0, H, hd)
    chain_k, chain_v = [], []
    for step in range(1, steps):
        n = T - step - 2 - start
        if n <= 0:
            break
        rows = torch.arange(start, start + n, device=tokens.device)
        hidden = out[:n]
        q, k, v = drafter.project(tokens[rows + step + 1], hidden, rows + step)
        chain_k.append(k.repeat_interleave(group, dim=1))
        chain_v.append(v.repeat_interleave(group, dim=1))
        scores = torch.einsum("nhd,mhd->hnm", q, k0e) * scale                             # (H, n, n0)
        scores = scores.masked_fill(~(positions[None, None, :] <= rows[None, :, None]), float("-inf"))
        own = torch.stack([(q * ck[:n]).sum(-1) for ck in chain_k], dim=-1).transpose(0, 1) * scale   # (H, n, step)
        probs = torch.softmax(torch.cat([scores, own], dim=-1), dim=-1)
        y = torch.einsum("hnm,mhd->nhd", probs[..., :n0], v0e)
        for j, cv in enumerate(chain_v):
            y = y + probs[..., n0 + j].transpose(0, 1)[..., None] * cv[:n]
        out = drafter.finish(hidden, y)
        results.append((rows, drafter.logits(out)))
    return results


def ttt_loss(drafter: Eagle3Drafter, example: TTTExample, steps: int = 7, decay: float = 0.8) -> tuple[Tensor, dict]:
    """The weighted soft cross-entropy over the unrolled steps, and per-step accuracy (argmax agreement)."""
    start = example.start(steps)
    total = torch.zeros((), device=example.tokens.device)
    metrics: dict = {"positions": [], "accuracy": [], "loss": []}
    for k, (rows, logits) in enumerate(ttt_logits(drafter, example.tokens, example.aux, steps, start)):
        target_rows = rows + k + 1                       # the target's row that predicts token t+k+2
        mask = example.loss_mask[target_rows + 1] & example.in_draft[target_rows]
        count = int(mask.sum())
        if count == 0:
            continue
        target_p = torch.softmax(example.target_logits[target_rows].float(), dim=-1)
        log_q = F.log_softmax(logits.float(), dim=-1)
        loss_k = -(target_p * log_q).sum(-1)[mask].sum() / count
        total = total + decay ** k * loss_k
        agree = (logits.argmax(-1) == example.target_logits[target_rows].argmax(-1))[mask]
        metrics["positions"].append(count)
        metrics["accuracy"].append(float(agree.float().mean()))
        metrics["loss"].append(float(loss_k.detach()))
    return total, metrics
