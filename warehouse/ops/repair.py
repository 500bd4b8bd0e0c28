"""Repairs a data engineer makes to loaded files: retract one, or reprocess it from the archive.

Both run under the writer lock in one transaction each, and leave a line in
`audit.file_actions`; the archive always keeps the file.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.home import Home
from schemas.contracts import ExportMode
from warehouse.db import (
    LoadResult,
    WriterLock,
    open_warehouse,
    qualified,
    transaction,
    withdraw_rows,
    write_snapshot,
)
from warehouse.ingest import contract_for, drop_work_tables, load_file


class OperationError(ValueError):
    """The operation cannot be done; the message says why in plain words."""


@dataclass(frozen=True)
class LoadedFile:
    file_id: str
    department: str
    source: str
    file_name: str
    archived_as: str | None
    loaded_at: dt.datetime


def _loaded(con: duckdb.DuckDBPyConnection, file_id: str) -> LoadedFile:
    rows = con.execute(
        "SELECT file_id, department, source, file_name, archived_as, loaded_at, status, "
        "retracted_at FROM audit.file_loads WHERE file_id = ?",
        [file_id],
    ).fetchall()
    if not rows:
        raise OperationError(f"no file {file_id} in audit.file_loads")
    *fields, status, retracted = rows[0]
    if status not in ("loaded", "partial"):
        raise OperationError(f"{file_id} was {status}: only loaded files have rows to take back")
    if retracted is not None:
        raise OperationError(f"{file_id} was already retracted on {retracted:%Y-%m-%d %H:%M}")
    return LoadedFile(*fields)


def _take_back(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    loaded: LoadedFile,
    now: dt.datetime,
    replaced: bool = False,
) -> None:
    """Remove a file's rows, reopen the versions it had closed, drop its set-aside rows.

    `replaced`: a new load of the same export has just superseded it; for a snapshot that
    load already says which records are current, so nothing the old one closed reopens
    (a record both exports lack stays gone)."""
    contract = home.contracts()[loaded.source]
    reopen = not (replaced and contract.mode is ExportMode.SNAPSHOT)
    withdraw_rows(con, qualified(contract.staging_table), loaded.file_id, loaded.loaded_at, reopen)
    con.execute("DELETE FROM quarantine.rows WHERE file_id = ?", [loaded.file_id])
    con.execute("DELETE FROM quarantine.fields WHERE file_id = ?", [loaded.file_id])
    con.execute(
        "UPDATE audit.file_loads SET retracted_at = ? WHERE file_id = ?", [now, loaded.file_id]
    )


def retract(home: Home, file_id: str, reason: str) -> LoadedFile:
    """Take a file's rows out of the warehouse; the archive and the audit keep it."""
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        loaded = _loaded(con, file_id)
        now = dt.datetime.now()
        with transaction(con):
            _take_back(con, home, loaded, now)
            con.execute(
                "INSERT INTO audit.file_actions VALUES (?, 'retract', ?, ?, NULL)",
                [file_id, now, reason],
            )
        write_snapshot(con, home)
    return loaded


def reprocess(home: Home, file_id: str) -> LoadResult:
    """Load a file again from the archive with today's contracts, replacing its old rows.

    The new load commits first and supersedes the old rows; the old file is then taken
    back. A crash in between leaves both loads visible in the audit and no row lost. The
    new load meets the quality gate as any new load does.
    """
    return _reload(home, file_id, "reprocess")


def release(home: Home, file_id: str, reason: str) -> LoadResult:
    """Let a load the gate held back in, as it is: it is loaded again from the archive,
    marked released so the gate does not hold it a second time."""
    return _reload(home, file_id, "release", reason)


def quarantine_held(home: Home, file_id: str, reason: str) -> LoadResult:
    """Set every row of a held load aside, to be exported, fixed and dropped again."""
    return _reload(home, file_id, "quarantine", reason)


def _reload(home: Home, file_id: str, action: str, reason: str | None = None) -> LoadResult:
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        loaded = _loaded(con, file_id)
        if action != "reprocess":
            _check_held(con, loaded)
        archived = Path(loaded.archived_as or "")
        if not archived.is_file():
            raise OperationError(f"the archived copy of {file_id} is missing: {archived}")
        copy = home.reprocess_work(file_id) / loaded.file_name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archived, copy)
        mine = [c for c in home.contracts().values() if c.department == loaded.department]
        refuse = f"held back by the quality gate and set aside by an operator: {reason}"
        try:
            result = load_file(
                con,
                home,
                loaded.department,
                copy,
                contract_for(copy, mine),
                reload=True,
                refuse=refuse if action == "quarantine" else None,
            )
        finally:
            drop_work_tables(con)
            shutil.rmtree(copy.parent, ignore_errors=True)
        now = dt.datetime.now()
        with transaction(con):
            if action == "release":
                con.execute(
                    "UPDATE audit.file_loads SET gate = 'released' WHERE file_id = ?",
                    [result.file_id],
                )
            _take_back(con, home, loaded, now, replaced=result.rows_loaded > 0)
            con.execute(
                "INSERT INTO audit.file_actions VALUES (?, ?, ?, ?, ?)",
                [file_id, action, now, reason, result.file_id],
            )
        write_snapshot(con, home)
    return result


def _check_held(con: duckdb.DuckDBPyConnection, loaded: LoadedFile) -> None:
    """Only a held load can be released or quarantined, and only while no later load of its
    source stands (a release would put older rows over newer ones)."""
    gate = con.execute(
        "SELECT gate FROM audit.file_loads WHERE file_id = ?", [loaded.file_id]
    ).fetchall()[0][0]
    if gate != "held":
        raise OperationError(f"{loaded.file_id} is not held back by the quality gate")
    newer = con.execute(
        "SELECT file_id FROM audit.file_loads WHERE source = ? AND loaded_at > ? "
        "AND status IN ('loaded', 'partial') AND retracted_at IS NULL "
        "AND coalesce(gate, '') <> 'held' ORDER BY loaded_at LIMIT 1",
        [loaded.source, loaded.loaded_at],
    ).fetchall()
    if newer:
        raise OperationError(
            f"{newer[0][0]} of {loaded.source} was loaded after {loaded.file_id}, which is out "
            f"of date: retract {loaded.file_id} instead"
        )
