"""Reads the next batch while the warehouse loads the current one.

A database extract alternates two kinds of work: reading a batch (Python and the
network, mostly one core) and loading it (DuckDB, which releases the interpreter and
uses every core). Reading one batch ahead in a thread overlaps them. What the reader
raises comes out where it happened, after the batches read before it, so an extract
still commits exactly the batches before a failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
POLL = 0.1  # seconds between checks that the consumer still wants items
JOIN_WAIT = 60.0  # the reader may be mid-batch when the consumer stops; then it is left


class _End:
    pass


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """What `items` yields, in order, read up to `depth` items ahead in a thread."""
    queue: Queue[tuple[T | _End | None, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[T | _End | None, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=POLL)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_End(), None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's cleanup (its connection) runs in its own thread

    reader = threading.Thread(target=produce, name="prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if isinstance(item, _End):
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        deadline = time.monotonic() + JOIN_WAIT
        while reader.is_alive() and time.monotonic() < deadline:
            with suppress(Empty):
                queue.get_nowait()  # frees a reader waiting to hand over an item
            reader.join(timeout=POLL)
