"""Byte-level BPE tokenizer, the one chat template, and the context-aware CPT document format.

    from distillery_compute.tokenizer import ChatTokenizer, train_tokenizer, render_chat
    tok = train_tokenizer(texts, vocab_size=8192, out_dir="runs/x/tokenizer")   # bootstrap base
    tok = ChatTokenizer.load("runs/x/tokenizer")        # or any HF dir with a tokenizer.json (Llama 3, ...)
    ids = tok.encode_prompt(render_chat([{"role": "user", "content": "hi"}]))   # ready to generate

A trained tokenizer directory holds a standard Hugging Face `tokenizer.json` (so
`transformers.PreTrainedTokenizerFast(tokenizer_file=...)` and `AutoTokenizer` load it)
and a `tokenizer_config.json` naming bos / eos / pad and carrying the chat template
below in Jinja form. Its special tokens, each one id (0..7, in this order):

    <|bos|>  <|end|>  <|pad|>  <|system|>  <|user|>  <|assistant|>  <|context|>  <|document|>

`<|end|>` ends a turn or a document: it is the eos. Every special token in a text is
matched as that token (as transformers does), so a literal "<|user|>" inside a
message's content also becomes the role marker.

The chat template (the TypeScript side records a call's prompt exactly so):

    transcript = "\\n".join(f"<|{m.role}|>\\n{m.content}" for m in messages)     render_chat
    training   = <|bos|> transcript "\\n<|assistant|>\\n" output <|end|>         loss on output + <|end|>
    serving    = <|bos|> transcript "\\n<|assistant|>\\n"  -> generate until eos  encode_prompt

Context-aware CPT documents (sample-specific context, excluded from the loss):

    <|bos|><|context|>\\n{context}\\n<|document|>\\n{text}<|end|>

A foreign tokenizer (e.g. Llama 3's) lacks our markers: they are then encoded as plain
text; eos is the eos_token its tokenizer_config.json names (else `<|end|>` if it has
one, else ValueError), bos likewise (else `<|bos|>`, else none is prepended) and pad
is its pad_token, else `<|pad|>`, else eos.

A tokenizer's own chat template (tokenizer_config.json's `chat_template`, or a
`chat_template.jinja` beside it, as transformers >= 5 writes it; ours is CHAT_TEMPLATE,
an imported base brings its own, e.g. SmolLM2's ChatML) renders as transformers renders
it (sandboxed Jinja, trim_blocks, lstrip_blocks):

    text = tok.apply_chat_template(messages, add_generation_prompt=True)   # == transformers' text
    ids = tok.encode_chat(messages)                                         # == transformers' ids
"""

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

BOS, END, PAD = "<|bos|>", "<|end|>", "<|pad|>"
SYSTEM, USER, ASSISTANT = "<|system|>", "<|user|>", "<|assistant|>"
CONTEXT, DOCUMENT = "<|context|>", "<|document|>"
SPECIAL_TOKENS = [BOS, END, PAD, SYSTEM, USER, ASSISTANT, CONTEXT, DOCUMENT]
ROLES = ("system", "user", "assistant")
GENERATION_MARKER = "\n" + ASSISTANT + "\n"    # between a prompt transcript and the output

TOKENIZER_FILE, CONFIG_FILE, SPECIAL_MAP_FILE = "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"
TEMPLATE_FILE = "chat_template.jinja"

# render_chat + generation_prompt in Jinja, for HF / vLLM serving; the tests check both agree.
# '\n' as Jinja string literals: transformers renders with trim_blocks, which eats raw newlines after tags.
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}{% if not loop.first %}{{ '\\n' }}{% endif %}"
                 "{{ '<|' + message['role'] + '|>\\n' + message['content'] }}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '\\n<|assistant|>\\n' }}{% endif %}")


# ---------------------------------------------------------------------------- template

