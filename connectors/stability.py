"""When a dropped file is complete: its size and modification time stop changing.

A clerk's copy tool, a network share or a script may still be writing a file when
Causeway looks. The one rule, shared by the folder sensors (between two ticks) and by
`causeway run` (over a short wait): a file is stable when two looks an interval apart see
the same signature, and a load stands only if the file still has the signature it was
taken with once it has been read and copied.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

STABLE_ENV = "CAUSEWAY_STABLE_SECONDS"
DEFAULT_STABLE_SECONDS = 2.0

Signature = tuple[int, int]  # size in bytes, modification time in nanoseconds


def signature(path: Path) -> Signature | None:
    """The file's size and modification time, or None once it is gone."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


def unchanged(before: Mapping[str, Sequence[int]], now: Mapping[str, Sequence[int]]) -> set[str]:
    """The names seen with the same signature by both looks (a JSON cursor gives lists)."""
    return {name for name, sig in now.items() if tuple(before.get(name, ())) == tuple(sig)}


def stable_seconds() -> float:
    """The interval `causeway run` waits between its two looks (`CAUSEWAY_STABLE_SECONDS`)."""
    value = os.environ.get(STABLE_ENV, "")
    try:
        return max(0.0, float(value)) if value else DEFAULT_STABLE_SECONDS
    except ValueError:
        raise ValueError(f"{STABLE_ENV} must be a number of seconds, not {value!r}") from None


# Since when this process has seen each waiting file with its signature, so that the
# sources one `causeway run` loads in turn share a single wait.
_since: dict[str, tuple[Signature, float]] = {}


def settle(
    paths: Sequence[Path],
    seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[Path, Signature], list[Path]]:
    """The stable files with their signatures, and the ones still changing (or gone), to be
    left for the next run. A file looks the same now as `seconds` or more ago, when this
    process last saw it change or first saw it; else it is looked at again after `seconds`."""
    wait = stable_seconds() if seconds is None else seconds
    started = time.monotonic()
    now = {str(p): sig for p in paths if (sig := signature(p)) is not None}
    earlier = {n: sig for n, (sig, at) in _since.items() if started - at >= wait}
    settled = unchanged(earlier, now)
    if set(now) - settled:
        sleep(wait)
        later = {str(p): sig for p in paths if str(p) in now and (sig := signature(p))}
        settled |= unchanged(now, later)
    seen = {
        n: _since[n] if n in _since and _since[n][0] == sig else (sig, started)
        for n, sig in now.items()
    }
    _since.clear()
    _since.update(seen)
    stable = {p: now[str(p)] for p in paths if str(p) in settled}
    return stable, [p for p in paths if p not in stable]
