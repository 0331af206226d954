"""Shared fixtures: a small trained chat tokenizer, a foreign one without our special tokens, the imported SmolLM2."""

import contextlib
import io
import json
import random
from pathlib import Path

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from distillery_compute.tokenizer import ChatTokenizer, train_tokenizer

WORDS = ("the customer wants a red sedan with low mileage and asks about financing options for next week "
         "we have three cars in stock price trade-in appointment Müller café naïve 東京 🚗 €25,000").split()


def corpus(n: int = 400, seed: int = 0) -> list[str]:
    """n short chat-like strings over a small vocabulary (unicode included)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
        lines.append(rng.choice([sentence, sentence.capitalize() + ".", f"<|user|>\n{sentence}?"]))
    return lines


@pytest.fixture(scope="session")
def tok_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer(corpus(), vocab_size=384, out_dir=out)
    return out


@pytest.fixture(scope="session")
def tok(tok_dir) -> ChatTokenizer:
    return ChatTokenizer.load(tok_dir)


def write_foreign_tokenizer(out_dir, config: dict | None) -> None:
    """A byte-level BPE with only <s> and </s> as special tokens, plus an optional tokenizer_config.json."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=["<s>", "</s>"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(corpus(200, seed=1), trainer=trainer)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(out_dir / "tokenizer.json"))
    if config is not None:
        (out_dir / "tokenizer_config.json").write_text(json.dumps(config))


@pytest.fixture(scope="session")
def foreign_tok(tmp_path_factory) -> ChatTokenizer:
    out = tmp_path_factory.mktemp("foreign")
    write_foreign_tokenizer(out, {"eos_token": "</s>", "tokenizer_class": "PreTrainedTokenizerFast"})
    return ChatTokenizer.load(out)


@pytest.fixture(scope="session")
def smollm2_import(tmp_path_factory) -> tuple[Path, list[dict]]:
    """(dir, stdout events) of SmolLM2-135M-Instruct imported once per session by `import-base` (~15 s on 2 cores)."""
    from distillery_compute.__main__ import main
    from distillery_compute.bases import BASES, SourceError, find_source

    try:
        find_source(BASES["smollm2-135m"])
    except SourceError as error:
        pytest.skip(str(error))
    out = tmp_path_factory.mktemp("bases") / "smollm2-135m"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["import-base", "--preset", "smollm2-135m", "--out", str(out)]) == 0
    return out, [json.loads(line) for line in stdout.getvalue().splitlines()]


@pytest.fixture(scope="session")
def smollm2_base(smollm2_import) -> Path:
    """The imported SmolLM2-135M-Instruct checkpoint dir (train --base)."""
    return smollm2_import[0]