def render_chat(messages: Sequence[Mapping[str, str]]) -> str:
    """The prompt transcript: "<|role|>\\ncontent" per message, joined by "\\n" (no bos, no generation marker)."""
    parts = []
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            raise ValueError(f"message {i}: role {role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise ValueError(f"message {i}: content must be a string, got {type(content).__name__}")
        parts.append(f"<|{role}|>\n{content}")
    return "\n".join(parts)


_ROLE_LINE = re.compile(r"(?:^|\n)<\|(system|user|assistant)\|>\n")


def parse_chat(transcript: str) -> list[dict[str, str]]:
    """The messages of a render_chat transcript (its inverse; the curator's `prompt` field).

    A message starts at a "<|role|>" line at the start of the transcript or after a newline;
    a transcript that does not start with one is refused (ValueError).
    """
    matches = list(_ROLE_LINE.finditer(transcript))
    if not matches or matches[0].start() != 0:
        raise ValueError("a prompt transcript must start with a <|system|>, <|user|> or <|assistant|> line")
    ends = [m.start() for m in matches[1:]] + [len(transcript)]
    return [{"role": m.group(1), "content": transcript[m.end():end]} for m, end in zip(matches, ends)]


def generation_prompt(transcript: str) -> str:
    """The transcript followed by "\\n<|assistant|>\\n": the text after which the model writes its answer."""
    return transcript + GENERATION_MARKER


def cpt_context_prefix(context: str) -> tuple[str, str, str]:
    """The loss-free pieces before a CPT document's text: ("<|context|>\\n", context, "\\n<|document|>\\n")."""
    return CONTEXT + "\n", context, "\n" + DOCUMENT + "\n"


def render_template(template: str, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool,
                    **variables) -> str:
    """A Jinja chat template rendered the way transformers renders it (its apply_chat_template environment)."""
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str):
        raise ValueError(f"chat template: {message}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                            **variables)


# ---------------------------------------------------------------------------- tokenizer

class ChatTokenizer:
    """A `tokenizers.Tokenizer` plus the bos / eos / pad ids the chat and CPT formats need.

    encode() never adds special tokens by itself (no post-processor templates): the
    callers (encode_prompt, data.py) place bos and eos explicitly.
    """

    def __init__(self, tokenizer: Tokenizer, eos: str | None = None, bos: str | None = None,
                 pad: str | None = None, chat_template: str | None = None):
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        eos = eos if eos is not None else (END if self.token_to_id(END) is not None else None)
        if eos is None:
            raise ValueError(f"tokenizer names no eos_token and has no {END} token")
        bos = bos if bos is not None else (BOS if self.token_to_id(BOS) is not None else None)
        pad = pad if pad is not None else (PAD if self.token_to_id(PAD) is not None else eos)
        self.eos_token, self.bos_token, self.pad_token = eos, bos, pad
        self.eos_id = self._require(eos, "eos")
        self.bos_id = None if bos is None else self._require(bos, "bos")
        self.pad_id = self._require(pad, "pad")

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ChatTokenizer":
        """From a directory with tokenizer.json (+ optional tokenizer_config.json / special_tokens_map.json).

        `path` may also be the tokenizer.json file itself.
        """
        path = Path(path)
        directory = path.parent if path.is_file() else path
        tokenizer = Tokenizer.from_file(str(path if path.is_file() else path / TOKENIZER_FILE))
        named, template = {}, None
        for name in (SPECIAL_MAP_FILE, CONFIG_FILE):   # tokenizer_config.json wins
            if (directory / name).is_file():
                config = json.loads((directory / name).read_text())
                named.update({k: v for k in ("bos_token", "eos_token", "pad_token")
                              if (v := _token_content(config.get(k))) is not None})
                template = _default_template(config.get("chat_template")) or template
        if (directory / TEMPLATE_FILE).is_file():   # transformers >= 5 saves the template there
            template = (directory / TEMPLATE_FILE).read_text()
        return cls(tokenizer, eos=named.get("eos_token"), bos=named.get("bos_token"), pad=named.get("pad_token"),
                   chat_template=template)

    def _require(self, token: str, what: str) -> int:
        i = self.token_to_id(token)
        if i is None:
            raise ValueError(f"{what} token {token!r} is not in the tokenizer's vocabulary")
        return i

    @property
    def vocab_size(self) -> int:
        """Ids in use, added tokens included (the model's embedding needs at least this many rows)."""
        return self.tokenizer.get_vocab_size(with_added_tokens=True)

    @property
    def has_chat_tokens(self) -> bool:
        """Whether our role / CPT markers are single tokens (else they are encoded as plain text)."""
        return all(self.token_to_id(t) is not None for t in SPECIAL_TOKENS)

    def token_to_id(self, token: str) -> int | None:
        return self.tokenizer.token_to_id(token)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, with no bos / eos added."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def apply_chat_template(self, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = False) -> str:
        """The tokenizer's own chat template applied to `messages`: the text transformers' apply_chat_template gives."""
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat_template")
        return render_template(self.chat_template, messages, add_generation_prompt, bos_token=self.bos_token or "",
                               eos_token=self.eos_token, pad_token=self.pad_token)

    def encode_chat(self, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = True) -> list[int]:
        """Ids of apply_chat_template's text (special tokens in it match whole; nothing else is added)."""
        return self.encode(self.apply_chat_template(messages, add_generation_prompt))

    @property
    def uses_own_template(self) -> bool:
        """Whether prompts reach the model in the tokenizer's own chat template (a chat-tuned base's,
        e.g. SmolLM2's ChatML) rather than our role markers: it has a template and lacks our markers."""
        return self.chat_template is not None and not self.has_chat_tokens

    def encode_prompt(self, transcript: str) -> list[int]:
        """What serving feeds the model, and what SFT, DPO and the evaluation train and measure on.

        Our markers' tokenizer (the bootstrap): [bos] + transcript + "\n<|assistant|>\n". A tokenizer
        with its own chat template: that template over the transcript's messages (parse_chat) with
        its generation prompt (SmolLM2: "<|im_start|>system\n...<|im_end|>\n...<|im_start|>assistant\n").
        A foreign tokenizer without one: [bos] + our markers as plain text.
        """
        if self.uses_own_template:
            return self.encode_chat(parse_chat(transcript))
        return ([] if self.bos_id is None else [self.bos_id]) + self.encode(generation_prompt(transcript))

    @functools.cached_property
    def generation_marker_ids(self) -> list[int]:
        """The tokens that end every encode_prompt and cue the answer (truncation always keeps them)."""
        if self.uses_own_template:
            probe = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
            bare, cued = (self.apply_chat_template(probe, g) for g in (False, True))
            if not cued.startswith(bare):
                raise ValueError("the chat template's generation prompt does not extend the bare chat")
            return self.encode(cued[len(bare):])
        return self.encode(GENERATION_MARKER)


def _default_template(value) -> str | None:
    """tokenizer_config.json's chat_template: a string, or a list of {"name", "template"} (the "default" one)."""
    if isinstance(value, list):
        value = next((t.get("template") for t in value if isinstance(t, dict) and t.get("name") == "default"), None)
    return value if isinstance(value, str) and value else None


def _token_content(value) -> str | None:
    """A tokenizer_config token entry: "</s>" or {"content": "</s>", ...} (older AddedToken form)."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


# ---------------------------------------------------------------------------- training

def train_tokenizer(texts: Iterable[str], vocab_size: int, out_dir: str | os.PathLike,
                    min_frequency: int = 2) -> ChatTokenizer:
    """Train a byte-level BPE on `texts`, write tokenizer.json + tokenizer_config.json to out_dir.

    vocab_size counts everything: the 8 special tokens, the 256 byte symbols and the
    merges. Any text round-trips (byte-level, no normalizer). Same texts, same files.
    """
    if vocab_size < len(SPECIAL_TOKENS) + 256:
        raise ValueError(f"vocab_size {vocab_size} < {len(SPECIAL_TOKENS) + 256} "
                         "(8 special tokens + 256 byte symbols)")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(out_dir / TOKENIZER_FILE))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": END,
        "pad_token": PAD,
        "add_bos_token": False,            # data.py and encode_prompt place bos themselves
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
    }
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
    return ChatTokenizer.load(out_dir)
