"""tokenizer.py: byte-level BPE training, special tokens, HF interop, the chat template, foreign tokenizers.

    compute/.venv/bin/python -m pytest compute/tests/test_tokenizer.py -q
"""

import json

import pytest
from conftest import corpus, write_foreign_tokenizer

from distillery_compute.tokenizer import (SPECIAL_TOKENS, ChatTokenizer, generation_prompt, render_chat,
                                          train_tokenizer)

transformers = pytest.importorskip("transformers")

TEXTS = [
    "The customer wants a red sedan.",
    "  leading spaces, trailing\ttab\t\nand\r\nnewlines\n\n",
    "Müller café naïve 東京 🚗 €25,000 — ünïcödé never seen in training: Ωμέγα ✓ 🤖",
    "<|bos|><|system|>\nbe brief\n<|user|>\nhi<|end|>\n<|assistant|>\n<|context|>x<|document|>y<|pad|>",
    "",
]
MESSAGES = [{"role": "system", "content": "You are the planner."},
            {"role": "user", "content": "I want a red sedan.\nUnder €25,000."},
            {"role": "assistant", "content": "Let me check."},
            {"role": "user", "content": "Thanks"}]


def test_special_tokens_are_single_ids(tok):
    for i, token in enumerate(SPECIAL_TOKENS):
        assert tok.token_to_id(token) == i
        assert tok.encode(token) == [i]
        assert tok.decode([i]) == token
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (0, 1, 2)
    assert tok.has_chat_tokens
    assert tok.encode("x<|user|>\n") == tok.encode("x") + [4] + tok.encode("\n")


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip(tok, text):
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert all(0 <= i < tok.vocab_size for i in ids)


def test_vocab_and_determinism(tmp_path, tok_dir, tok):
    assert 264 < tok.vocab_size <= 384
    again = train_tokenizer(corpus(), vocab_size=384, out_dir=tmp_path / "again")
    assert (tmp_path / "again" / "tokenizer.json").read_bytes() == (tok_dir / "tokenizer.json").read_bytes()
    assert again.encode(TEXTS[2]) == tok.encode(TEXTS[2])
    with pytest.raises(ValueError, match="vocab_size"):
        train_tokenizer(corpus(10), vocab_size=200, out_dir=tmp_path / "small")


def test_transformers_loads_the_same_tokenizer(tok_dir, tok):
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(tok_dir / "tokenizer.json"))
    auto = transformers.AutoTokenizer.from_pretrained(str(tok_dir))
    assert (auto.bos_token, auto.eos_token, auto.pad_token) == ("<|bos|>", "<|end|>", "<|pad|>")
    assert (auto.bos_token_id, auto.eos_token_id, auto.pad_token_id) == (tok.bos_id, tok.eos_id, tok.pad_id)
    for text in TEXTS:
        ids = tok.encode(text)
        assert fast.encode(text, add_special_tokens=False) == ids
        assert auto.encode(text) == ids                       # no bos/eos added behind our back
        assert auto.decode(ids) == text


