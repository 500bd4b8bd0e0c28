"""Helpers for benchmarks: run a measurement in a child process and read its peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def measure(code: str, *args: str) -> tuple[float, float, dict]:
    """Run `code` in a fresh Python; returns (wall seconds, peak RSS in MB, its JSON output)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    out = child.stdout.read() if child.stdout else ""
    if status != 0:
        raise RuntimeError(f"benchmark child failed with status {status}: {out}")
    # The child's result is its last JSON line; DuckDB may draw a progress bar before it,
    # on the same line, or after it.
    lines = [
        line[line.index("{") :] for line in out.replace("\r", "\n").splitlines() if "{" in line
    ]
    return seconds, usage.ru_maxrss / 1024, json.loads(lines[-1] if lines else "{}")
