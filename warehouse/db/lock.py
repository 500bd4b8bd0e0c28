"""The single-writer lock: one process writes the warehouse at a time.

A kernel file lock (flock) rather than a lock row or a pool slot: the kernel releases it
when its process dies, even by SIGKILL, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

POLL_SECONDS = 0.2


class WriterBusy(Exception):
    """Another process holds the warehouse and did not let go within `waited` seconds."""

    def __init__(self, message: str, waited: float = 0.0) -> None:
        super().__init__(message)
        self.waited = waited


class WriterLock:
    def __init__(
        self,
        path: Path,
        timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        holding: str = "holding the warehouse",
    ) -> None:
        self.path = path
        self.holding = holding
        self.timeout = timeout
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if self.timeout is not None and time.monotonic() - started > self.timeout:
                    os.close(fd)
                    raise WriterBusy(
                        f"another run holds {self.path}; try again later", self.timeout
                    ) from None
                if self.on_wait and not told:
                    self.on_wait(f"waiting for the run {self.holding} ({holder(fd)})")
                    told = True
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def holder(fd: int) -> str:
    try:
        return os.pread(fd, 64, 0).decode().strip() or "unknown process"
    except OSError:
        return "unknown process"
