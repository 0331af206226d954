"""EAGLE drafting and speculative decoding: lossless against plain greedy, rollback, capture, TTT, vocab, export.

The target is the engine tests' peaked micro model widened to 8 layers (EAGLE-3 reads layers 2, 4
and 5 of it) and run in float64, so batched verification and one-token decoding cannot disagree
on a near tie: any difference is a bug, not rounding.
"""

import copy
import json
import random

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.eagle.drafter import (DrafterConfig, Eagle3Drafter, drafter_keys, load_drafter, save_drafter,
                                              attend, target_features)
from distillery_compute.eagle.ttt import TTTExample, ttt_logits, ttt_loss
from distillery_compute.eagle.vocab import check_vocab_maps, vocab_maps
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.engine.runner import PagedRunner, mkl_packing
from distillery_compute.engine.speculative import DraftTree, SpecConfig, verify
from distillery_compute.evaluate import greedy_decode
from distillery_compute.model import ModelArgs, Transformer, init_weights

ARGS = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=8)
K = 4


@pytest.fixture(scope="module")
def target() -> Transformer:
    torch.manual_seed(0)
    model = Transformer(ARGS)
    model.apply(lambda m: init_weights(m, std=0.3))
    return model.double().eval()


def untrained_drafter(target: Transformer, vocab: int = 96, seed: int = 0) -> Eagle3Drafter:
    torch.manual_seed(seed)
    d2t, t2d = vocab_maps(torch.rand(ARGS.vocab_size), vocab)
    return Eagle3Drafter(DrafterConfig.for_target(ARGS, vocab), d2t, t2d).attach(target).eval()


def prompts(n: int, seed: int = 1) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(8, ARGS.vocab_size) for _ in range(rng.randint(5, 60))] for _ in range(n)]


@pytest.fixture(scope="module")
def references(target):
    batch = prompts(6)
    return batch, [greedy_decode(target, p, 1 + 4 * (K + 1), eos_id=-1) for p in batch]


class Oracle:
    """Proposes the target's own greedy continuation (as a chain, or as a tree whose right path is
    never first among its siblings), or always a wrong token."""

    def __init__(self, refs: dict[tuple, list[int]], shape: str, wrong: bool = False):
        self.refs, self.shape, self.wrong = refs, shape, wrong

    def forget(self, seq_id):
        pass

    def propose(self, work):
        trees = []
        for seq, depth, _, _ in work:
            ref = self.refs[tuple(seq.prompt)]
            right = ref[len(seq.output):len(seq.output) + depth]
            bad = [(t + 1) % ARGS.vocab_size for t in right]
            if self.shape == "chain":
                trees.append(DraftTree(bad if self.wrong else right, list(range(-1, depth - 1))))
                continue
            tokens, parents, parent = [], [], -1
            for good, wrong in zip(right, bad):   # at each depth: a wrong sibling first, then the right one
                tokens += [wrong, wrong if self.wrong else good]
                parents += [parent, parent]
                parent = len(tokens) - 1
            trees.append(DraftTree(tokens, parents))
        return trees


def run(engine: Engine, batch, n: int) -> list[list[int]]:
    return [c.token_ids for c in engine.generate(batch, SamplingParams(max_tokens=n, ignore_eos=True))]


@pytest.mark.parametrize("shape", ["chain", "tree"])
@pytest.mark.parametrize("kind", ["oracle", "wrong", "untrained"])
def test_greedy_speculation_is_the_targets_greedy_output(target, tok, references, shape, kind):
    batch, refs = references
    spec = SpecConfig(method=shape, tokens=K, top_k=3, budget=10, batch_tokens=128)
    if kind == "untrained":
        engine = Engine(target, tok, num_blocks=128, speculative=spec, drafter=untrained_drafter(target))
    else:
        engine = Engine(target, tok, num_blocks=128, speculative=spec,
                        proposer=Oracle({tuple(p): r for p, r in zip(batch, refs)}, shape, kind == "wrong"))
    assert run(engine, batch, len(refs[0])) == refs
    stats = engine.speculation()
    assert stats["rounds"] > 0
    if kind == "oracle":
        assert stats["mean_accepted_length"] == K + 1
        assert stats["acceptance_by_position"] == [1.0] * K
    elif kind == "wrong":
        assert stats["mean_accepted_length"] == 1
        assert stats["acceptance_by_position"] == [0.0] * K


