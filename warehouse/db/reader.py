"""Read-only access to the restricted warehouse that waits briefly for a writer.

DuckDB's file lock is exclusive across processes: while a run writes, no other process
can open the file, even read-only. Readers retry for a short while, then say so plainly
instead of surfacing a lock error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from connectors.home import Home

WAIT_SECONDS = 10.0


class BusyWarehouse(RuntimeError):
    """The warehouse stayed locked by a run for longer than the reader would wait."""


@contextmanager
def read_only(home: Home, wait: float = WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    if not home.warehouse.exists():
        raise BusyWarehouse(f"No warehouse yet in {home.root}: run `causeway run` first.")
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(home.warehouse), read_only=True)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise BusyWarehouse(
                    f"The warehouse is busy with a run (waited {wait:.0f} s); "
                    "try again when it finishes."
                ) from exc
            time.sleep(0.25)
    try:
        yield con
    finally:
        con.close()
