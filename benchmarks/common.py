"""Helpers for benchmarks: run a measurement in a child process and read its peak memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = str(Path(__file__).resolve().parent.parent)


def measure(code: str, *args: str, python: str = sys.executable) -> tuple[float, float, dict]:
    """Run `code` in a fresh Python (this one, or the interpreter of another venv, which
    imports this checkout's code); returns (wall seconds, peak RSS in MB, its JSON output)."""
    env = {**os.environ, "PYTHONPATH": REPO}
    started = time.perf_counter()
    child = subprocess.Popen(
        [python, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env
    )
    # Read to the end first: a child that prints more than a pipe holds (DuckDB's progress
    # bars on a long run) would otherwise block on its write while this waits for it.
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"benchmark child failed with status {status}: {out}")
    # The child's result is its last JSON line; DuckDB may draw a progress bar before it,
    # on the same line, or after it.
    lines = [
        line[line.index("{") :] for line in out.replace("\r", "\n").splitlines() if "{" in line
    ]
    return seconds, usage.ru_maxrss / 1024, json.loads(lines[-1] if lines else "{}")


def median_ms(action, repeats: int) -> float:
    """The median wall time of `repeats` calls of `action`, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
