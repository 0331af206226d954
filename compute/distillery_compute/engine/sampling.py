"""What a request asks of decoding, checked on arrival, and the sampler.

    params = SamplingParams(max_tokens=256, temperature=0.7, top_p=0.9, seed=7, stop=["\\n\\n"])
    params.check()                       # RequestError naming the bad field
    ids = sample(logits, [params, ...], [generator, ...])

temperature 0 is greedy (argmax: deterministic, the same in any batch). Otherwise the logits are
divided by the temperature, cut to the smallest set of tokens whose probability reaches top_p, and
one token is drawn with the request's own generator (seeded by `seed`, or at random), so a seeded
request draws the same tokens whatever else is in the batch.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

MAX_STOP_STRINGS = 16
MAX_STOP_LENGTH = 256


class RequestError(ValueError):
    """A request the engine refuses, with the field at fault; the engine goes on serving the others."""

    def __init__(self, field_name: str, message: str, code: str = "invalid_request"):
        super().__init__(f"{field_name}: {message}")
        self.field, self.code = field_name, code


@dataclass
class SamplingParams:
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: Sequence[str] = ()             # texts that end the output (not included in it)
    stop_token_ids: Sequence[int] = ()   # tokens that end it besides eos (not included either)
    ignore_eos: bool = False             # benchmarks: always max_tokens tokens
    generator: torch.Generator | None = field(default=None, repr=False, compare=False)

    def check(self, vocab_size: int) -> None:
        if isinstance(self.max_tokens, bool) or not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise RequestError("max_tokens", f"must be a whole number of at least 1, got {self.max_tokens!r}")
        if not isinstance(self.temperature, (int, float)) or not 0 <= self.temperature <= 2:
            raise RequestError("temperature", f"must be a number from 0 to 2, got {self.temperature!r}")
        if not isinstance(self.top_p, (int, float)) or not 0 < self.top_p <= 1:
            raise RequestError("top_p", f"must be a number above 0 and at most 1, got {self.top_p!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not 0 <= self.seed < 2 ** 63):
            raise RequestError("seed", f"must be a whole number from 0 to 2^63-1, got {self.seed!r}")
        if isinstance(self.stop, str) or len(self.stop) > MAX_STOP_STRINGS:
            raise RequestError("stop", f"must be a list of at most {MAX_STOP_STRINGS} strings")
        for i, text in enumerate(self.stop):
            if not isinstance(text, str):
                raise RequestError(f"stop[{i}]", f"must be a string, got {type(text).__name__}")
            if not 0 < len(text) <= MAX_STOP_LENGTH:
                raise RequestError(f"stop[{i}]", f"must be 1 to {MAX_STOP_LENGTH} characters, got {len(text)}")
        for i, token in enumerate(self.stop_token_ids):
            if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < vocab_size:
                raise RequestError(f"stop_token_ids[{i}]", f"must be a token id below {vocab_size}, got {token!r}")

    def make_generator(self, device: torch.device) -> None:
        if self.temperature > 0:
            # CPU generator everywhere: the draw is over a small probability vector, and its
            # sequence does not depend on the device
            self.generator = torch.Generator("cpu")
            self.generator.manual_seed(self.seed if self.seed is not None else torch.seed())


def probabilities(row: Tensor, params: SamplingParams) -> Tensor:
    """The distribution a sampled token is drawn from (fp32, CPU): softmax(logits / temperature), cut to top_p."""
    probs = torch.softmax(row.float().cpu() / params.temperature, dim=-1)
    if params.top_p < 1:
        sorted_probs, order = probs.sort(descending=True)
        # keep the tokens before the cumulative mass reaches top_p, and the one that reaches it
        drop = sorted_probs.cumsum(-1) - sorted_probs >= params.top_p
        sorted_probs[drop] = 0
        probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
    return probs


def sample(logits: Tensor, params: Sequence[SamplingParams]) -> list[int]:
    """One token per row of `logits` (rows, vocab), row i decoded as params[i] asks."""
    greedy = logits.argmax(-1).tolist()
    return [best if p.temperature == 0 else int(torch.multinomial(probabilities(row, p), 1, generator=p.generator))
            for row, p, best in zip(logits, params, greedy)]
