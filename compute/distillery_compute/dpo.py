"""Direct Preference Optimization (Rafailov et al. 2023, arXiv:2305.18290), sigmoid loss, with LoRA.

    from distillery_compute.dpo import cache_reference_logprobs, dpo_step, train_dpo
    policy = peft.get_peft_model(sft_model, LoraConfig(...))   # fresh adapter: B = 0, policy == SFT
    refs = cache_reference_logprobs(sft_model, batches)        # optional; else the disabled adapter is the reference
    history = train_dpo(policy, batches, steps=100, lr=5e-6, beta=0.1, ref_logps=refs)

A batch is a dict of (batch, seq) tensors, one row per preference pair:

    chosen_ids, chosen_labels, rejected_ids, rejected_labels     int64; labels = -100 on prompt and padding
    chosen_attention_mask, rejected_attention_mask               optional, 1 = token, 0 = padding

(The tokenizer side builds them from the JSONL {"id", "prompt", "chosen", "rejected"}.)
A row's log-probability log π(y|x) is the sum over its response tokens only.

The loss, per pair, with the reference π_ref the SFT model:

    -log σ(β [(log π(y_c|x) - log π_ref(y_c|x)) - (log π(y_r|x) - log π_ref(y_r|x))])

The reference is either the same network with the LoRA adapter disabled (one extra
no-grad forward per step, no second copy of the weights) or log-probs cached once
before training (no extra forward, but the data must be fixed up front). Both give
the same numbers for a fresh adapter, whose B matrices are zero.
"""

import time
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from distillery_compute import progress

IGNORE_INDEX = -100
RefLogps = tuple[Tensor, Tensor]  # (chosen, rejected) reference log-probs, each (batch,)


# ---------------------------------------------------------------------------- log-probs

def sequence_logprobs(logits: Tensor, labels: Tensor) -> Tensor:
    """Sum of log p(label) over each row's labelled tokens: (b, s, vocab), (b, s) -> (b,), fp32.

    Causal shift: logits[:, t] predict labels[:, t + 1]. Labels of -100 (prompt,
    padding) count nothing.
    """
    logits, labels = logits[:, :-1].float(), labels[:, 1:]
    mask = labels != IGNORE_INDEX
    index = labels.masked_fill(~mask, 0).unsqueeze(-1)
    # log softmax at one index: logit_y - logsumexp(logits), in fp32 (bf16 logsumexp loses digits)
    per_token = logits.gather(-1, index).squeeze(-1) - logits.logsumexp(-1)
    return torch.where(mask, per_token, 0.0).sum(-1)


def concatenate_pair(batch: dict[str, Tensor]) -> tuple[Tensor, Tensor, Tensor | None]:
    """Chosen rows then rejected rows in one (2b, s) batch, right-padded to the longer side.

    Right padding is invisible to the real tokens of a causal model; the padded
    positions get label -100 and attention mask 0.
    """
    ids, labels = [batch["chosen_ids"], batch["rejected_ids"]], [batch["chosen_labels"], batch["rejected_labels"]]
    masks = [batch.get("chosen_attention_mask"), batch.get("rejected_attention_mask")]
    seq = max(t.shape[1] for t in ids)
    if all(m is None for m in masks) and all(t.shape[1] == seq for t in ids):
        return torch.cat(ids), torch.cat(labels), None   # no padding anywhere: plain causal attention
    masks = [torch.ones_like(t) if m is None else m for t, m in zip(ids, masks)]

    def pad(t: Tensor, value: int) -> Tensor:
        return F.pad(t, (0, seq - t.shape[1]), value=value)

    return (torch.cat([pad(t, 0) for t in ids]), torch.cat([pad(t, IGNORE_INDEX) for t in labels]),
            torch.cat([pad(m, 0) for m in masks]))


def pair_logprobs(model: nn.Module, batch: dict[str, Tensor]) -> RefLogps:
    """(chosen, rejected) sequence log-probs from one forward over both halves."""
    ids, labels, mask = concatenate_pair(batch)
    # Right padding changes nothing the real tokens compute (causal), so the mask is passed only for
    # other layouts: a full boolean mask sends SDPA to its math kernel, which keeps every layer's
    # (heads, s, s) attention weights for the backward (a DPO step of smollm2-135m on compact-prompt
    # pairs held 17.8 GB with the mask passed).
    right_padded = mask is None or bool((mask[:, 1:] <= mask[:, :-1]).all())
    logits = model(ids) if right_padded else model(ids, attention_mask=mask)
    logps = sequence_logprobs(logits, labels)
    b = batch["chosen_ids"].shape[0]
    return logps[:b], logps[b:]


# ---------------------------------------------------------------------------- reference

