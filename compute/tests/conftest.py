"""Shared fixtures: a small trained chat tokenizer and a foreign one without our special tokens."""

import json
import random

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
