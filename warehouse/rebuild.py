"""Rebuild: a new warehouse replayed from the archive, compared with the old before it replaces it.

Every file that is loaded and not retracted is loaded again, in its original order and
under its original file ID, with today's contracts; the audit history of everything else
(rejected and duplicate files, retractions, runs) is carried over. The new warehouse
replaces the old only when no file lost rows, unless forced; the old one is kept beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.home import Home
from warehouse.ddl import qualified
from warehouse.ingest import contract_for, open_warehouse
from warehouse.load import drop_work_tables, load_file
from warehouse.lock import WriterLock
from warehouse.snapshot import write_snapshot

REPLAY_SQL = (
    "SELECT file_id, department, file_name, archived_as, rows_in, rows_loaded, rows_quarantined "
    "FROM audit.file_loads WHERE status IN ('loaded', 'partial') AND retracted_at IS NULL "
    "ORDER BY loaded_at, file_id"
)
CARRIED = ("audit.file_actions", "audit.runs")


@dataclass
class RebuildReport:
    files: int = 0
    differences: list[str] = field(default_factory=list)
    replaced: bool = False
    kept_old_as: Path | None = None


def _current_counts(con: duckdb.DuckDBPyConnection, home: Home) -> dict[str, int]:
    counts = {}
    for contract in home.contracts().values():
        view = qualified(contract.staging_table + "_current")
        counts[contract.source] = con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]
    return counts


def rebuild(home: Home, force: bool = False) -> RebuildReport:
    report = RebuildReport()
    work = home.root / "work" / "rebuild"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    new_path = work / "warehouse.duckdb"
    try:
        with WriterLock(home.writer_lock):
            with duckdb.connect(str(home.warehouse), read_only=True) as old:
                replay = old.execute(REPLAY_SQL).fetchall()
                before = _current_counts(old, home)
            with open_warehouse(home, new_path) as new:
                for fid, department, name, archived, rows_in, loaded, held in replay:
                    report.files += 1
                    report.differences += _replay(
                        new, home, work, fid, department, name, archived, (rows_in, loaded, held)
                    )
                _carry_over(new, home.warehouse)
                after = _current_counts(new, home)
            report.differences += [
                f"{source}: {before[source]} current records before, {after.get(source, 0)} after"
                for source in before
                if before[source] != after.get(source, 0)
            ]
            if report.differences and not force:
                return report
            stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
            report.kept_old_as = home.warehouse.with_name(f"warehouse.{stamp}.duckdb")
            os.replace(home.warehouse, report.kept_old_as)
            os.replace(new_path, home.warehouse)
            report.replaced = True
            with open_warehouse(home) as con:
                write_snapshot(con, home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _replay(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    work: Path,
    file_id: str,
    department: str,
    name: str,
    archived: str | None,
    counts: tuple[int, int, int],
) -> list[str]:
    source = Path(archived or "")
    if not source.is_file():
        return [f"{file_id} {name}: the archived copy is missing"]
    copy = work / file_id / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    mine = [c for c in home.contracts().values() if c.department == department]
    result = load_file(
        con,
        home,
        department,
        copy,
        contract_for(copy, mine),
        reload=True,
        file_id=file_id,
        receipt=False,
    )
    drop_work_tables(con)
    now = (result.rows_in, result.rows_loaded, result.rows_quarantined)
    if now != counts:
        return [f"{file_id} {name}: rows in/loaded/quarantined {counts} before, {now} after"]
    return []


def _carry_over(con: duckdb.DuckDBPyConnection, old_path: Path) -> None:
    """Audit history that replaying cannot recreate, and a file-ID sequence past every ID."""
    con.execute("ATTACH ? AS old (READ_ONLY)", [str(old_path)])
    try:
        con.execute(
            "INSERT INTO audit.file_loads SELECT * FROM old.audit.file_loads "
            "WHERE file_id NOT IN (SELECT file_id FROM audit.file_loads)"
        )
        con.execute(
            "INSERT INTO quarantine.rows BY NAME SELECT * FROM old.quarantine.rows "
            "WHERE file_id NOT IN (SELECT file_id FROM quarantine.rows) AND file_id IN "
            "(SELECT file_id FROM old.audit.file_loads WHERE status = 'rejected')"
        )
        for table in CARRIED:
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        last = con.execute(
            "SELECT coalesce(max(CAST(substr(file_id, 2) AS BIGINT)), 0) FROM audit.file_loads"
        ).fetchall()[0][0]
        con.execute(f"CREATE OR REPLACE SEQUENCE audit.file_id_seq START {int(last) + 1}")
    finally:
        con.execute("DETACH old")
