"""Excel reader: finds the header row under title rows and drops total and note rows below.

Government registers put a merged title above the header and a 合计 (total) row and
notes below the data. The header is the row among the first 30 that matches the most
known header names; trailing rows that are totals, notes or blank are skipped and
reported, never loaded as data.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from connectors.errors import UnreadableFile
from connectors.raw import RawTable, create_raw_table, insert_rows
from schemas.contracts import normalize_header

HEADER_SEARCH_ROWS = 30
TRAILER = re.compile(
    r"^\s*(合计|总计|小计|共计|注[:：]|备注|制表|填表|审核|说明|total)", re.IGNORECASE
)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _load_rows(path: Path) -> tuple[int, list[list[str | None]]]:
    if not zipfile.is_zipfile(path):
        raise UnreadableFile("the file is not a valid .xlsx workbook (it may be truncated)")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        first_row = sheet.start[0] if sheet.start else 0
        rows = [[_text(v) for v in row] for row in sheet.iter_rows()]
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise UnreadableFile(f"the workbook cannot be read: {exc}") from exc
    return first_row, rows


def _header_index(rows: list[list[str | None]], known: set[str]) -> int:
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for cell in row if cell and normalize_header(cell) in known)
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return best
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if cell) >= 2:
            return i
    raise UnreadableFile("no header row found in the first worksheet")


def _is_trailer(row: list[str | None], width: int) -> bool:
    filled = [c for c in row if c and c.strip()]
    if not filled:
        return True
    return bool(TRAILER.match(filled[0])) and len(filled) <= max(2, width // 3)


def read_excel_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, known_headers: set[str]
) -> RawTable:
    first_row, rows = _load_rows(path)
    if not rows:
        raise UnreadableFile("the first worksheet is empty")
    h = _header_index(rows, known_headers)
    header = rows[h]
    width = max((i + 1 for i, c in enumerate(header) if c), default=0)
    headers = [c or "" for c in header[:width]]
    raw = RawTable(table, headers)
    if h:
        raw.notes.append(f"skipped {h} title row(s) above the header")
    end = len(rows)
    while end > h + 1 and _is_trailer(rows[end - 1], width):
        end -= 1
    skipped = [r for r in rows[end:] if any(c and c.strip() for c in r)]
    for row in skipped:
        text = " ".join(c for c in row if c)
        raw.notes.append(f"skipped a total or note row below the data: {text[:80]}")
    create_raw_table(con, table, width)

    def data():
        for i in range(h + 1, end):
            cells = (rows[i] + [None] * width)[:width]
            if any(c is not None and c.strip() for c in cells):
                yield first_row + i + 1, None, cells

    insert_rows(con, table, width, data())
    return raw
