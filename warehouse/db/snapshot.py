"""A small status snapshot the writer refreshes, so readers never need the writer's file.

DuckDB's file lock is exclusive across processes: while a run writes, no other process
can open the warehouse, not even read-only. `causeway status` reads this snapshot then.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from connectors.home import Home
from connectors.modes import write_private
from connectors.names import display_name
from warehouse.db.ddl import qualified

# Files are counted from the current views: a file whose rows were all retracted, or all
# replaced by later files (a snapshot source's next export), is set apart, not counted.
FILES_SQL = """
WITH current_rows AS ({current}),
actions AS (
    SELECT file_id, arg_max(action, acted_at) AS action, arg_max(reason, acted_at) AS why,
           arg_max(new_file_id, acted_at) AS new_file_id
    FROM audit.file_actions GROUP BY file_id
)
SELECT f.file_id, f.department, f.file_name, f.status, f.rows_loaded, f.rows_quarantined,
       coalesce(c.current, 0) AS current, f.retracted_at, a.action, a.why, a.new_file_id,
       f.gate,
       f.status IN ('loaded', 'partial')
           AND (f.retracted_at IS NOT NULL OR coalesce(c.current, 0) = 0) AS set_apart
FROM audit.file_loads f LEFT JOIN current_rows c USING (file_id) LEFT JOIN actions a USING (file_id)
"""
SUMMARY_SQL = """
SELECT department,
       count(*) FILTER (WHERE status IN ('loaded', 'partial') AND NOT set_apart) AS files,
       sum(current) AS loaded,
       coalesce(sum(rows_quarantined) FILTER (WHERE NOT set_apart), 0) AS quarantined,
       count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM files GROUP BY department ORDER BY department
"""
SET_APART_SQL = """
SELECT file_id, department, file_name, rows_loaded, retracted_at, action, why, new_file_id,
       gate
FROM files WHERE set_apart ORDER BY file_id
"""
COLUMNS = ("department", "files", "loaded", "quarantined", "rejected")
NO_CURRENT_ROWS = "SELECT NULL::VARCHAR AS file_id, 0::BIGINT AS current WHERE false"


def _current_rows(con: duckdb.DuckDBPyConnection, home: Home) -> str:
    """Current rows per file across every source's `_current` view that exists."""
    views = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    parts = [
        f"SELECT _file_id AS file_id, count(*) AS current FROM {qualified(view)} GROUP BY 1"
        for view in sorted(c.staging_table + "_current" for c in home.contracts().values())
        if view in views
    ]
    return " UNION ALL ".join(parts) or NO_CURRENT_ROWS


def _happened(
    retracted_at: dt.datetime | None,
    action: str | None,
    why: str | None,
    new_file_id: str | None,
    gate: str | None,
) -> str:
    if action == "reprocess":
        return f"superseded: reprocessed as {new_file_id} on {retracted_at:%Y-%m-%d %H:%M}"
    if action == "release":
        return f"released by an operator as {new_file_id}: {why}"
    if action == "quarantine":
        return f"set aside by an operator as {new_file_id}: {why}"
    if gate == "held" and retracted_at is None:
        return f"held back by the quality gate ({why}): causeway gate release|quarantine"
    if retracted_at is not None:
        return f"retracted on {retracted_at:%Y-%m-%d %H:%M}" + (f": {why}" if why else "")
    return "superseded: later files replaced every one of its rows"


def summary(con: duckdb.DuckDBPyConnection, home: Home) -> dict[str, list[dict[str, Any]]]:
    """Per department, the live files and the rows now current; and, apart, the files
    whose rows were retracted or superseded."""
    files = f"WITH files AS ({FILES_SQL.format(current=_current_rows(con, home))}) "
    departments = con.execute(files + SUMMARY_SQL).fetchall()
    apart = con.execute(files + SET_APART_SQL).fetchall()
    return {
        "departments": [dict(zip(COLUMNS, row, strict=True)) for row in departments],
        "set_apart": [
            {
                "file_id": fid,
                "department": department,
                "file_name": display_name(name),  # a clerk's choice: shown escaped
                "rows_loaded": rows,
                "happened": _happened(*how),
            }
            for fid, department, name, rows, *how in apart
        ],
    }


LAST_FILE_SQL = (
    "SELECT file_id, department, file_name, status FROM audit.file_loads "
    "ORDER BY loaded_at DESC, file_id DESC LIMIT 1"
)


def write_snapshot(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    last = [
        (fid, dept, display_name(name), status)
        for fid, dept, name, status in con.execute(LAST_FILE_SQL).fetchall()
    ]
    recorded = con.execute("SELECT count(*) FROM audit.file_loads").fetchall()[0][0]
    data = {
        "as_of": dt.datetime.now().isoformat(timespec="seconds"),
        **summary(con, home),
        "files_recorded": recorded,
        "last_file": dict(
            zip(("file_id", "department", "file_name", "status"), last[0], strict=True)
        )
        if last
        else None,
    }
    # Owner-only, like the warehouse it summarizes (file names may be personal).
    write_private(home.status_snapshot, json.dumps(data, ensure_ascii=False, indent=1))


def read_summary(home: Home) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """The live summary, or the last snapshot and its time when a run holds the warehouse."""
    try:
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            return summary(con, home), None
    except duckdb.IOException:
        if not home.status_snapshot.is_file():
            return {"departments": [], "set_apart": []}, "unknown"
        data = json.loads(home.status_snapshot.read_text(encoding="utf-8"))
        return {key: data.get(key, []) for key in ("departments", "set_apart")}, data["as_of"]


def progress(home: Home) -> tuple[int, dict[str, str] | None]:
    """Files recorded so far and the last one finished, from the snapshot the writer
    refreshes after each file (for progress displays)."""
    try:
        data = json.loads(home.status_snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    return data.get("files_recorded", 0), data.get("last_file")
