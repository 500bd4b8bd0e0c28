"""Rebuild: a new warehouse replayed from the archive, compared with the old before it replaces it.

Every file that is loaded and not retracted is loaded again, in its original order and
under its original file ID, run and load time, with today's contracts. What a replay
cannot recreate is carried over by column name, table by table, so a table or column
added later comes along: every `audit` table (rejected and duplicate files, retractions,
runs, quality results, break-glass reads, operators' decisions), the `core` and `link`
tables (person IDs and their history, dwellings and buildings, link runs), the quarantine
of files not replayed. People are then relinked in full, seeded with the old IDs, as the
nightly relink is, so everyone keeps their person ID. The new warehouse replaces the old
only when no file lost rows, unless forced; the old one is kept beside it, and only the
latest `keep` of those copies are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.home import Home
from warehouse.db import (
    WriterLock,
    literal,
    open_warehouse,
    qualified,
    quote,
    transaction,
    withdraw_rows,
    write_snapshot,
)
from warehouse.ingest import AUDIT_COLUMNS, contract_for, drop_work_tables, load_file
from warehouse.linking import LinkError, LinkResult, link_people

REPLAY_SQL = (
    "SELECT file_id, department, file_name, archived_as, loaded_at, run_id, "
    "rows_in, rows_loaded, rows_quarantined FROM audit.file_loads "
    "WHERE status IN ('loaded', 'partial') AND retracted_at IS NULL ORDER BY loaded_at, file_id"
)
CARRIED_SCHEMAS = ("audit", "quarantine", "core", "link")
# Loads the quality gate holds back: replayed, then withdrawn from staging again.
HELD_SQL = "SELECT file_id FROM audit.file_loads WHERE gate = 'held'"
KEEP_OLD = 1  # old warehouses kept beside the new one (`causeway rebuild --keep N`)
KEPT_NAME = re.compile(r"warehouse\.\d{14,20}\.duckdb")


@dataclass
class RebuildReport:
    files: int = 0
    differences: list[str] = field(default_factory=list)
    replaced: bool = False
    kept_old_as: Path | None = None
    link: LinkResult | None = None  # the full relink, when the old warehouse was linked
    removed_old: list[Path] = field(default_factory=list)  # older kept copies deleted


def _current_counts(con: duckdb.DuckDBPyConnection, home: Home) -> dict[str, int]:
    counts = {}
    for contract in home.contracts().values():
        view = qualified(contract.staging_table + "_current")
        counts[contract.source] = con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]
    return counts


def rebuild(
    home: Home,
    force: bool = False,
    keep: int = KEEP_OLD,
    on_progress: Callable[[str], None] | None = None,
) -> RebuildReport:
    """Replay the archive into a new warehouse and relink; `on_progress` hears each file
    replayed ("file 3 of 12: …") and each phase of the relink as it ends."""
    tell = on_progress or (lambda _: None)
    if keep < 1:
        raise ValueError("keep at least the warehouse this rebuild replaces")
    report = RebuildReport()
    work = home.rebuild_work
    new_path = work / "warehouse.duckdb"
    try:
        with WriterLock(home.writer_lock):
            # Under the lock: a run holding it removes a killed rebuild's folder.
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            with duckdb.connect(str(home.warehouse), read_only=True) as old:
                replay = old.execute(REPLAY_SQL).fetchall()
                held = _held(old)
                before = _current_counts(old, home)
                linked = old.execute("SELECT count(*) FROM link.runs").fetchall()[0][0] > 0
            with open_warehouse(home, new_path) as new:
                for row in replay:
                    report.files += 1
                    report.differences += _replay(new, home, work, row[:6], row[6:], row[0] in held)
                    tell(f"file {report.files} of {len(replay)} replayed: {row[2]}")
                _carry_over(new, home.warehouse, [row[0] for row in replay])
                after = _current_counts(new, home)
                if linked:
                    report.link = _relink(new, home, report, tell)
            report.differences += [
                f"{source}: {before[source]} current records before, {after.get(source, 0)} after"
                for source in before
                if before[source] != after.get(source, 0)
            ]
            if report.differences and not force:
                _drop_model(report.link)
                return report
            _replace(home, new_path, report, keep)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _held(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Loads the quality gate holds back (none in a warehouse made before the gate)."""
    if "gate" not in _columns(con, "audit", "file_loads"):
        return set()
    return {file_id for (file_id,) in con.execute(HELD_SQL).fetchall()}


def _relink(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    report: RebuildReport,
    on_progress: Callable[[str], None],
) -> LinkResult | None:
    """A full relink of the rebuilt staging, seeded with the carried person IDs."""
    try:
        return link_people(con, home, "full", on_progress=on_progress)
    except LinkError as exc:
        report.differences.append(f"linking: {exc}")
        return None


def _drop_model(link: LinkResult | None) -> None:
    """The model a relink saved for a warehouse that is not kept."""
    if link is not None and link.model_file:
        Path(link.model_file).unlink(missing_ok=True)


