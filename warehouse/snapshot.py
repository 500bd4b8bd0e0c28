"""A small status snapshot the writer refreshes, so readers never need the writer's file.

DuckDB's file lock is exclusive across processes: while a run writes, no other process
can open the warehouse, not even read-only. `causeway status` reads this snapshot then.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import duckdb

from connectors.home import Home

SUMMARY_SQL = """
SELECT department,
       count(*) AS files,
       coalesce(sum(rows_loaded), 0) AS loaded,
       coalesce(sum(rows_quarantined), 0) AS quarantined,
       count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM audit.file_loads GROUP BY department ORDER BY department
"""
COLUMNS = ("department", "files", "loaded", "quarantined", "rejected")


def summary(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, row, strict=True)) for row in con.execute(SUMMARY_SQL).fetchall()]


LAST_FILE_SQL = (
    "SELECT file_id, department, file_name, status FROM audit.file_loads "
    "ORDER BY loaded_at DESC, file_id DESC LIMIT 1"
)


def write_snapshot(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    last = con.execute(LAST_FILE_SQL).fetchall()
    data = {
        "as_of": dt.datetime.now().isoformat(timespec="seconds"),
        "departments": summary(con),
        "last_file": dict(
            zip(("file_id", "department", "file_name", "status"), last[0], strict=True)
        )
        if last
        else None,
    }
    tmp = home.status_snapshot.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, home.status_snapshot)


def read_summary(home: Home) -> tuple[list[dict[str, Any]], str | None]:
    """The live summary, or the last snapshot and its time when a run holds the warehouse."""
    try:
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            return summary(con), None
    except duckdb.IOException:
        if not home.status_snapshot.is_file():
            return [], "unknown"
        data = json.loads(home.status_snapshot.read_text(encoding="utf-8"))
        return data["departments"], data["as_of"]


def progress(home: Home) -> tuple[int, dict[str, str] | None]:
    """Files recorded so far and the last one finished, from the snapshot the writer
    refreshes after each file (for progress displays)."""
    try:
        data = json.loads(home.status_snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    return sum(d["files"] for d in data["departments"]), data.get("last_file")