@pytest.mark.parametrize("preemption", ["recompute", "swap"])
def test_speculation_under_preemption_stays_lossless_and_keeps_the_drafters_features(target, tok, references, preemption):
    batch, refs = references
    drafter = untrained_drafter(target)
    roomy = Engine(target, tok, num_blocks=128, drafter=drafter, speculative=SpecConfig(batch_tokens=128))
    tight = Engine(target, tok, num_blocks=14, drafter=drafter, preemption=preemption, max_batched_tokens=64,
                   speculative=SpecConfig(batch_tokens=128))
    assert run(roomy, batch, len(refs[0])) == refs == run(tight, batch, len(refs[0]))
    assert tight.scheduler.preemptions > 0 and tight.speculation()["rounds"] > 0


def test_a_swapped_sequence_gets_its_features_back(target, tok):
    engine = Engine(target, tok, num_blocks=32, drafter=untrained_drafter(target))
    runner = engine.runner
    runner.aux_cache.normal_()
    before = runner.aux_cache[0:48].clone()
    runner.swap([("out", "a", [0, 1, 2])])
    runner.aux_cache.zero_()
    runner.swap([("in", "a", [7, 3, 9])])
    after = runner.aux_cache.view(32, 16, -1)[[7, 3, 9]].reshape(48, -1)
    assert torch.equal(after, before)


