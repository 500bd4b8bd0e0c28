"""One pass over a dropped file for what several steps need: its content hash and its lines.

The hash names the file in the archive and finds duplicates; the line count tells the CSV
reader whether DuckDB's row order still gives each row its line. A dropped file is copied
in the same pass: each chunk is hashed and counted as it is written to the copy, so the
archive holds exactly the bytes hashed. Reading a large file once instead of twice saved a
fifth of a second per million rows; copying in that pass instead of copying first and
digesting the copy saved another 0.3 s on a 167 MB register (7 % of its load).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

CHUNK = 1 << 22
READ_ONLY = 0o400
NEWLINE = 0x0A


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size: int
    lines: int  # physical lines; a last line without a newline counts


def digest(path: Path) -> FileDigest:
    return _scan(path, hashlib.sha256())


def copy_digest(source: Path, copy: Path) -> FileDigest:
    """Copy the file and digest what is written: the hash is that of the bytes the archive
    keeps, which no writer of the original can change. The copy is read-only from birth
    (owner-only whatever the umask), and `source` is never read through a link (ELOOP)."""
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, READ_ONLY)
    with os.fdopen(fd, "wb") as out:
        found = _scan(source, hashlib.sha256(), out, follow=False)
    return found


def physical_lines(path: Path) -> int:
    """The line count alone, for a caller without a digest (no hashing)."""
    return _scan(path, None).lines


def _scan(
    path: Path, sha: hashlib._Hash | None, out: BinaryIO | None = None, follow: bool = True
) -> FileDigest:
    size = newlines = 0
    last = b"\n"
    flags = os.O_RDONLY | (0 if follow else os.O_NOFOLLOW)
    with os.fdopen(os.open(path, flags), "rb") as f:
        while chunk := f.read(CHUNK):
            if out is not None:
                out.write(chunk)
            if sha is not None:
                sha.update(chunk)
            size += len(chunk)
            # numpy counts a byte value 2.5 times as fast as bytes.count here.
            newlines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == NEWLINE))
            last = chunk[-1:]
    lines = newlines + (0 if last == b"\n" else 1)
    return FileDigest(sha.hexdigest() if sha is not None else "", size, lines)
