"""Excel reader: every sheet, each with its header found under title rows and its total
and note rows below dropped.

Government registers put a merged title above the header and a 合计 (total) row and
notes below the data, and a workbook often splits one register over several sheets (one
per community or year). Every sheet is read unless the contract names which; a sheet's
header is the row among its first 30 that matches the most known header names, and its
columns are mapped by that header, so sheets may order or name columns differently.
A sheet whose header matches too few names (a notes or lookup sheet) is reported, never
loaded as data and never silently dropped. Trailing total, note and blank rows are
skipped and reported too.

The workbook is parsed in a child process (connectors.workbook_child) within the file's
memory and time budget (connectors.limits), after its zip directory has been checked.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc

from connectors.errors import UnreadableFile
from connectors.limits import Limits, check_zip, load_limits, too_slow
from connectors.raw import ROW, RawTable, create_raw_table
from connectors.workbook_child import CANNOT_READ, OUT_OF_MEMORY
from schemas.contracts import normalize_header

CHILD = Path(__file__).with_name("workbook_child.py")
OUT_OF_MEMORY_EXITS = (OUT_OF_MEMORY, -signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL)
HEADER_SEARCH_ROWS = 30
TAIL_CHUNK = 64
TRAILER = re.compile(
    r"^\s*(合计|总计|小计|共计|注[:：]|备注|制表|填表|审核|说明|total)", re.IGNORECASE
)
Rows = list[list[str | None]]


@dataclass(eq=False)
class _Sheet:
    """One sheet as the child wrote it, and where its header and data rows are."""

    name: str
    table: pa.Table
    header_at: int = 0
    score: int = 0
    end: int = 0
    headers: tuple[str, ...] = ()

    def rows(self, start: int, stop: int) -> Rows:
        part = self.table.slice(start, max(stop - start, 0)).drop_columns([ROW]).to_pydict()
        return [list(cells) for cells in zip(*part.values(), strict=True)]


def _parse(
    path: Path, work: Path, limits: Limits, sheets: Collection[str] | None
) -> tuple[list[str], list[_Sheet], list[str]]:
    """Every sheet's name, the sheets read, and notes on those that could not be."""
    check_zip(path, limits)
    out = work / "sheets"
    out.mkdir(parents=True, exist_ok=True)
    budget = limits.seconds_for(path.stat().st_size)
    wanted = json.dumps(sorted(sheets) if sheets else None)
    cpu = str(math.ceil(budget) + 1)
    command = [sys.executable, "-P", str(CHILD), str(path), str(out), str(limits.memory_mb), cpu]
    try:
        done = subprocess.run(
            [*command, wanted],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=budget,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise too_slow(budget) from None
    if done.returncode == -signal.SIGXCPU:
        raise too_slow(budget)
    if done.returncode != 0:
        raise UnreadableFile(_failure(done, limits))
    summary = json.loads(done.stdout)
    read, notes = [], []
    for sheet in summary["sheets"]:
        if sheet.get("error"):
            notes.append(f"sheet '{sheet['name']}' was not read: {sheet['error']}")
        elif sheet["file"] is None:
            notes.append(f"sheet '{sheet['name']}' is empty")
        else:
            table = pa.ipc.open_file(pa.memory_map(sheet["file"])).read_all()
            read.append(_Sheet(sheet["name"], table))
    return summary["names"], read, notes


def _failure(done: subprocess.CompletedProcess[str], limits: Limits) -> str:
    """Why the child stopped: the workbook is broken, or it needed too much memory (Python
    says so, Rust aborts, the kernel kills)."""
    why = (done.stderr.strip().splitlines() or ["no message"])[-1]
    if done.returncode == CANNOT_READ:
        return f"the workbook cannot be read: {why}"
    if done.returncode in OUT_OF_MEMORY_EXITS:
        return (
            f"reading the workbook needed more than the {limits.memory_mb:,} MB of memory a "
            "file may use: split it into smaller workbooks or save it as CSV"
        )
    return f"the workbook parser failed (exit {done.returncode}): {why}"


def _find_header(sheet: _Sheet, known: Collection[str]) -> None:
    for i, row in enumerate(sheet.rows(0, HEADER_SEARCH_ROWS)):
        score = sum(1 for cell in row if cell and normalize_header(cell) in known)
        if score > sheet.score:
            sheet.header_at, sheet.score = i, score
    _set_headers(sheet)


def _best_of(sheets: list[_Sheet]) -> _Sheet:
    """No sheet matches enough: the best one is read all the same (without a known header,
    from the first row with two cells), so that map_headers names the columns it misses."""
    best = max(sheets, key=lambda s: s.score)
    if best.score == 0:
        _fall_back_header(best)
    return best


def _fall_back_header(sheet: _Sheet) -> None:
    for i, row in enumerate(sheet.rows(0, HEADER_SEARCH_ROWS)):
        if sum(1 for cell in row if cell) >= 2:
            sheet.header_at = i
            _set_headers(sheet)
            return
    raise UnreadableFile(f"no header row found in sheet '{sheet.name}'")


def _set_headers(sheet: _Sheet) -> None:
    header = sheet.rows(sheet.header_at, sheet.header_at + 1)[0]
    width = max((i + 1 for i, c in enumerate(header) if c), default=0)
    sheet.headers = tuple(c or "" for c in header[:width])


def _is_trailer(row: list[str | None], width: int) -> bool:
    filled = [c for c in row[:width] if c and c.strip()]
    if not filled:
        return True
    return bool(TRAILER.match(filled[0])) and len(filled) <= max(2, width // 3)


def _find_end(sheet: _Sheet) -> list[str]:
    """Where the data ends, above trailing totals and notes; a note for each one skipped."""
    width, end, notes = len(sheet.headers), sheet.table.num_rows, []
    while end > sheet.header_at + 1:
        start = max(end - TAIL_CHUNK, sheet.header_at + 1)
        chunk = sheet.rows(start, end)
        while chunk and _is_trailer(chunk[-1], width):
            row = chunk.pop()
            text = " ".join(c for c in row if c)
            if text.strip():
                notes.append(f"skipped a total or note row below the data: {text[:80]}")
            end -= 1
        if chunk:
            break
    sheet.end = end
    return notes[::-1]


def _columns(sheets: list[_Sheet], fields: Mapping[str, str]) -> tuple[list[str], list[list[int]]]:
    """One header for all sheets and, per sheet, where each of its columns goes: headers
    naming the same field (or the same unknown header) share a column."""
    headers: list[str] = []
    slots: dict[str, list[int]] = {}
    placed = []
    for sheet in sheets:
        seen: dict[str, int] = {}
        positions = []
        for header in sheet.headers:
            key = fields.get(normalize_header(header), normalize_header(header))
            nth = seen[key] = seen.get(key, -1) + 1
            taken = slots.setdefault(key, [])
            if nth == len(taken):
                taken.append(len(headers))
                headers.append(header)
            positions.append(taken[nth])
        placed.append(positions)
    return headers, placed


def read_excel_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    work: Path,
    table: str,
    fields: Mapping[str, str],
    needed: int = 1,
    sheets: Collection[str] | None = None,
    limits: Limits | None = None,
) -> RawTable:
    """`fields`: normalized header alias → the field it names. A sheet is data when its
    header matches at least `needed` aliases; `sheets` names the only sheets to read."""
    names, read, notes = _parse(path, work, limits or load_limits(), sheets)
    missing = sorted(set(sheets or ()) - set(names))
    if missing:
        notes.append(f"sheets named by the contract but not in the workbook: {', '.join(missing)}")
    if not read:
        raise UnreadableFile("the workbook has no sheet with data" + _listing(names))
    for sheet in read:
        _find_header(sheet, fields)
    data = [s for s in read if s.score >= needed] or [_best_of(read)]
    notes += [_not_data(s, needed) for s in read if s not in data]
    for sheet in data:
        if sheet.header_at:
            notes.append(
                f"sheet '{sheet.name}': skipped {sheet.header_at} title row(s) above the header"
            )
        notes += [f"sheet '{sheet.name}': {n}" for n in _find_end(sheet)]
    headers, placed = _columns(data, fields)
    raw = RawTable(table, headers, notes=notes)
    create_raw_table(con, table, len(headers))
    first = 0
    for sheet, positions in zip(data, placed, strict=True):
        raw.sheets.append((sheet.name, first))
        first += _insert(con, raw, sheet, positions)
    return raw


def _listing(names: list[str]) -> str:
    return f" (its sheets: {', '.join(names)})" if names else ""


def _not_data(sheet: _Sheet, needed: int) -> str:
    rows = sheet.table.num_rows
    if sheet.score == 0:
        why = "its header matches none of the contract's columns"
    else:
        why = f"its header matches {sheet.score} of the contract's columns, fewer than {needed}"
    return f"sheet '{sheet.name}' ({rows} row(s)) was not read: {why}"


def _insert(
    con: duckdb.DuckDBPyConnection, raw: RawTable, sheet: _Sheet, positions: list[int]
) -> int:
    """The sheet's data rows into the raw table, each cell under its column; rows blank
    across the header are left out. Returns how many rows went in."""
    by_column = dict(zip(positions, range(len(positions)), strict=True))
    cells = [f"c{by_column[j]}" if j in by_column else "NULL" for j in range(len(raw.headers))]
    filled = " OR ".join(f"trim(c{i}) <> ''" for i in range(len(positions)))
    body = sheet.table.slice(sheet.header_at + 1, sheet.end - sheet.header_at - 1)
    con.register("_sheet_rows", body)
    try:
        return con.execute(
            f"INSERT INTO {raw.table} SELECT {ROW}, NULL, {', '.join(cells)} "
            f"FROM _sheet_rows WHERE {filled}"
        ).fetchall()[0][0]
    finally:
        con.unregister("_sheet_rows")
