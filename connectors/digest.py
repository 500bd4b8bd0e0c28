"""One pass over a dropped file for what several steps need: its content hash and its lines.

The hash names the file in the archive and finds duplicates; the line count tells the CSV
reader whether DuckDB's row order still gives each row its line. Reading a large file
once instead of twice saved a fifth of a second per million rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 1 << 22
NEWLINE = 0x0A


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size: int
    lines: int  # physical lines; a last line without a newline counts


def digest(path: Path) -> FileDigest:
    return _scan(path, hashlib.sha256())


def physical_lines(path: Path) -> int:
    """The line count alone, for a caller without a digest (no hashing)."""
    return _scan(path, None).lines


def _scan(path: Path, sha: hashlib._Hash | None) -> FileDigest:
    size = newlines = 0
    last = b"\n"
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if sha is not None:
                sha.update(chunk)
            size += len(chunk)
            # numpy counts a byte value 2.5 times as fast as bytes.count here.
            newlines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == NEWLINE))
            last = chunk[-1:]
    lines = newlines + (0 if last == b"\n" else 1)
    return FileDigest(sha.hexdigest() if sha is not None else "", size, lines)
