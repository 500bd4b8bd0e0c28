"""Where a processed file goes (archive or rejected), and the receipt its clerk reads."""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

from connectors.home import Home
from warehouse.db import LoadResult

SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(name: str, limit: int = 120) -> str:
    """A file name that cannot climb folders or carry control characters."""
    cleaned = SAFE.sub("_", name).strip("._") or "file"
    return cleaned[:limit]


def archive(home: Home, copy: Path, name: str, sha: str) -> Path:
    """Move a copy whose hash is `sha` (read-only, made by connectors.digest.copy_digest) to
    `archive/<sha[:2]>/<sha>/<name>`; the same content is kept once. A copy, never the
    dropped file itself: a writer still holding that file open could keep appending to it."""
    folder = home.archive / sha[:2] / sha
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / safe_name(name)
    if not target.exists():
        shutil.move(str(copy), target)
    return target


def reject(home: Home, path: Path, file_id: str, reason: str) -> Path:
    """Move whole into `rejected/` beside a `.reason.txt` a clerk can read."""
    home.rejected.mkdir(parents=True, exist_ok=True)
    target = home.rejected / f"{file_id}_{safe_name(path.name)}"
    if path.is_symlink():
        path.unlink()
        target = target.with_name(target.name + ".link-removed")
        target.write_text("", encoding="utf-8")
    elif path.exists():
        shutil.move(str(path), target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target


STATUS_WORDS = {
    "loaded": "Loaded: every row was accepted.",
    "partial": "Loaded in part: some rows need fixing (see below).",
    "rejected": "Rejected: nothing was loaded.",
    "duplicate": "Already received: the same content was loaded before; nothing changed.",
    "deferred": "Not loaded yet: the file changed while it was being read. It stays in the "
    "folder, and the next run loads it once it has stopped changing.",
}


def write_receipt(home: Home, department: str, receipt: LoadResult) -> Path:
    folder = home.receipts_dir(department)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"File: {receipt.file_name}",
        f"Receipt number: {receipt.file_id}",
        STATUS_WORDS[receipt.status],
        f"Rows received: {receipt.rows_in}",
        f"Rows loaded: {receipt.rows_loaded}",
        f"Rows set aside for fixing: {receipt.rows_quarantined}",
    ]
    if receipt.reason:
        lines.append(f"Reason: {receipt.reason}")
    if receipt.top_reasons:
        lines.append("Most common problems:")
        lines += [f"  {count} row(s): {text}" for text, count in receipt.top_reasons]
        lines.append(
            f'Export them with: causeway quarantine --reason "…" --file {receipt.file_id} '
            "--export <folder>"
        )
    if receipt.fields_set_aside:
        lines.append(
            f"Values set aside (the row is loaded without them): {receipt.fields_set_aside}"
        )
        lines += [f"  {count} value(s): {text}" for text, count in receipt.top_fields]
        lines.append(
            f'List them with: causeway quarantine --reason "…" --file {receipt.file_id} --fields'
        )
    lines += [f"Note: {n}" for n in receipt.notes]
    return _write(receipt_path(home, department, receipt.file_name, receipt.file_id), lines)


def receipt_path(home: Home, department: str, file_name: str, file_id: str) -> Path:
    return home.receipts_dir(department) / f"{safe_name(file_name)}.{file_id}.txt"


def add_to_receipt(home: Home, department: str, file_name: str, file_id: str, text: str) -> None:
    """A later word on a load (the quality gate held it back), below what the receipt said."""
    path = receipt_path(home, department, file_name, file_id)
    before = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, [*before, text])


def _write(path: Path, lines: list[str]) -> Path:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def common_reasons(reasons: list[list[str]], top: int = 5) -> list[tuple[str, int]]:
    """The most frequent reasons, with the quoted value removed so alike reasons group."""
    counts: Counter[str] = Counter()
    for row in reasons:
        for reason in row:
            counts[re.sub(r"row \d+", "an earlier row", re.sub(r"'[^']*'", "a value", reason))] += 1
    return counts.most_common(top)