def test_chat_template(tok_dir, tok):
    transcript = render_chat(MESSAGES)
    assert transcript == ("<|system|>\nYou are the planner.\n<|user|>\nI want a red sedan.\nUnder €25,000.\n"
                          "<|assistant|>\nLet me check.\n<|user|>\nThanks")
    assert generation_prompt(transcript) == transcript + "\n<|assistant|>\n"
    assert tok.encode_prompt(transcript) == [tok.bos_id] + tok.encode(transcript + "\n<|assistant|>\n")
    # the Jinja copy in tokenizer_config.json renders the same text and ids
    auto = transformers.AutoTokenizer.from_pretrained(str(tok_dir))
    assert auto.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True) == \
        "<|bos|>" + generation_prompt(transcript)
    assert auto.apply_chat_template(MESSAGES, tokenize=False) == "<|bos|>" + transcript
    ids = auto.apply_chat_template(MESSAGES, tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
    assert list(ids) == tok.encode_prompt(transcript)
    # ChatTokenizer renders its own template as transformers does
    assert tok.apply_chat_template(MESSAGES, add_generation_prompt=True) == "<|bos|>" + generation_prompt(transcript)
    assert tok.apply_chat_template(MESSAGES) == "<|bos|>" + transcript
    assert tok.encode_chat(MESSAGES) == tok.encode_prompt(transcript)


def test_chat_template_forms(tmp_path, tok_dir):
    """A template in tokenizer_config.json (string or named list) or in chat_template.jinja (transformers >= 5)."""
    config = json.loads((tok_dir / "tokenizer_config.json").read_text())
    for name, value in (("named", [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "{{ 'd' }}"}]),
                        ("none", None)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tokenizer.json").write_bytes((tok_dir / "tokenizer.json").read_bytes())
        (tmp_path / name / "tokenizer_config.json").write_text(json.dumps(config | {"chat_template": value}))
    assert ChatTokenizer.load(tmp_path / "named").apply_chat_template(MESSAGES) == "d"
    with pytest.raises(ValueError, match="no chat_template"):
        ChatTokenizer.load(tmp_path / "none").apply_chat_template(MESSAGES)
    (tmp_path / "none" / "chat_template.jinja").write_text("{% for m in messages %}[{{ m['role'] }}]{% endfor %}")
    assert ChatTokenizer.load(tmp_path / "none").apply_chat_template(MESSAGES[:2]) == "[system][user]"
    (tmp_path / "none" / "chat_template.jinja").write_text("{{ raise_exception('no tools') }}")
    with pytest.raises(ValueError, match="chat template: no tools"):
        ChatTokenizer.load(tmp_path / "none").apply_chat_template(MESSAGES)


def test_render_chat_rejects_unknown_roles():
    assert render_chat([]) == ""
    with pytest.raises(ValueError, match="message 1: role 'tool'"):
        render_chat([{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}])
    with pytest.raises(ValueError, match="content must be a string"):
        render_chat([{"role": "user", "content": None}])


def test_foreign_tokenizer(foreign_tok):
    assert not foreign_tok.has_chat_tokens
    assert foreign_tok.eos_id == foreign_tok.token_to_id("</s>")
    assert foreign_tok.pad_id == foreign_tok.eos_id          # no pad named: pad = eos
    assert foreign_tok.bos_id is None                         # none named, no <|bos|>: nothing prepended
    marker = foreign_tok.encode("<|user|>")
    assert len(marker) > 1 and foreign_tok.decode(marker) == "<|user|>"
    transcript = render_chat(MESSAGES)
    assert foreign_tok.decode(foreign_tok.encode_prompt(transcript)) == generation_prompt(transcript)


def test_foreign_tokenizer_config_forms(tmp_path):
    write_foreign_tokenizer(tmp_path / "dicts", {"bos_token": {"content": "<s>", "__type": "AddedToken"},
                                                 "eos_token": {"content": "</s>", "__type": "AddedToken"},
                                                 "pad_token": None})
    tok = ChatTokenizer.load(tmp_path / "dicts" / "tokenizer.json")     # the file itself works too
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (0, 1, 1)

    write_foreign_tokenizer(tmp_path / "map", None)
    (tmp_path / "map" / "special_tokens_map.json").write_text(json.dumps({"eos_token": "</s>"}))
    assert ChatTokenizer.load(tmp_path / "map").eos_id == 1

    write_foreign_tokenizer(tmp_path / "none", None)
    with pytest.raises(ValueError, match="no eos_token"):
        ChatTokenizer.load(tmp_path / "none")
    write_foreign_tokenizer(tmp_path / "bad", {"eos_token": "<eos>"})
    with pytest.raises(ValueError, match="eos token '<eos>' is not in the tokenizer's vocabulary"):
        ChatTokenizer.load(tmp_path / "bad")


def test_parse_chat_inverts_render_chat():
    from distillery_compute.tokenizer import parse_chat

    messages = [{"role": "system", "content": "You are the planner.\n## Now\n2026"},
                {"role": "user", "content": "hi\n\nthere"}, {"role": "assistant", "content": ""},
                {"role": "user", "content": "a <|user|> inline marker stays text"}]
    assert parse_chat(render_chat(messages)) == messages
    with pytest.raises(ValueError, match="must start with"):
        parse_chat("no role line\n<|user|>\nhi")


def test_our_tokenizer_keeps_its_markers_and_a_foreign_one_without_a_template_gets_them_as_text(tok, foreign_tok):
    transcript = render_chat(MESSAGES)
    assert not tok.uses_own_template and not foreign_tok.uses_own_template
    assert tok.encode_prompt(transcript)[-len(tok.generation_marker_ids):] == tok.generation_marker_ids
    assert tok.generation_marker_ids == tok.encode("\n<|assistant|>\n")
