"""Quarantined rows for clerks: listed, or exported in their original columns to fix and resend;
and the values set aside from loaded rows, listed or exported beside them."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from connectors.home import Home
from connectors.modes import OWNER_ONLY_DIR, open_private
from warehouse.ingest.filing import safe_name

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SQL = (
    "SELECT file_id, source, row_number, reasons FROM quarantine.rows "
    "WHERE ? IS NULL OR file_id = ? ORDER BY file_id, row_number, item"
)
EXPORT_SQL = (
    "SELECT q.file_id, f.file_name, q.row_number, q.raw, q.reasons FROM quarantine.rows q "
    "JOIN audit.file_loads f USING (file_id) WHERE ? IS NULL OR q.file_id = ? "
    "ORDER BY q.file_id, q.row_number, q.item"
)
FIELDS_SQL = (
    "SELECT q.file_id, f.file_name, q.row_number, q.record_key, q.field, q.value, q.reason "
    "FROM quarantine.fields q JOIN audit.file_loads f USING (file_id) "
    "WHERE ? IS NULL OR q.file_id = ? ORDER BY q.file_id, q.row_number, q.item, q.field"
)
COUNT_SQL = (
    "SELECT (SELECT count(*) FROM quarantine.rows WHERE ? IS NULL OR file_id = ?), "
    "(SELECT count(*) FROM quarantine.fields WHERE ? IS NULL OR file_id = ?)"
)
# Counts by department, file and reason: what a clerk fixes first. A quarantined row with
# several reasons counts once under each.
ROWS_SUMMARY_SQL = (
    "SELECT f.department, q.file_id, f.file_name, r.reason, count(*) AS n "
    "FROM quarantine.rows q JOIN audit.file_loads f USING (file_id), "
    "unnest(q.reasons) AS r(reason) WHERE ? IS NULL OR q.file_id = ? "
    "GROUP BY ALL ORDER BY f.department, q.file_id, n DESC, r.reason"
)
FIELDS_SUMMARY_SQL = (
    "SELECT f.department, q.file_id, f.file_name, q.reason, count(*) AS n "
    "FROM quarantine.fields q JOIN audit.file_loads f USING (file_id) "
    "WHERE ? IS NULL OR q.file_id = ? "
    "GROUP BY ALL ORDER BY f.department, q.file_id, n DESC, q.reason"
)
KNOWN_FILE_SQL = "SELECT count(*) FROM audit.file_loads WHERE file_id = ?"
FILES_SET_ASIDE_SQL = (
    "SELECT DISTINCT file_id FROM (SELECT file_id FROM quarantine.rows "
    "UNION ALL SELECT file_id FROM quarantine.fields) ORDER BY file_id"
)
FIELD_COLUMNS = ("file_id", "file_name", "original_row", "record_id", "field", "value", "reason")


@contextmanager
def _connect(
    home: Home, con: duckdb.DuckDBPyConnection | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`con` if given (the session that logs the access), else the warehouse read-only."""
    if con is not None:
        yield con
        return
    with duckdb.connect(str(home.warehouse), read_only=True) as own:
        yield own


def quarantine_rows(
    home: Home,
    file_id: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    limit: int | None = None,
) -> list[tuple]:
    """(file, source, row, reasons) of every quarantined row (the first `limit`)."""
    with _connect(home, con) as reading:
        return reading.execute(f"{LIST_SQL} LIMIT ?", [file_id, file_id, limit]).fetchall()


def set_aside_fields(
    home: Home,
    file_id: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    limit: int | None = None,
) -> list[tuple]:
    """(file, file name, row, record, field, value, reason) of every value set aside (the
    first `limit`)."""
    with _connect(home, con) as reading:
        return reading.execute(f"{FIELDS_SQL} LIMIT ?", [file_id, file_id, limit]).fetchall()


def set_aside_summary(
    con: duckdb.DuckDBPyConnection, file_id: str | None = None, fields: bool = False
) -> list[tuple]:
    """(department, file, file name, reason, count) of the quarantined rows (or the values
    set aside), the largest first within each file."""
    sql = FIELDS_SUMMARY_SQL if fields else ROWS_SUMMARY_SQL
    return con.execute(sql, [file_id, file_id]).fetchall()


def file_known(con: duckdb.DuckDBPyConnection, file_id: str) -> bool:
    return con.execute(KNOWN_FILE_SQL, [file_id]).fetchall()[0][0] > 0


def files_set_aside(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The file IDs with quarantined rows or set-aside values."""
    return [f for (f,) in con.execute(FILES_SET_ASIDE_SQL).fetchall()]


def count_set_aside(con: duckdb.DuckDBPyConnection, file_id: str | None = None) -> tuple[int, int]:
    """How many rows are quarantined and values set aside (of one file, or all)."""
    return con.execute(COUNT_SQL, [file_id, file_id, file_id, file_id]).fetchall()[0]


def spreadsheet_safe(value: object) -> str:
    """A cell Excel will show as text, never run as a formula (CWE-1236)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_quarantine(
    home: Home,
    folder: Path,
    file_id: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Iterator[tuple[Path, int]]:
    """One CSV per file: the original columns, the row number, and a reasons column; each
    owner-only (ID numbers and phones), in a folder created owner-only if missing."""
    folder.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    with _connect(home, con) as reading:
        rows = reading.execute(EXPORT_SQL, [file_id, file_id]).fetchall()
    by_file: dict[tuple[str, str], list[tuple]] = {}
    for fid, name, row, raw, reasons in rows:
        by_file.setdefault((fid, name), []).append((row, json.loads(raw), reasons))
    for (fid, name), items in by_file.items():
        columns: dict[str, None] = {}
        for _, raw, _ in items:
            columns.update(dict.fromkeys(raw))
        path = folder / f"{fid}_{safe_name(Path(name).stem)}_quarantine.csv"
        with open_private(path, encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([*columns, "original_row", "reasons"])
            for row, raw, reasons in items:
                cells = [spreadsheet_safe(raw.get(c)) for c in columns]
                writer.writerow([*cells, row, "; ".join(reasons)])
        yield path, len(items)


def export_fields(
    home: Home,
    folder: Path,
    file_id: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Path | None:
    """One CSV of the values set aside from loaded rows, or None when there are none."""
    rows = set_aside_fields(home, file_id, con)
    if not rows:
        return None
    folder.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    path = folder / f"{safe_name(file_id or 'all')}_set_aside_values.csv"
    with open_private(path, encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(FIELD_COLUMNS)
        writer.writerows([spreadsheet_safe(c) for c in row] for row in rows)
    return path
