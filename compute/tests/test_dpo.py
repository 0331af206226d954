"""dpo.py: the sigmoid DPO loss against TRL, log-probs by hand, the two reference paths, and training.

    compute/.venv/bin/python -m pytest compute/tests/test_dpo.py -q

TRL as the oracle: trl 1.16 has no standalone DPO loss function; the sigmoid loss,
rewards and reward metrics are computed inside the instance method
`DPOTrainer._compute_loss(self, model, inputs, return_outputs)`. We call it unbound
with a `types.SimpleNamespace` standing in for `self` (only the attributes that
method reads, with precomputed reference log-probs so no reference model is needed),
and a `model` that is either a stand-in returning fixed per-token log-probs (the
four-tensor oracle) or an HF LlamaForCausalLM with TRL's own fused log-prob head
(the end-to-end oracle, which also checks our log-prob/label-shift convention).
"""

import json
import math
from collections import defaultdict
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from distillery_compute.dpo import (cache_reference_logprobs, dpo_loss, dpo_metrics, dpo_step, pair_logprobs,
                                    reference_logprobs_with_adapter_disabled, sequence_logprobs, train_dpo)
from distillery_compute.model import ModelArgs, Transformer

peft = pytest.importorskip("peft")

ARGS = ModelArgs.from_name("micro")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FP32 = dict(atol=1e-5, rtol=1e-5)


def make(seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    return Transformer(ARGS).eval()


def with_lora(model: Transformer, r: int = 8) -> torch.nn.Module:
    cfg = peft.LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules=LORA_TARGETS)
    return peft.get_peft_model(model, cfg)


def preference_batch(b: int = 4, prompt: int = 8, chosen: int = 6, rejected: int = 6, seed: int = 1) -> dict:
    """Shared prompts; chosen/rejected responses; labels -100 on the prompt.

    Rows get different response lengths: the shorter ones are right-padded (mask 0, label -100).
    """
    g = torch.Generator().manual_seed(seed)
    prompts = torch.randint(0, ARGS.vocab_size, (b, prompt), generator=g)
    out = {}
    for side, n in (("chosen", chosen), ("rejected", rejected)):
        resp = torch.randint(0, ARGS.vocab_size, (b, n), generator=g)
        ids = torch.cat([prompts, resp], dim=1)
        mask = torch.ones_like(ids)
        for row in range(b):
            mask[row, prompt + n - row % 3:] = 0   # rows 1, 2 lose their last 1, 2 response tokens
        labels = ids.masked_fill(mask == 0, -100)
        labels[:, :prompt] = -100
        out |= {f"{side}_ids": ids.masked_fill(mask == 0, 0), f"{side}_labels": labels,
                f"{side}_attention_mask": mask}
    return out


# ---------------------------------------------------------------------------- log-probs

def test_sequence_logprobs_matches_hand_loop():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 7, 11, generator=g)
    labels = torch.randint(0, 11, (3, 7), generator=g)
    labels[0, :3] = -100
    labels[1, 4:] = -100
    labels[2, :] = -100       # nothing labelled: 0
    expected = torch.zeros(3)
    for b in range(3):
        for t in range(1, 7):  # logits at t - 1 predict the token at t; labels[:, 0] is never predicted
            if labels[b, t] != -100:
                expected[b] += torch.log(torch.softmax(logits[b, t - 1], -1)[labels[b, t]])
    got = sequence_logprobs(logits, labels)
    assert got.shape == (3,) and got.dtype == torch.float32
    torch.testing.assert_close(got, expected, **FP32)
    assert got[2] == 0
    torch.testing.assert_close(sequence_logprobs(logits.bfloat16(), labels),  # upcast before the softmax
                               sequence_logprobs(logits.bfloat16().float(), labels), atol=0, rtol=0)


def test_padded_pair_equals_rows_alone():
    """One padded (2b, s) forward gives each row's log-prob as if it ran alone, unpadded."""
    model = make()
    batch = preference_batch(rejected=4)  # rejected shorter than chosen: padded up in the concatenation
    with torch.no_grad():
        chosen, rejected = pair_logprobs(model, batch)
        for side, got in (("chosen", chosen), ("rejected", rejected)):
            for row in range(got.shape[0]):
                n = int(batch[f"{side}_attention_mask"][row].sum())
                ids, labels = batch[f"{side}_ids"][row:row + 1, :n], batch[f"{side}_labels"][row:row + 1, :n]
                torch.testing.assert_close(got[row], sequence_logprobs(model(ids), labels)[0], **FP32)


# ---------------------------------------------------------------------------- TRL oracle

def trl_self(beta: float, training: bool = True) -> SimpleNamespace:
    """The attributes DPOTrainer._compute_loss reads, for sigmoid DPO with precomputed reference log-probs."""
    return SimpleNamespace(
        model=SimpleNamespace(training=training),
        accelerator=SimpleNamespace(device=torch.device("cpu"), gather=lambda x: x, gather_for_metrics=lambda x: x),
        aux_loss_enabled=False, ld_alpha=None, precompute_ref_logps=True, f_divergence_type="reverse_kl",
        loss_types=["sigmoid"], loss_weights=[1.0], beta=beta, use_weighting=False,
        _metrics=defaultdict(lambda: defaultdict(list)), _total_train_tokens=0, _tp_size=1,
    )


