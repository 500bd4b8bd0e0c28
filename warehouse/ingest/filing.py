"""Where a processed file goes (archive or rejected), and the receipt its clerk reads."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from collections import Counter
from pathlib import Path

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE, is_link, private_dir, write_private
from connectors.names import display_name, display_text
from warehouse.db import LoadResult

SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
NAME_BYTES = 120  # with a file ID and a suffix, well within a file system's 255 bytes


def safe_name(name: str, limit: int = NAME_BYTES) -> str:
    """A file name that cannot climb folders, hide (a leading dot) or carry control
    characters, at most `limit` bytes of UTF-8 (120 Chinese characters are 360)."""
    cleaned = SAFE.sub("_", name).strip("._") or "file"
    while len(cleaned.encode("utf-8")) > limit:
        cleaned = cleaned[:-1]
    return cleaned


def archive(home: Home, copy: Path, name: str, sha: str) -> Path:
    """Move a copy whose hash is `sha` (read-only, made by connectors.digest.copy_digest) to
    `archive/<sha[:2]>/<sha>/<name>`; the same content is kept once. A copy, never the
    dropped file itself: a writer still holding that file open could keep appending to it."""
    folder = private_dir(private_dir(home.archive / sha[:2]) / sha)
    target = folder / safe_name(name)
    if not target.exists():
        shutil.move(str(copy), target)
    return target


def reject(home: Home, path: Path, file_id: str, reason: str) -> Path:
    """Move whole into `rejected/` beside a `.reason.txt` a clerk can read.

    A link is never followed: a symbolic link, or a file with other hard links (its content
    is also somewhere else, perhaps outside the home), is removed from the ingest folder,
    which leaves its target as it was, and only a `.link-removed` marker is kept."""
    private_dir(home.rejected)
    target = home.rejected / f"{file_id}_{safe_name(path.name)}"
    if linked(path):
        path.unlink()
        target = target.with_name(target.name + ".link-removed")
        write_private(target, b"")
    elif path.exists():
        if target.exists() or is_link(target):  # a rebuild rejecting a file again
            target = target.with_name(f"{target.name}.{os.getpid()}")
        shutil.move(str(path), target)
        with contextlib.suppress(PermissionError):  # a clerk's own file keeps theirs
            target.chmod(OWNER_ONLY_FILE)
    write_private(target.with_name(target.name + ".reason.txt"), display_text(reason) + "\n")
    return target


def linked(path: Path) -> bool:
    """A symbolic link, or a regular file with more than one hard link."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISLNK(found.st_mode) or (stat.S_ISREG(found.st_mode) and found.st_nlink > 1)


STATUS_WORDS = {
    "loaded": "Loaded: every row was accepted.",
    "partial": "Loaded in part: some rows need fixing (see below).",
    "rejected": "Rejected: nothing was loaded.",
    "duplicate": "Already received: the same content was loaded before; nothing changed.",
    "deferred": "Not loaded yet: the file changed while it was being read. It stays in the "
    "folder, and the next run loads it once it has stopped changing.",
}


def write_receipt(home: Home, department: str, receipt: LoadResult) -> Path | None:
    """The clerk's receipt, owner-only (docs/file_modes.md). Every value from the file
    (its name, reasons quoting it) is shown escaped, one line each. None, and nothing
    written, while the department's folders are refused (a link: `Home.folder_refusal`)."""
    if home.folder_refusal(department):
        return None
    private_dir(home.receipts_dir(department))
    lines = [
        f"File: {display_name(receipt.file_name)}",
        f"Receipt number: {receipt.file_id}",
        STATUS_WORDS[receipt.status],
        f"Rows received: {receipt.rows_in}",
        f"Rows loaded: {receipt.rows_loaded}",
        f"Rows set aside for fixing: {receipt.rows_quarantined}",
    ]
    if receipt.reason:
        lines.append(f"Reason: {display_text(receipt.reason)}")
    if receipt.top_reasons:
        lines.append("Most common problems:")
        lines += [f"  {count} row(s): {display_text(text)}" for text, count in receipt.top_reasons]
        lines.append(
            f'Export them with: causeway quarantine --reason "…" --file {receipt.file_id} '
            "--export <folder>"
        )
    if receipt.fields_set_aside:
        lines.append(
            f"Values set aside (the row is loaded without them): {receipt.fields_set_aside}"
        )
        lines += [f"  {count} value(s): {display_text(text)}" for text, count in receipt.top_fields]
        lines.append(
            f'List them with: causeway quarantine --reason "…" --file {receipt.file_id} --fields'
        )
    lines += [f"Note: {display_text(n)}" for n in receipt.notes]
    return _write(receipt_path(home, department, receipt.file_name, receipt.file_id), lines)


def receipt_path(home: Home, department: str, file_name: str, file_id: str) -> Path:
    return home.receipts_dir(department) / f"{safe_name(file_name)}.{file_id}.txt"


def add_to_receipt(home: Home, department: str, file_name: str, file_id: str, text: str) -> None:
    """A later word on a load (the quality gate held it back), below what the receipt said."""
    if home.folder_refusal(department):
        return
    path = receipt_path(home, department, file_name, file_id)
    private_dir(path.parent)
    _write(path, [*_lines(path), display_text(text)])


def _lines(path: Path) -> list[str]:
    """A receipt's lines, never read through a link planted in its place."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # none yet, or a link
        return []
    with os.fdopen(fd, encoding="utf-8") as f:
        return f.read().splitlines() if stat.S_ISREG(os.fstat(fd).st_mode) else []


def _write(path: Path, lines: list[str]) -> Path:
    """An owner-only temporary file beside the receipt, renamed over it (never followed)."""
    return write_private(path, "\n".join(lines) + "\n")


# A reason without what it quotes, so alike reasons group and can be shown to anyone who
# may see counts: the quoted value first, then the row it repeats. Python's `re` and
# DuckDB's RE2 read these patterns alike (warehouse/serve/intake.py groups in SQL).
VALUE_FREE = ((r"'[^']*'", "a value"), (r"row \d+", "an earlier row"))


def value_free(reason: str) -> str:
    for pattern, words in VALUE_FREE:
        reason = re.sub(pattern, words, reason)
    return reason


def common_reasons(reasons: list[list[str]], top: int = 5) -> list[tuple[str, int]]:
    """The most frequent reasons, with the quoted value removed so alike reasons group."""
    counts: Counter[str] = Counter(value_free(reason) for row in reasons for reason in row)
    return counts.most_common(top)
