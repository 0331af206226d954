"""expansion.py: LLaMA-Pro expansion is exact at init, and the new blocks train.

    compute/.venv/bin/python -m pytest compute/tests/test_expansion.py -q
"""

import pytest
import torch
import torch.nn.functional as F

from distillery_compute.expansion import expand_blocks, expansion_plan, freeze_for_expansion
from distillery_compute.model import ModelArgs, Transformer


def make(args: ModelArgs, seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    return Transformer(args).eval()


def tokens(args: ModelArgs, seq: int = 32) -> torch.Tensor:
    return torch.randint(0, args.vocab_size, (2, seq), generator=torch.Generator().manual_seed(1))


def test_plan_indices():
    p = expansion_plan(8, every=4)
    assert p.n_layers == 10
    assert p.source == (0, 1, 2, 3, 3, 4, 5, 6, 7, 7)
    assert p.new == (4, 9) and p.frozen == (0, 1, 2, 3, 5, 6, 7, 8)
    p = expansion_plan(6, every=4)   # a trailing partial group gets no copy
    assert (p.n_layers, p.new, p.source) == (7, (4,), (0, 1, 2, 3, 3, 4, 5))
    p = expansion_plan(32, every=4)  # LLaMA-Pro-8B: 32 -> 40
    assert p.n_layers == 40 and p.new == tuple(range(4, 40, 5))
    with pytest.raises(ValueError):
        expansion_plan(4, every=0)


@pytest.mark.parametrize("n_layers,every,tied", [(4, 2, False), (6, 4, True), (3, 1, False)])
def test_expanded_equals_base_at_init(n_layers, every, tied):
    args = ModelArgs.from_name("micro").replace(n_layers=n_layers, tie_word_embeddings=tied)
    base = make(args)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    model, new_args, plan = expand_blocks(base, args, every=every)
    assert new_args.n_layers == len(model.model.layers) == n_layers + n_layers // every == plan.n_layers
    assert sorted(plan.new + plan.frozen) == list(range(plan.n_layers))
    assert model.args == new_args
    if tied:
        assert model.lm_head.weight is model.model.embed_tokens.weight
    for j, i in enumerate(plan.source):  # originals copied; new ones copy block i with zeroed writes
        new_w = model.model.layers[j].self_attn.o_proj.weight
        torch.testing.assert_close(model.model.layers[j].self_attn.q_proj.weight,
                                   base.model.layers[i].self_attn.q_proj.weight, atol=0, rtol=0)
        assert (new_w == 0).all() == (j in plan.new)
    x = tokens(args)
    with torch.no_grad():
        base_logits, base_hidden = base(x, output_hidden_states=True)
        logits, hidden = model(x, output_hidden_states=True)
    torch.testing.assert_close(logits, base_logits, atol=1e-6, rtol=0)
    # each original block's output is unchanged; a new block passes its input through
    for b, j in enumerate(plan.frozen[:-1]):  # the last entry is after the final norm in both
        torch.testing.assert_close(hidden[j + 1], base_hidden[b + 1], atol=1e-6, rtol=0)
    for k, v in base.state_dict().items():  # the base model is untouched
        assert torch.equal(v, before[k]), k


def test_one_step_on_new_blocks_changes_outputs_only_through_them():
    args = ModelArgs.from_name("micro").replace(n_layers=4)
    model, _, plan = expand_blocks(make(args), args, every=2)
    trainable = freeze_for_expansion(model, plan)
    assert {id(p) for p in trainable} == {id(p) for j in plan.new for p in model.model.layers[j].parameters()}
    assert sum(p.requires_grad for p in model.parameters()) == len(trainable)
    frozen_before = {k: v.clone() for k, v in model.named_parameters() if not v.requires_grad}

    x = tokens(args)
    with torch.no_grad():
        logits_before = model(x)
    model.train()
    opt = torch.optim.AdamW(trainable, lr=1e-2)
    logits = model(x[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, args.vocab_size), x[:, 1:].reshape(-1))
    loss.backward()
    # the zeroed writes get gradient at once (their inputs are non-zero)
    for j in plan.new:
        layer = model.model.layers[j]
        assert layer.self_attn.o_proj.weight.grad.abs().sum() > 0
        assert layer.mlp.down_proj.weight.grad.abs().sum() > 0
    opt.step()
    model.eval()
    with torch.no_grad():
        logits_after = model(x)
    assert (logits_after - logits_before).abs().max() > 1e-3
    for k, v in model.named_parameters():
        if k in frozen_before:
            assert torch.equal(v, frozen_before[k]), k
