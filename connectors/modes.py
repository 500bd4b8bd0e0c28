"""Owner-only by construction: the umask every entry point sets, and writes that never follow
a link.

A security review found DuckDB's write-ahead log, spill files, exports and work copies
created 0644 in a 0755 home (a copy of the WAL taken mid-run held ID numbers and phones),
and receipts written through a symlink planted in the receipts folder. DuckDB creates its
files itself, with no mode we choose, so the process umask is the only lever on them:
`restrict_umask()` is called by every entry point (the CLI, the Dagster code location, the
headless run, the warehouse connection). Files we write ourselves get an explicit mode too,
so they stay owner-only whatever the umask. What is published on purpose (analytics.duckdb,
the home and ingest folders) is chmod'ed to its mode explicitly: docs/file_modes.md.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import IO, Any

OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600
SHARED_DIR = 0o755  # only the home itself and ingest/ (docs/file_modes.md says why)
PUBLIC_FILE = 0o644  # only analytics.duckdb
RESTRICTIVE_UMASK = 0o077
CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class LinkedFolder(OSError):
    """A folder that is a symbolic link: nothing is written into it."""


def restrict_umask() -> int:
    """Take group and other bits off everything this process (and DuckDB, and any child)
    creates from now on; a stricter umask already set stays. Returns the previous one."""
    previous = os.umask(RESTRICTIVE_UMASK)
    os.umask(previous | RESTRICTIVE_UMASK)
    return previous


def is_link(path: Path) -> bool:
    """True for a symbolic link, whatever it points at (or if it dangles)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def private_dir(path: Path) -> Path:
    """`path` as an owner-only folder, created if missing; LinkedFolder if it is a link.
    A folder that exists keeps its mode: an administrator may have widened it on purpose."""
    if is_link(path):
        raise LinkedFolder(f"{path} is a symbolic link: nothing is written into it")
    path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    return path


def create_new(path: Path, data: bytes, mode: int = OWNER_ONLY_FILE) -> Path:
    """Write a file that must not exist yet: never through a link, never over a file."""
    fd = os.open(path, CREATE_NEW, mode)
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            out.write(data)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Replace `path` atomically with an owner-only file holding `data`.

    The temporary file is created with O_EXCL|O_NOFOLLOW under a random name in the same
    folder, which must not be a link; `os.replace` then renames it over the name itself (a
    link planted there is replaced, never followed)."""
    folder = path.parent
    if is_link(folder):
        raise LinkedFolder(f"{folder} is a symbolic link: nothing is written into it")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = folder / f".{path.name[:60]}.{secrets.token_hex(6)}.tmp"
    try:
        create_new(tmp, payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def open_private(path: Path, **text: Any) -> IO[str]:
    """A new owner-only text file opened for writing (an export to a folder the operator
    chose): a file or link already under that name is replaced, never written through."""
    if is_link(path) or path.is_file():
        path.unlink()
    fd = os.open(path, CREATE_NEW, OWNER_ONLY_FILE)
    return os.fdopen(fd, "w", **text)
