"""JSON-lines progress protocol spoken by every distillery_compute job.

A job's stdout carries nothing but protocol lines; logs and tracebacks go to
stderr. Each line is one JSON object, flushed as soon as it is written:

    {"event": "<name>", "ts": "2025-01-31T12:00:00.123Z", ...fields}

    event   str, always first: what happened ("info", "progress", "done", ...)
    ts      str, UTC time in ISO 8601 with milliseconds and a "Z" suffix
    ...     the event's own fields, JSON-encodable; tuples become lists,
            non-finite floats (nan, inf) become null so that JSON.parse
            accepts every line, other unknown objects become str(obj)

Progress lines from the `Progress` helper add

    step      int, steps done so far
    total     int, steps in all
    elapsed_s float, seconds since the helper was created
    eta_s     float | null, estimated seconds left (null before the first step)

The TypeScript side reads stdout line by line and JSON.parses each line.

    python -c "from distillery_compute.progress import emit; emit('hello', n=1)"
"""

import json
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

_lock = threading.Lock()


def _clean(value):
    """Make a value strict-JSON safe: non-finite floats -> None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def now_iso() -> str:
    """Current UTC time as e.g. 2025-01-31T12:00:00.123Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def emit(event: str, **fields) -> None:
    """Write one protocol line ({"event", "ts", **fields}) to stdout and flush."""
    if "ts" in fields:
        raise ValueError("'ts' is set by emit() and cannot be passed as a field")
    record = {"event": event, "ts": now_iso(), **_clean(fields)}
    line = json.dumps(record, allow_nan=False, default=str, separators=(",", ":"))
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


@dataclass
class Progress:
    """Step counter that emits progress lines with elapsed time and an ETA.

    p = Progress(total=100)
    for batch in batches:
        ...
        p.step(loss=loss.item())   # {"event":"progress","step":1,"total":100,...,"loss":2.3}

    min_interval_s throttles output (0 = every step); the last step always emits.
    """

    total: int
    event: str = "progress"
    min_interval_s: float = 0.0
    done: int = 0
    _t0: float = field(default_factory=time.monotonic, repr=False)
    _last: float = field(default=float("-inf"), repr=False)

    def step(self, n: int = 1, **fields) -> None:
        self.done += n
        now = time.monotonic()
        finished = self.done >= self.total
        if not finished and now - self._last < self.min_interval_s:
            return
        self._last = now
        elapsed = now - self._t0
        eta = elapsed / self.done * max(self.total - self.done, 0) if self.done > 0 else None
        emit(self.event, step=self.done, total=self.total,
             elapsed_s=round(elapsed, 3), eta_s=None if eta is None else round(eta, 3), **fields)
