"""`audit.runs`: every run that wrote the warehouse, how it ended, and what it did.

A run is recorded as it starts, so one killed mid-way is not forgotten: the next run,
holding the writer lock, knows no other is alive and marks the leftover as died.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import duckdb

from warehouse.db.results import LoadResult


def close_dead_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Runs left `running` by a process that no longer holds the writer lock died: called
    by whoever holds it, also when it finds nothing to do (a run killed after its last
    file loaded leaves nothing pending)."""
    con.execute(
        "UPDATE audit.runs SET status = 'died', finished_at = ?, "
        "message = 'the process ended without finishing (killed or crashed)' "
        "WHERE status = 'running'",
        [dt.datetime.now()],
    )


def start_run(con: duckdb.DuckDBPyConnection, scope: str, dagster_run_id: str | None = None) -> str:
    close_dead_runs(con)
    run_id = uuid.uuid4().hex[:12]
    con.execute(
        "INSERT INTO audit.runs (run_id, scope, dagster_run_id, started_at, status) "
        "VALUES (?, ?, ?, ?, 'running')",
        [run_id, scope, dagster_run_id, dt.datetime.now()],
    )
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    results: Sequence[LoadResult],
    error: BaseException | None = None,
) -> None:
    con.execute(
        "UPDATE audit.runs SET finished_at = ?, status = ?, files = ?, rows_loaded = ?, "
        "rows_quarantined = ?, files_rejected = ?, failed_checks = [], message = ? "
        "WHERE run_id = ?",
        [
            dt.datetime.now(),
            "failed" if error else "completed",
            len(results),
            sum(r.rows_loaded for r in results),
            sum(r.rows_quarantined for r in results),
            sum(r.status == "rejected" for r in results),
            f"{type(error).__name__}: {error}" if error else None,
            run_id,
        ],
    )


LOADS_OF_DAGSTER_RUN = (
    "SELECT f.file_id, f.department, f.source, f.file_name, f.status, f.rows_in, "
    "f.rows_loaded, f.rows_quarantined, f.reason, coalesce(f.notes, []) AS notes, "
    "f.fields_set_aside, f.loaded_at FROM audit.file_loads f "
    "JOIN audit.runs r ON f.run_id = r.run_id WHERE r.dagster_run_id = ? ORDER BY f.file_id"
)


def loads_of_dagster_run(con: duckdb.DuckDBPyConnection, dagster_run_id: str) -> list[LoadResult]:
    """Every file the runs of one Dagster run loaded, rejected or set aside."""
    cursor = con.execute(LOADS_OF_DAGSTER_RUN, [dagster_run_id])
    names = [d[0] for d in cursor.description]
    return [LoadResult(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