def _replace(home: Home, new_path: Path, report: RebuildReport, keep: int) -> None:
    """The new warehouse in place of the old, which is kept with its write-ahead log (left
    by a writer that was killed; beside the new file it would make it unreadable); older
    kept copies beyond `keep` are deleted."""
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S%f")
    report.kept_old_as = home.warehouse.with_name(f"warehouse.{stamp}.duckdb")
    os.replace(home.warehouse, report.kept_old_as)
    if _wal(home.warehouse).exists():
        os.replace(_wal(home.warehouse), _wal(report.kept_old_as))
    os.replace(new_path, home.warehouse)
    report.replaced = True
    kept = sorted(p for p in home.root.iterdir() if KEPT_NAME.fullmatch(p.name))
    for path in kept[:-keep]:
        path.unlink()
        _wal(path).unlink(missing_ok=True)
        report.removed_old.append(path)
    with open_warehouse(home) as con:
        write_snapshot(con, home)


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _replay(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    work: Path,
    loaded: tuple[str, str, str, str | None, dt.datetime, str | None],
    counts: tuple[int, int, int],
    held: bool,
) -> list[str]:
    """One file loaded again as it was first loaded: (file ID, department, name, archived
    copy, load time, run); a load the gate held back is taken out of staging again."""
    file_id, department, name, archived, loaded_at, run_id = loaded
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
        run_id=run_id,
        loaded_at=loaded_at,
    )
    drop_work_tables(con)
    if held and result.source:
        with transaction(con):
            table = qualified(home.contracts()[result.source].staging_table)
            withdraw_rows(con, table, file_id, loaded_at)
    now = (result.rows_in, result.rows_loaded, result.rows_quarantined)
    if now != counts:
        return [f"{file_id} {name}: rows in/loaded/quarantined {counts} before, {now} after"]
    return []


OLD_TABLES = """
SELECT schema_name, table_name, sql FROM duckdb_tables()
WHERE database_name = 'old' AND schema_name IN (SELECT unnest($schemas))
ORDER BY schema_name, table_name
"""
COLUMNS = """
SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = coalesce($database, current_database())
  AND schema_name = $schema AND table_name = $table
ORDER BY column_index
"""


def _carry_over(con: duckdb.DuckDBPyConnection, old_path: Path, replayed: list[str]) -> None:
    """What replaying cannot recreate, and a file-ID sequence past every ID."""
    con.execute(f"ATTACH {literal(str(old_path))} AS old (READ_ONLY)")  # 1.5: no ? in ATTACH
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE rebuild_replayed (file_id VARCHAR PRIMARY KEY)")
        con.executemany("INSERT INTO rebuild_replayed VALUES (?)", [[f] for f in replayed])
        for schema, table, ddl in con.execute(OLD_TABLES, {"schemas": CARRIED_SCHEMAS}).fetchall():
            _carry_table(con, schema, table, ddl)
        _carry_load_columns(con)
        last = con.execute(
            "SELECT coalesce(max(CAST(substr(file_id, 2) AS BIGINT)), 0) FROM audit.file_loads"
        ).fetchall()[0][0]
        con.execute(f"CREATE OR REPLACE SEQUENCE audit.file_id_seq START {int(last) + 1}")
    finally:
        con.execute("DROP TABLE IF EXISTS rebuild_replayed")
        con.execute("DETACH old")


def _columns(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, database: str | None = None
) -> dict[str, str]:
    """Column name → type of a table of the new warehouse (or of `database`)."""
    params = {"database": database, "schema": schema, "table": table}
    return dict(con.execute(COLUMNS, params).fetchall())


def _carry_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, ddl: str) -> None:
    """One old table's rows, by column name, into the same table of the new warehouse
    (created as it was, or given the columns it lacks, when the new one has not the table
    or the column). In the tables loads write (quarantine, and any the replay wrote into),
    the rows of replayed files are the replay's."""
    columns = _columns(con, schema, table)
    if not columns:
        con.execute(ddl)
        columns = _columns(con, schema, table)
    name = f"{quote(schema)}.{quote(table)}"
    for column, kind in _columns(con, schema, table, "old").items():
        if column not in columns:
            con.execute(f"ALTER TABLE {name} ADD COLUMN {quote(column)} {kind}")
    keep = ""
    written = schema == "quarantine" or con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if "file_id" in columns and written:
        keep = " WHERE file_id NOT IN (SELECT file_id FROM rebuild_replayed)"
    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM old.{name}{keep}")


def _carry_load_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A replayed file's audit row keeps what was decided about the file after its load
    (every column a load does not write)."""
    later = [c for c in _columns(con, "audit", "file_loads") if c not in AUDIT_COLUMNS]
    assignments = ", ".join(f"{quote(c)} = o.{quote(c)}" for c in later)
    con.execute(
        f"UPDATE audit.file_loads AS n SET {assignments} FROM old.audit.file_loads AS o "
        "WHERE o.file_id = n.file_id AND n.file_id IN (SELECT file_id FROM rebuild_replayed)"
    )
