"""Per-source readers: a source's files are read apart from the warehouse, so that the
staging steps of different departments read in parallel processes.

DuckDB lets one process write a database file, and the warehouse is one file (DuckLake,
which takes several writers, has no extension build for DuckDB 2.0 yet: docs/scale.md).
Reading is most of a load, and needs no warehouse: each source reads its files into a
DuckDB database of its own, `<home>/readers/<source>/reader.duckdb`, held by that source's
lock. Only then does it take the writer lock, attach the warehouse to the same connection
(the rows it read stay where they are) and standardize, stage, quarantine and audit the
file in one transaction, as a shared read would. A file is its own audited run, because
the lock is let go between files.

`readers: shared` (warehouse/ingest/staging.yaml) keeps every read on the warehouse's own
connection, as before.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict

from connectors.home import Home
from connectors.modes import private_dir, restrict_umask
from connectors.stability import Signature
from schemas.contracts import SourceContract
from schemas.site_rules import load_site_rules
from warehouse.db import (
    MEMORY_LIMIT,
    LoadResult,
    WriterLock,
    attached_warehouse,
    finish_run,
    install_macros,
    remove_leftovers,
    start_run,
    write_snapshot,
)
from warehouse.ingest.filing import write_receipt
from warehouse.ingest.load import (
    DEFERRED,
    commit_reading,
    drop_work_tables,
    next_file_id,
    prepare_reading,
    read_dropped,
)

DEFAULTS = Path(__file__).with_name("staging.yaml")
READER_DB = "reader.duckdb"
SPILL = "spill"
Todo = tuple[str, Path, SourceContract | None]  # department, file, its contract


class Readers(StrEnum):
    SHARED = "shared"
    PER_SOURCE = "per_source"


class StagingSettings(BaseModel):
    """How the staging steps read (warehouse/ingest/staging.yaml says what each means)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    readers: Readers


class StagingSettingsError(ValueError):
    """A staging.yaml that cannot be used, with the file named in the message."""


def staging_settings(home: Home) -> StagingSettings:
    site = home.root / "staging.yaml"
    return load_site_rules(StagingSettings, DEFAULTS, site, StagingSettingsError, "staging")


def reads_per_source(home: Home) -> bool:
    return staging_settings(home).readers is Readers.PER_SOURCE


def load_apart(
    home: Home,
    source: str,
    todo_of: Callable[[Home, str], tuple[list[Todo], dict[Path, Signature]]],
    progress: Callable[[str, Path], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
) -> list[LoadResult]:
    """Load the files `todo_of` lists once `source`'s own lock is held (so a second run of
    the source finds only what the first left), in order, each committed under the
    writer's lock. The caller holds neither."""
    folder = home.reader_dir(source)
    results: list[LoadResult] = []
    with WriterLock(home.reader_lock(source), on_wait=on_wait, holding=f"reading {source}"):
        # Holding the source's lock proves no reader of it is alive: what is in its folder
        # was left by a killed one (copies of department files, a reader database).
        shutil.rmtree(folder, ignore_errors=True)
        todo, ready = todo_of(home, source)
        if not todo:
            return results
        private_dir(folder)
        restrict_umask()
        con = duckdb.connect(
            str(folder / READER_DB),
            config={
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": str(private_dir(folder / SPILL)),
            },
        )
        try:
            install_macros(con)  # the standardizing helpers run before the warehouse is attached
            for n, (department, path, contract) in enumerate(todo):
                if progress:
                    progress(department, path)
                result = _load_one(
                    con,
                    home,
                    source,
                    department,
                    path,
                    contract,
                    ready[path],
                    folder / f"file-{n}",
                    on_wait,
                    dagster_run_id,
                )
                if result.status != DEFERRED:
                    results.append(result)
        finally:
            con.close()
            shutil.rmtree(folder, ignore_errors=True)
    return results


def _load_one(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    source: str,
    department: str,
    path: Path,
    contract: SourceContract | None,
    taken_as: Signature,
    work: Path,
    on_wait: Callable[[str], None] | None,
    dagster_run_id: str | None,
) -> LoadResult:
    try:
        reading = read_dropped(con, home, department, path, contract, work, taken_as)
        prepare_reading(con, reading)
        with WriterLock(home.writer_lock, on_wait=on_wait):
            remove_leftovers(home)  # the writer's own: work/ and drafts, never readers/
            with attached_warehouse(con, home):
                run_id = start_run(con, source, dagster_run_id)
                try:
                    result = commit_reading(con, home, reading, next_file_id(con), run_id=run_id)
                except Exception as exc:
                    finish_run(con, run_id, [], exc)
                    raise
                finish_run(con, run_id, [] if result.status == DEFERRED else [result])
                write_snapshot(con, home)
    finally:
        drop_work_tables(con)
        shutil.rmtree(work, ignore_errors=True)
    write_receipt(home, department, result)
    return result