def trl_compute_loss(fake_self: SimpleNamespace, model, inputs: dict) -> torch.Tensor:
    from trl.trainer.dpo_trainer import DPOTrainer
    return DPOTrainer._compute_loss(fake_self, model, inputs, return_outputs=False)


@pytest.mark.parametrize("beta", [0.1, 0.5])
def test_dpo_loss_matches_trl(beta):
    """Four fixed log-prob tensors through TRL's sigmoid-DPO code path and through ours."""
    from trl.trainer.utils import FusedCausalLMOutput

    pc = torch.tensor([-12.0, -30.5, -7.25, -40.0, -3.0], requires_grad=True)
    pr = torch.tensor([-15.0, -28.0, -7.25, -55.0, -90.0], requires_grad=True)
    rc = torch.tensor([-13.0, -29.0, -8.0, -41.0, -2.0])
    rr = torch.tensor([-14.0, -29.5, -6.0, -50.0, -95.0])
    n = pc.shape[0]

    def stand_in_model(input_ids, attention_mask, use_cache, labels, fused_lm_head):
        # one completion token per row whose log-prob is the whole sequence's: TRL sums it back
        log_probs = torch.cat([pc, pr])[:, None]
        zeros = torch.zeros_like(log_probs)
        return FusedCausalLMOutput(log_probs=log_probs, entropy=zeros, mean_logits=zeros, is_top1=zeros.bool())

    inputs = {"input_ids": torch.zeros(2 * n, 2, dtype=torch.long), "attention_mask": torch.ones(2 * n, 2),
              "completion_mask": torch.tensor([[0, 1]] * (2 * n)), "ref_chosen_logps": rc, "ref_rejected_logps": rr}
    fake = trl_self(beta)
    trl_loss = trl_compute_loss(fake, stand_in_model, inputs)
    trl_grads = torch.autograd.grad(trl_loss, (pc, pr))

    loss, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, beta=beta)
    torch.testing.assert_close(loss, trl_loss, atol=1e-6, rtol=1e-6)
    for ours, theirs in zip(torch.autograd.grad(loss, (pc, pr)), trl_grads):
        torch.testing.assert_close(ours, theirs, atol=1e-7, rtol=1e-6)
    assert not chosen_rewards.requires_grad and not rejected_rewards.requires_grad
    metrics = dpo_metrics(chosen_rewards, rejected_rewards)
    logged = {k: v[-1] for k, v in fake._metrics["train"].items()}
    assert metrics["reward_margin"] == pytest.approx(logged["rewards/margins"], abs=1e-6)
    assert metrics["preference_accuracy"] == pytest.approx(logged["rewards/accuracies"])  # row 2 ties: not counted
    assert metrics["chosen_reward"] == pytest.approx(logged["rewards/chosen"], abs=1e-6)
    assert metrics["rejected_reward"] == pytest.approx(logged["rewards/rejected"], abs=1e-6)
    # and by hand, for the record
    margin = beta * ((pc - rc) - (pr - rr)).detach()
    assert loss.item() == pytest.approx(-F.logsigmoid(margin).mean().item(), rel=1e-6)
    assert metrics["preference_accuracy"] == pytest.approx((margin > 0).float().mean().item())


def test_dpo_step_matches_trl_end_to_end():
    """Micro weights in an HF Llama with TRL's fused log-prob head vs ours: loss and policy log-probs."""
    transformers = pytest.importorskip("transformers")
    from trl.trainer.utils import add_fused_lm_head

    cfg = transformers.LlamaConfig(
        vocab_size=ARGS.vocab_size, hidden_size=ARGS.dim, intermediate_size=ARGS.intermediate_size,
        num_hidden_layers=ARGS.n_layers, num_attention_heads=ARGS.n_heads, num_key_value_heads=ARGS.n_kv_heads,
        rms_norm_eps=ARGS.norm_eps, max_position_embeddings=ARGS.max_seq_len,
        rope_parameters={"rope_theta": ARGS.rope_theta, "rope_type": "default"}, attn_implementation="eager")
    torch.manual_seed(0)
    hf = transformers.LlamaForCausalLM(cfg).float().eval()
    ours = Transformer(ARGS).eval()
    ours.load_state_dict(hf.state_dict(), strict=True)
    add_fused_lm_head(hf, outputs=("log_probs", "entropy", "mean_logits", "is_top1"))

    batch = preference_batch()  # same padded length on both sides, as TRL's collator makes it
    g = torch.Generator().manual_seed(5)
    ref = (-60 + 5 * torch.randn(4, generator=g), -60 + 5 * torch.randn(4, generator=g))
    # TRL's batch: chosen rows then rejected rows; labels = input_ids where completion_mask is 1
    inputs = {"input_ids": torch.cat([batch["chosen_ids"], batch["rejected_ids"]]),
              "attention_mask": torch.cat([batch["chosen_attention_mask"], batch["rejected_attention_mask"]]),
              "completion_mask": torch.cat([batch["chosen_labels"], batch["rejected_labels"]]).ne(-100).long(),
              "ref_chosen_logps": ref[0], "ref_rejected_logps": ref[1]}
    fake = trl_self(beta=0.1, training=False)
    trl_loss = trl_compute_loss(fake, hf, inputs)
    logged = {k: v[-1] for k, v in fake._metrics["eval"].items()}

    loss, metrics = dpo_step(ours, batch, ref, beta=0.1)
    torch.testing.assert_close(loss, trl_loss.detach(), **FP32)
    assert metrics["logps_chosen"] == pytest.approx(logged["logps/chosen"], rel=1e-5)
    assert metrics["logps_rejected"] == pytest.approx(logged["logps/rejected"], rel=1e-5)
    assert metrics["reward_margin"] == pytest.approx(logged["rewards/margins"], rel=1e-5)
    assert metrics["preference_accuracy"] == pytest.approx(logged["rewards/accuracies"])