@torch.no_grad()
def cache_reference_logprobs(model: nn.Module, batches: Sequence[dict[str, Tensor]]) -> list[RefLogps]:
    """Reference (chosen, rejected) log-probs for every batch, computed once, on the batches' device.

    `model` is the SFT model (or the LoRA policy before its first step). Runs in eval
    mode (no dropout); the model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        return [tuple(t.detach() for t in pair_logprobs(model, batch)) for batch in batches]
    finally:
        model.train(was_training)


@torch.no_grad()
def reference_logprobs_with_adapter_disabled(peft_model: nn.Module, batch: dict[str, Tensor]) -> RefLogps:
    """Reference log-probs of one batch from the policy itself with its LoRA adapter switched off.

    With the adapter disabled a peft model computes its frozen base weights W, i.e.
    the SFT model, so no second copy of the network is needed.
    """
    if not hasattr(peft_model, "disable_adapter"):
        raise TypeError(f"{type(peft_model).__name__} has no LoRA adapter to disable: "
                        "pass cached ref_logps or a peft model")
    was_training = peft_model.training
    peft_model.eval()
    try:
        with peft_model.disable_adapter():
            chosen, rejected = pair_logprobs(peft_model, batch)
    finally:
        peft_model.train(was_training)
    return chosen.detach(), rejected.detach()


# ---------------------------------------------------------------------------- loss

def dpo_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor,
             ref_chosen_logps: Tensor, ref_rejected_logps: Tensor,
             beta: float = 0.1) -> tuple[Tensor, Tensor, Tensor]:
    """Sigmoid DPO loss (mean over the batch) and the detached implicit rewards β (log π - log π_ref).

    All inputs are (batch,) sequence log-probs. Returns (loss, chosen_rewards, rejected_rewards).
    """
    chosen_logratios = policy_chosen_logps - ref_chosen_logps
    rejected_logratios = policy_rejected_logps - ref_rejected_logps
    # β scales how far the policy may move from the reference: the implicit reward is
    # β log(π/π_ref), and the loss is the Bradley-Terry likelihood that chosen beats rejected.
    # logsigmoid, not log(sigmoid), so large negative margins do not underflow to log 0.
    losses = -F.logsigmoid(beta * (chosen_logratios - rejected_logratios))
    chosen_rewards = (beta * chosen_logratios).detach()
    rejected_rewards = (beta * rejected_logratios).detach()
    return losses.mean(), chosen_rewards, rejected_rewards


def dpo_metrics(chosen_rewards: Tensor, rejected_rewards: Tensor) -> dict[str, float]:
    """reward_margin: mean(chosen - rejected); preference_accuracy: fraction with chosen > rejected (ties lose)."""
    return {
        "reward_margin": (chosen_rewards - rejected_rewards).mean().item(),
        "preference_accuracy": (chosen_rewards > rejected_rewards).float().mean().item(),
        "chosen_reward": chosen_rewards.mean().item(),
        "rejected_reward": rejected_rewards.mean().item(),
    }


def dpo_step(policy: nn.Module, batch: dict[str, Tensor], ref_logps: RefLogps | None = None,
             beta: float = 0.1) -> tuple[Tensor, dict[str, float]]:
    """Loss (with grad, for backward) and metrics for one batch; no optimizer step.

    ref_logps: this batch's cached (chosen, rejected) reference log-probs, or None to
    take the reference from `policy` with its LoRA adapter disabled.
    """
    if ref_logps is None:
        ref_logps = reference_logprobs_with_adapter_disabled(policy, batch)
    chosen, rejected = pair_logprobs(policy, batch)
    loss, chosen_rewards, rejected_rewards = dpo_loss(chosen, rejected, *ref_logps, beta=beta)
    metrics = {"loss": loss.item(), **dpo_metrics(chosen_rewards, rejected_rewards),
               "logps_chosen": chosen.detach().mean().item(), "logps_rejected": rejected.detach().mean().item()}
    return loss, metrics


# ---------------------------------------------------------------------------- loop

def train_dpo(policy_with_lora: nn.Module, batches: Sequence[dict[str, Tensor]], steps: int,
              lr: float = 5e-6, beta: float = 0.1, ref_logps: Sequence[RefLogps] | None = None,
              emit: Callable[..., None] = progress.emit) -> list[dict[str, float]]:
    """A minimal DPO loop: AdamW on the trainable (LoRA) parameters, cycling through `batches`.

    ref_logps: cached reference log-probs aligned with `batches`, or None for the
    disabled-adapter reference. Emits one "progress" line per step (step, total,
    elapsed_s, eta_s, loss, reward_margin, preference_accuracy, ...) and returns the
    per-step metrics. No checkpointing, scheduling or resumption: the job wiring
    (data loading, resumable runs, the merge into the BF16 student) lives in stages.py.
    """
    if ref_logps is not None and len(ref_logps) != len(batches):
        raise ValueError(f"{len(ref_logps)} cached reference entries for {len(batches)} batches")
    params = [p for p in policy_with_lora.parameters() if p.requires_grad]
    if not params:
        raise ValueError("policy has no trainable parameters (expected a LoRA-wrapped model)")
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    policy_with_lora.train()
    history, t0 = [], time.monotonic()
    for step in range(steps):
        i = step % len(batches)
        loss, metrics = dpo_step(policy_with_lora, batches[i], None if ref_logps is None else ref_logps[i], beta)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        elapsed = time.monotonic() - t0
        eta = elapsed / (step + 1) * (steps - step - 1)
        emit("progress", step=step + 1, total=steps, elapsed_s=round(elapsed, 3), eta_s=round(eta, 3), **metrics)
        history.append(metrics)
    return history