def test_the_kv_cache_after_speculation_equals_a_fresh_prefill(target, tok, references):
    batch, refs = references
    engine = Engine(target, tok, num_blocks=128, prefix_caching=False,
                    speculative=SpecConfig(method="tree", tokens=K, batch_tokens=128),
                    proposer=Oracle({tuple(p): r for p, r in zip(batch, refs)}, "tree"))
    engine.add("a", SamplingParams(max_tokens=len(refs[0]), ignore_eos=True), token_ids=batch[0])
    for _ in range(4):
        engine.step()
    seq = engine.scheduler.running[0]
    assert seq.output == refs[0][:len(seq.output)] and engine.speculation()["accepted"] > 0
    fresh = Engine(target, tok, num_blocks=128, prefix_caching=False)
    fresh.add("b", SamplingParams(max_tokens=2, ignore_eos=True), token_ids=seq.tokens[:seq.computed])
    fresh.step()
    slots = lambda e, blocks: [blocks[p // 16] * 16 + p % 16 for p in range(seq.computed)]   # noqa: E731
    for mine, theirs in zip(engine.runner.k_cache + engine.runner.v_cache, fresh.runner.k_cache + fresh.runner.v_cache):
        assert torch.allclose(mine[slots(engine, seq.blocks)], theirs[slots(fresh, fresh.scheduler.running[0].blocks)],
                              atol=1e-9)


def test_an_eagle_drafter_caught_up_after_prefix_cache_hits_drafts_as_without(target, tok):
    """The drafter reads the features of prefix-cached positions from the runner's aux cache."""
    shared = prompts(1, seed=5)[0] * 2
    batch = [shared + p for p in prompts(3, seed=6)]
    outs = []
    for caching in (False, True):
        engine = Engine(target, tok, num_blocks=128, prefix_caching=caching,
                        speculative=SpecConfig(tokens=3, batch_tokens=64), drafter=untrained_drafter(target))
        outs.append((run(engine, batch[:1], 12) + run(engine, batch[1:], 12), engine.speculation()))
    assert outs[0][0] == outs[1][0]
    assert outs[0][1]["accepted"] == outs[1][1]["accepted"] and outs[1][1]["rounds"] > 0


@pytest.mark.skipif(not mkl_packing(torch.device("cpu"), torch.float32),
                    reason="batch invariance is MKL's fp32 CPU path")
@pytest.mark.parametrize("shape", ["chain", "tree"])
def test_a_verified_rows_logits_are_its_one_token_decodes_bit_for_bit_when_batch_invariant(target, shape):
    """fp32, where a last-bit difference counts (an FP8 target's activation rounding amplifies it).
    Measured without batch_invariant: every row differed, by up to 2e-5, first in layer 0's q/k/v
    (MKL's kernel for the last M % 4 rows of a product) and then in attention (SDPA over the draft's
    rows against the decode's own formula)."""
    model = copy.deepcopy(target).float()
    rng = random.Random(2)
    tokens = [rng.randrange(8, ARGS.vocab_size) for _ in range(50)]
    start, table = 37, list(range(8))   # a prompt over three blocks, drafts crossing into the fourth

    def runner_after_prompt() -> PagedRunner:
        runner = PagedRunner(model, num_blocks=16, block_size=16, batch_invariant=True)
        runner.forward(runner.prepare([(tokens[:start], 0, table, 1)]))
        return runner

    if shape == "chain":
        path, draft, tree = tokens[start + 1:start + 8], tokens[start + 1:start + 8], ()
        rows = list(range(8))
    else:   # two children at each of three depths, the second of each pair on the path
        path = tokens[start + 1:start + 4]
        draft = DraftTree([t for good in path for t in ((good + 1) % ARGS.vocab_size, good)], [-1, -1, 1, 1, 3, 3])
        tree, draft, rows = (([0] + draft.depths, draft.visibility()),), draft.tokens, [0, 2, 4, 6]
    decoding = runner_after_prompt()
    decoded = torch.cat([decoding.forward(decoding.prepare([([t], start + i, table, 1)]))
                         for i, t in enumerate([tokens[start]] + path)])
    verifying = runner_after_prompt()
    verified = verifying.forward(verifying.prepare([([tokens[start]] + draft, start, table, 1 + len(draft), *tree)]))
    for i, row in enumerate(rows):
        assert torch.equal(verified[row], decoded[i]), f"position {start + i}"


def test_aux_capture_matches_transformers_hidden_states(target, tok):
    from transformers import LlamaConfig, LlamaForCausalLM
    from distillery_compute.checkpoint import hf_config_from_args
    hf = LlamaForCausalLM(LlamaConfig(**hf_config_from_args(ARGS, torch.float64))).double().eval()
    hf.load_state_dict(target.state_dict(), strict=False)
    engine = Engine(target, tok, num_blocks=64, drafter=untrained_drafter(target))
    ids = prompts(1, seed=3)[0]
    engine.add("a", SamplingParams(max_tokens=8, ignore_eos=True), token_ids=ids)
    engine.step()
    with torch.no_grad():
        states = hf(torch.tensor([ids]), output_hidden_states=True).hidden_states
    want = target_features(tuple(h[0] for h in states), (2, 4, 5))
    blocks = engine.scheduler.running[0].blocks
    got = engine.runner.aux_cache[[blocks[p // 16] * 16 + p % 16 for p in range(len(ids))]]
    # transformers' RMSNorm (and model.py's) computes in fp32, the runner's in the model's dtype
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-4)
    assert DrafterConfig.for_target(ARGS, 8).aux_layers == (2, 4, 5)


def chain_reference(drafter: Eagle3Drafter, tokens: torch.Tensor, aux: torch.Tensor, t: int, steps: int) -> list[torch.Tensor]:
    """Chain drafting after position t, teacher-forced, one token at a time with a growing key/value list."""
    positions = torch.arange(t + 1)
    h = drafter.fuse(aux[:t + 1])
    q, k, v = drafter.project(tokens[1:t + 2], h, positions)
    keys, values = k, v
    out = drafter.finish(h[-1:], attend(q[-1:], keys, values, None))
    logits = [drafter.logits(out)[0]]
    for step in range(1, steps):
        q, k, v = drafter.project(tokens[t + step + 1:t + step + 2], out, torch.tensor([t + step]))
        keys, values = torch.cat([keys, k]), torch.cat([values, v])
        out = drafter.finish(out, attend(q, keys, values, None))
        logits.append(drafter.logits(out)[0])
    return logits


def test_training_time_test_equals_chain_drafting(target):
    drafter = untrained_drafter(target)
    tokens = torch.tensor(sum(prompts(4, seed=4), [])[:40])
    with torch.no_grad():
        _, states = target(tokens[None], output_hidden_states=True)
        aux = target_features(tuple(s[0] for s in states), drafter.config.aux_layers)
        steps = ttt_logits(drafter, tokens, aux, steps=5, start=3)
        for t in (3, 10, 30):
            want = chain_reference(drafter, tokens, aux, t, 5)
            for k, (rows, logits) in enumerate(steps):
                if t in rows.tolist():
                    assert torch.allclose(logits[rows.tolist().index(t)], want[k], atol=1e-9), (t, k)


def test_ttt_loss_is_the_target_entropy_when_the_drafter_matches_and_ignores_masked_positions(target):
    drafter = untrained_drafter(target)
    tokens = torch.tensor(sum(prompts(4, seed=4), [])[:30])
    with torch.no_grad():
        _, states = target(tokens[None], output_hidden_states=True)
        aux = target_features(tuple(s[0] for s in states), drafter.config.aux_layers)
        steps = ttt_logits(drafter, tokens, aux, steps=1)
    T = tokens.numel()
    target_logits = torch.zeros(T, drafter.config.draft_vocab_size)
    rows, logits = steps[0]   # make the target agree with the drafter's first step
    target_logits[rows + 1] = logits.float()
    mask = torch.zeros(T, dtype=torch.bool)
    mask[20:] = True
    example = TTTExample(tokens, aux, target_logits, torch.ones(T, dtype=torch.bool), mask)
    loss, metrics = ttt_loss(drafter, example, steps=1)
    p = torch.softmax(target_logits[19:T - 1], -1)
    entropy = -(p * p.log()).sum(-1).mean()
    assert torch.allclose(loss.double(), entropy.double(), atol=1e-5)   # the loss is computed in fp32
    assert metrics["accuracy"] == [1.0] and metrics["positions"] == [T - 20]
    example.loss_mask[:] = False
    assert float(ttt_loss(drafter, example, steps=3)[0]) == 0


def test_vocab_maps_keep_the_most_frequent_ids_and_pad_with_unseen_ones():
    counts = torch.zeros(50)
    counts[[7, 3, 40]] = torch.tensor([5.0, 9.0, 1.0])
    d2t, t2d = vocab_maps(counts, 5)
    check_vocab_maps(d2t, t2d)
    assert (torch.arange(5) + d2t).tolist() == [0, 1, 3, 7, 40]
    assert int(t2d.sum()) == 5 and d2t.dtype == torch.int64
    with pytest.raises(ValueError, match="t2d's ids"):
        bad = t2d.clone()
        bad[0], bad[2] = False, True
        check_vocab_maps(d2t, bad)
    with pytest.raises(ValueError, match="draft_vocab_size"):
        vocab_maps(counts, 51)


def test_the_export_is_the_eagle3_layout_vllm_and_sglang_load(target, tmp_path):
    drafter = untrained_drafter(target)
    out = save_drafter(drafter, tmp_path / "drafter", info={"target": "ckpt_x"})
    state = load_file(str(out / "model.safetensors"))
    assert {k: tuple(v.shape) for k, v in state.items()} == drafter_keys(drafter.config)
    assert state["d2t"].dtype == torch.int64 and state["t2d"].dtype == torch.bool
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLMEagle3"] and config["num_hidden_layers"] == 1
    assert config["draft_vocab_size"] == 96 and config["vocab_size"] == ARGS.vocab_size
    assert config["eagle_config"]["eagle_aux_hidden_state_layer_ids"] == [2, 4, 5]
    assert not any(k.startswith(("embed_tokens", "model.", "draft_model.")) for k in state)
    again = load_drafter(out, target)
    for k, v in drafter.state_dict().items():
        assert torch.allclose(again.state_dict()[k].double(), v.double(), atol=1e-2)
    (out / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(ValueError, match="model.safetensors"):
        load_drafter(out, target)


@pytest.mark.parametrize("siblings", [1, 3])
def test_speculative_sampling_keeps_the_targets_distribution(siblings):
    """chi-square over 16 tokens, 20,000 draws: the first emitted token follows softmax(logits / T)."""
    torch.manual_seed(0)
    logits = torch.randn(1 + siblings, 16) * 1.5
    params = SamplingParams(temperature=0.8, top_p=1.0, seed=11)
    params.make_generator(torch.device("cpu"))
    tree = DraftTree([3, 7, 11][:siblings], [-1] * siblings)
    counts = torch.zeros(16)
    trials = 20_000
    for _ in range(trials):
        path, following = verify(tree, logits, params)
        counts[tree.tokens[path[0]] if path else following] += 1
    expected = torch.softmax(logits[0] / 0.8, -1) * trials
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 37.7   # the 0.999 quantile of chi-square with 15 degrees of freedom


def test_a_bad_speculative_config_is_refused(target, tok):
    with pytest.raises(ValueError, match="method"):
        Engine(target, tok, num_blocks=64, speculative=SpecConfig(method="beam"))
    with pytest.raises(ValueError, match="tokens"):
        Engine(target, tok, num_blocks=64, speculative=SpecConfig(tokens=0))


@pytest.mark.slow
def test_the_drafter_job_builds_data_trains_measures_and_resumes(target, tok_dir, tmp_path):
    """The CLI end to end on the micro student: data from its own answers, a trained drafter in the
    EAGLE-3 layout, chain and tree measured lossless on held-out prompts, the manifest; a rerun resumes."""
    import subprocess
    import sys
    from distillery_compute.checkpoint import save_checkpoint
    files = {name: (tok_dir / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
    ckpt = save_checkpoint(target.float(), ARGS, tmp_path / "ckpt", torch.float32, extra_files=files)
    target.double()
    rng = random.Random(0)
    words = "the customer wants a red sedan with low mileage and asks about financing".split()
    line = lambda: " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))   # noqa: E731
    eagle = [{"id": f"e{i}", "set": "in-domain" if i % 2 else "external", "prompt": f"<|user|>\n{line()}"}
             for i in range(12)]
    (tmp_path / "eagle.jsonl").write_text("".join(json.dumps(r) + "\n" for r in eagle))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"prompt": f"<|user|>\n{line()}", "output": "x"}) + "\n"
                                                 for _ in range(3)))
    command = [sys.executable, "-m", "distillery_compute", "drafter", "--checkpoint", str(ckpt),
               "--eagle-rows", str(tmp_path / "eagle.jsonl"), "--eval-rows", str(tmp_path / "eval.jsonl"),
               "--run-dir", str(tmp_path / "run"), "--variants", "synthetic,combined", "--steps", "6",
               "--draft-vocab", "64", "--max-new-tokens", "24", "--eval-max-tokens", "24", "--max-prompts", "5"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert {e["event"] for e in events} >= {"stage_start", "data", "start", "drafter", "evaluated", "done"}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert set(manifest["variants"]) == {"synthetic", "combined"} and manifest["best"] in manifest["variants"]
    assert manifest["data"]["in-domain"]["examples"] > 0 and manifest["data"]["external"]["examples"] > 0
    for variant in manifest["variants"].values():
        for method in ("chain", "tree"):
            metrics = variant["metrics"][method]
            assert metrics["same_output"] == 3 and metrics["mean_accepted_length"] >= 1
            assert len(metrics["acceptance_by_position"]) >= 1
        drafter = load_drafter(variant["path"], target)
        assert drafter.config.draft_vocab_size == 64
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "resumed" in {json.loads(line)["event"] for line in again.stdout.splitlines()}
    bad = subprocess.run(command[:-2] + ["--variants", "fancy"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--variants" in bad.stderr