def test_dpo_metrics_by_hand():
    m = dpo_metrics(torch.tensor([0.5, 0.1, -0.2, 0.0]), torch.tensor([0.1, 0.3, -0.4, 0.0]))
    assert m["reward_margin"] == pytest.approx((0.4 - 0.2 + 0.2 + 0.0) / 4)
    assert m["preference_accuracy"] == pytest.approx(0.5)   # the tie does not count


# ---------------------------------------------------------------------------- reference paths

def test_disabled_adapter_reference_equals_cached_reference():
    sft = make()
    batches = [preference_batch(seed=1), preference_batch(rejected=4, seed=2)]
    cached = cache_reference_logprobs(sft, batches)               # the SFT model, before LoRA
    policy = with_lora(sft)                                       # fresh adapter: every B is 0
    cached_from_policy = cache_reference_logprobs(policy, batches)
    for batch, ref, ref2 in zip(batches, cached, cached_from_policy):
        disabled = reference_logprobs_with_adapter_disabled(policy, batch)
        for a, b, c in zip(ref, disabled, ref2):
            assert not b.requires_grad
            torch.testing.assert_close(b, a, atol=1e-6, rtol=0)
            torch.testing.assert_close(c, a, atol=1e-6, rtol=0)

    train_dpo(policy, batches, steps=3, lr=1e-2, emit=lambda *a, **k: None)   # B != 0 now
    assert policy.training   # train_dpo leaves it in training mode; the reference paths restore it
    for batch, ref in zip(batches, cached):
        disabled = reference_logprobs_with_adapter_disabled(policy, batch)
        assert policy.training
        with torch.no_grad():
            enabled = pair_logprobs(policy, batch)
        for a, b, c in zip(ref, disabled, enabled):
            torch.testing.assert_close(b, a, atol=1e-5, rtol=0)   # still the SFT model
            assert (c - a).abs().max() > 1e-3                     # the adapter has moved the policy


# ---------------------------------------------------------------------------- training

@pytest.mark.parametrize("reference", ["cached", "disabled_adapter"])
def test_train_dpo_loss_falls_and_accuracy_rises(capsys, reference):
    sft = make()
    batch = preference_batch()
    refs = cache_reference_logprobs(sft, [batch]) if reference == "cached" else None
    policy = with_lora(sft)
    steps = 30
    history = train_dpo(policy, [batch], steps=steps, lr=1e-2, beta=0.1, ref_logps=refs)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["step"] for d in lines] == list(range(1, steps + 1))
    assert all(d["event"] == "progress" and d["total"] == steps for d in lines)
    assert all({"loss", "reward_margin", "preference_accuracy", "elapsed_s", "eta_s"} <= d.keys() for d in lines)
    assert [d["loss"] for d in lines] == pytest.approx([h["loss"] for h in history])

    first, last = history[0], history[-1]
    # step 1: the policy is the reference, every reward is 0, loss = log 2, no pair is preferred yet
    assert first["loss"] == pytest.approx(math.log(2), abs=1e-6)
    assert first["preference_accuracy"] == 0 and first["reward_margin"] == pytest.approx(0, abs=1e-6)
    assert last["loss"] < 0.5 * math.log(2)
    assert last["preference_accuracy"] == 1.0 and last["reward_margin"] > 0.5
    assert history[steps // 2]["loss"] < first["loss"]


def test_train_dpo_rejects_misaligned_cache_and_frozen_model():
    model, batch = make(), preference_batch()
    with pytest.raises(ValueError, match="no trainable parameters"):
        train_dpo(model.requires_grad_(False), [batch], steps=1)
    with pytest.raises(ValueError, match="2 cached reference entries for 1 batches"):
        train_dpo(with_lora(make()), [batch], steps=1, ref_logps=[(None, None)] * 2)
    with pytest.raises(TypeError, match="no LoRA adapter to disable"):
        dpo_step(make(), batch, ref_logps=None)
