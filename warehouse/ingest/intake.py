"""Processes every pending file of every department: the warehouse side of `causeway run`."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path

import duckdb

from connectors.home import Home
from connectors.stability import Signature, settle
from schemas.contracts import SourceContract, precedence
from warehouse.db import (
    LoadResult,
    WriterLock,
    close_dead_runs,
    finish_run,
    open_warehouse,
    remove_leftovers,
    start_run,
    write_snapshot,
)
from warehouse.ingest.load import DEFERRED, drop_work_tables, load_file
from warehouse.ingest.readers import load_apart, reads_per_source

Progress = Callable[[str, Path], None]


def contract_for(path: Path, contracts: list[SourceContract]) -> SourceContract | None:
    name = path.name.lower()
    # A site's own contracts first (schemas.contracts.precedence), then by name.
    for contract in sorted(contracts, key=lambda c: (-precedence(c), c.source)):
        if any(fnmatch.fnmatchcase(name, p.lower()) for p in contract.file_patterns):
            return contract
    return None


UNMATCHED = "*unmatched*"


def pending(home: Home, source: str | None = None) -> list[tuple[str, Path]]:
    """(department, file) for every file waiting, in name order within each department;
    with `source`, only the files its contract matches (or, for UNMATCHED, those no
    contract of their department matches)."""
    everything = [(d, p) for d in home.departments() for p in home.pending_files(d)]
    if source is None:
        return everything
    contracts = home.contracts()
    wanted = None if source == UNMATCHED else source
    out = []
    for department, path in everything:
        siblings = [c for c in contracts.values() if c.department == department]
        match = contract_for(path, siblings)
        if (match.source if match else None) == wanted:
            out.append((department, path))
    return out


def process_pending(
    home: Home,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
    source: str | None = None,
    dagster_run_id: str | None = None,
) -> list[LoadResult]:
    """Load every pending file (or one source's) under the writer lock; one bad file never
    stops the others.

    The list of pending files is taken once the lock is held, so a run that waited for
    another finds only what that one left; a file still being written, or changed while
    it was read, stays in its folder for the next run. A killed run's leftovers go first.
    With `readers: per_source` (staging.yaml), one source's files are read apart from the
    warehouse and committed one at a time (warehouse/ingest/readers.py).
    """
    home.ensure()
    contracts = home.contracts()
    if source not in (None, UNMATCHED) and reads_per_source(home):
        return load_apart(home, source, todo_of, progress, on_wait, dagster_run_id)
    with WriterLock(home.writer_lock, on_wait=on_wait):
        # Before the warehouse opens: its connection's own spill files must not be taken
        # for a killed run's.
        remove_leftovers(home)
        with open_warehouse(home) as con:
            return _process(con, home, contracts, progress, source, dagster_run_id)


def todo_of(
    home: Home, source: str
) -> tuple[list[tuple[str, Path, SourceContract | None]], dict[Path, Signature]]:
    """A source's pending files that are ready, with their contracts, and the signatures
    they were found stable with. Every waiting file is looked at, as by a shared read, so
    the sources read after this one in the same process need no wait."""
    contracts = home.contracts()
    listed = pending(home, source)
    if not listed:
        return [], {}
    ready, _ = settle([path for _, path in pending(home)])
    todo = []
    for department, path in listed:
        if path in ready:
            mine = [c for c in contracts.values() if c.department == department]
            todo.append((department, path, contract_for(path, mine)))
    return todo, ready


def _process(
    con: duckdb.DuckDBPyConnection,  # the warehouse, opened under the writer lock
    home: Home,
    contracts: dict[str, SourceContract],
    progress: Progress | None,
    source: str | None,
    dagster_run_id: str | None,
) -> list[LoadResult]:
    results: list[LoadResult] = []
    close_dead_runs(con)
    listed = pending(home, source)
    if not listed:
        return results
    # Every waiting file is looked at, so the sources loaded after this one need no wait.
    ready, _ = settle([path for _, path in pending(home)])
    todo = [(department, path) for department, path in listed if path in ready]
    if not todo:  # all still being written
        return results
    run_id = start_run(con, source or "all", dagster_run_id)
    try:
        for department, path in todo:
            if progress:
                progress(department, path)
            mine = [c for c in contracts.values() if c.department == department]
            contract = contract_for(path, mine)
            result = load_file(
                con, home, department, path, contract, run_id=run_id, taken_as=ready[path]
            )
            if result.status != DEFERRED:  # it changed while read: left for the next run
                results.append(result)
            drop_work_tables(con)
            write_snapshot(con, home)
    except Exception as exc:
        finish_run(con, run_id, results, exc)
        raise
    finish_run(con, run_id, results)
    write_snapshot(con, home)
    return results
