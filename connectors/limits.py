"""Per-file resource limits, so that no single dropped file can crash or hang a run.

A workbook is a zip: its directory declares how large each part unzips to, so a zip bomb
is refused before a byte is inflated. A file whose declared sizes lie, or that is simply
too much, still meets a memory budget (workbooks are parsed in a child process with a
bounded address space) and a time budget that grows with the file's size. The defaults
are data (`connectors/limits.yaml`); a site overrides any of them in `<home>/limits.yaml`.
"""

from __future__ import annotations

import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import UnreadableFile
from schemas.site_rules import load_site_rules

DEFAULTS = Path(__file__).with_name("limits.yaml")
MB = 1 << 20


class Limits(BaseModel):
    """How large, how compressed, how hungry and how slow one file may be."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_uncompressed_mb: float = Field(gt=0, description="A workbook's parts together.")
    max_ratio: float = Field(gt=1, description="Uncompressed : compressed size of a part.")
    ratio_min_member_mb: float = Field(ge=0, description="Parts smaller than this may be denser.")
    memory_mb: int = Field(ge=256, description="Address space of the workbook parser.")
    base_seconds: float = Field(ge=0, description="Time any file may take to read.")
    seconds_per_mb: float = Field(ge=0, description="Extra reading time per MB of file.")

    def seconds_for(self, size_bytes: int) -> float:
        """The time budget of a file of this size."""
        return self.base_seconds + self.seconds_per_mb * size_bytes / MB


class LimitsError(ValueError):
    """A limits file that cannot be used, with the file named in the message."""


def load_limits(site: Path | None = None) -> Limits:
    """The repository's defaults, with the keys of `site` (a `limits.yaml`) over them."""
    return load_site_rules(Limits, DEFAULTS, site, LimitsError, "limits")


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose zip directory declares more than the limits allow."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"the file is not a valid .xlsx workbook ({exc})") from exc
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_mb * MB:
        raise UnreadableFile(
            f"the workbook unzips to {total / MB:,.0f} MB, more than the "
            f"{limits.max_uncompressed_mb:,.0f} MB a file may (is it a zip bomb?): "
            "split it into smaller workbooks or save it as CSV"
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > limits.ratio_min_member_mb * MB and ratio > limits.max_ratio:
            raise UnreadableFile(
                f"part {m.filename!r} of the workbook unzips {ratio:,.0f} times larger than "
                f"it is stored (at most {limits.max_ratio:,.0f} allowed; is it a zip bomb?)"
            )


def too_slow(seconds: float) -> UnreadableFile:
    """The reason a file that took longer than its time budget is rejected."""
    shown = f"{seconds:,.0f}" if seconds >= 10 else f"{seconds:.1f}"
    return UnreadableFile(
        f"reading the file took longer than {shown} s, the budget for a file of its size: "
        "split it into smaller files or save a workbook as CSV"
    )


@contextmanager
def time_budget(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupts what DuckDB reads on `con` once `seconds` have passed, and refuses a read
    that took longer (a reader's Python part cannot be interrupted; it is refused when done).
    The timer costs nothing while it waits."""
    lock, done = threading.Lock(), threading.Event()

    def expire() -> None:
        with lock:
            if not done.is_set():
                con.interrupt()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    started = time.monotonic()
    timer.start()
    try:
        yield
    except duckdb.InterruptException:
        raise too_slow(seconds) from None
    finally:
        with lock:
            done.set()
        timer.cancel()
    if time.monotonic() - started > seconds:
        raise too_slow(seconds)
