"""Chooses the reader for a dropped file from its content, not only its name."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import duckdb

from connectors.csv_file import read_csv_file
from connectors.errors import UnreadableFile
from connectors.excel_file import read_excel_file
from connectors.json_file import read_json_file
from connectors.limits import Limits, load_limits, time_budget
from connectors.raw import RawTable

NOT_REGULAR = "only regular files are accepted (not links or folders)"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def plain_file_refusal(path: Path) -> str | None:
    """Why a dropped file is not read, or None for one regular file with a single name.

    A symbolic link would have the pipeline read (and archive, and quarantine) whatever it
    points at; a hard link is the same content under another name, maybe a file outside the
    home that the clerk could not read. Neither is followed (`os.lstat`)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return "the file was gone before it could be read"
    if stat.S_ISLNK(found.st_mode):
        return f"{NOT_REGULAR}: this is a symbolic link; it was removed, its target not read"
    if not stat.S_ISREG(found.st_mode):
        return NOT_REGULAR
    if found.st_nlink > 1:
        return (
            f"{NOT_REGULAR}: this file has {found.st_nlink} hard links (other names elsewhere), "
            "so it was not read; this name was removed: drop a copy of the file instead"
        )
    return None


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    work: Path,
    table: str,
    known_headers: Mapping[str, str],
    explode: set[str],
    lines: Callable[[], int] | None = None,
    *,
    needed: int = 1,
    sheets: Collection[str] | None = None,
    limits: Limits | None = None,
) -> RawTable:
    """Rows of any supported file into temp table `table`; UnreadableFile says why not.

    `known_headers` maps normalized header aliases to their fields, for a workbook's
    readers to find each sheet's header (one matching at least `needed` of them) in the
    `sheets` named, or all; `lines` gives the file's physical line count, when the caller
    counts it anyway. The file is read within the memory and time budget of `limits`."""
    refused = plain_file_refusal(path)
    if refused is not None:
        raise UnreadableFile(refused)
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if not head:
        raise UnreadableFile("the file is empty")
    if head.startswith(OLE_MAGIC):
        raise UnreadableFile("old binary Excel (.xls) is not supported: save it as .xlsx")
    limits = limits or load_limits()
    if head.startswith(ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        if suffix not in (".xlsx", ".xlsm"):
            raise UnreadableFile("a zip archive is not a department export: unpack it first")
        return read_excel_file(con, path, work, table, known_headers, needed, sheets, limits)
    with time_budget(con, limits.seconds_for(path.stat().st_size)):
        if suffix in (".json", ".jsonl", ".ndjson"):
            return read_json_file(con, path, table, explode)
        if suffix in (".csv", ".txt", ".tsv", ""):
            return read_csv_file(con, path, work, table, lines)
    raise UnreadableFile(f"files of type '{suffix}' are not read: use CSV, .xlsx or JSON")
