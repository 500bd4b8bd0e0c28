"""Incremental extracts of database sources: the warehouse side of a `database` contract.

Each batch the reader hands over takes the same path as a file after its reader
(`process_raw`, `commit_load`: standardize, validate, quarantine, stage, audit), and the
source's cursor in `audit.source_cursors` advances in that batch's own transaction: a
batch commits with its cursor, or neither does. A connection lost mid-extract fails the
run after the last committed batch, and the next run resumes from there.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping

import duckdb
import pyarrow as pa

from connectors.errors import RejectedFile
from connectors.home import Home
from connectors.prefetch import prefetched
from connectors.raw import ITEM, ROW, RawTable, create_raw_table
from connectors.sql_source import Position, SourceError, SqlBatch, SqlSource, resolve_url
from schemas.contracts import SourceContract
from warehouse.db import (
    LoadResult,
    WriterLock,
    finish_run,
    open_warehouse,
    start_run,
    write_snapshot,
)
from warehouse.ingest.load import RAW, commit_load, drop_work_tables, next_file_id, process_raw
from warehouse.ingest.mapping import map_headers

BatchProgress = Callable[[LoadResult], None]
READ_CURSOR = (
    "SELECT relation, cursor_column, cursor_value, tie_breaker, tie_value "
    "FROM audit.source_cursors WHERE source = ?"
)
ADVANCE_CURSOR = "INSERT OR REPLACE INTO audit.source_cursors VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
BATCH_VIEW = "_sql_batch"


def database_contracts(home: Home) -> list[SourceContract]:
    return sorted(
        (c for c in home.contracts().values() if c.database is not None), key=lambda c: c.source
    )


def stored_position(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, tie_breaker: str
) -> Position | None:
    """Where the last extract stopped; refuses a cursor kept for other columns."""
    assert contract.database is not None
    rows = con.execute(READ_CURSOR, [contract.source]).fetchall()
    if not rows:
        return None
    relation, column, value, tie, tie_value = rows[0]
    wanted = (contract.database.relation, contract.database.cursor.column, tie_breaker)
    if (relation, column, tie) != wanted:
        raise SourceError(
            f"{contract.source}: the stored cursor is on {relation} ({column}, {tie}) but the "
            f"contract now reads {wanted[0]} ({wanted[1]}, {wanted[2]}); to extract everything "
            f"again, delete its row: DELETE FROM audit.source_cursors WHERE source = "
            f"'{contract.source}'"
        )
    return Position(value, tie_value)


def _tie_breaker(source: SqlSource, contract: SourceContract) -> str:
    """The contract's tie-breaker, else the database column that holds the record ID."""
    assert contract.database is not None
    columns = source.columns()
    try:
        mapping = map_headers(columns, contract)
    except RejectedFile as exc:
        raise SourceError(f"{contract.source}: {exc} in {contract.database.relation}") from None
    if contract.database.cursor.tie_breaker:
        return contract.database.cursor.tie_breaker
    return columns[mapping.columns[contract.record_id]]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    columns: list[str],
    batch: SqlBatch,
    tie_breaker: str,
    run_id: str | None,
    notes: list[str],
) -> LoadResult:
    """One batch, exactly as a file after its reader, committed with the cursor after it."""
    db = contract.database
    assert db is not None
    file_id = next_file_id(con)
    name = f"{db.relation} [{db.cursor.column} {batch.first.cursor} … {batch.last.cursor}]"
    result = LoadResult(file_id, contract.department, contract.source, name, "rejected")
    drop_work_tables(con)
    raw = RawTable(RAW, list(columns), notes=list(notes))
    create_raw_table(con, RAW, len(columns))
    data = batch.data
    rows = pa.table(
        {
            ROW: pa.array(range(1, data.num_rows + 1), pa.int64()),
            ITEM: pa.nulls(data.num_rows, pa.int32()),
            **{name: data.column(name) for name in data.column_names},
        }
    )
    con.register(BATCH_VIEW, rows)
    try:
        con.execute(f"INSERT INTO {RAW} SELECT * FROM {BATCH_VIEW}")
    finally:
        con.unregister(BATCH_VIEW)
    compiler = process_raw(con, raw, contract, result)

    def advance(tx: duckdb.DuckDBPyConnection) -> None:
        tx.execute(
            ADVANCE_CURSOR,
            [
                contract.source,
                db.relation,
                db.cursor.column,
                batch.last.cursor,
                tie_breaker,
                batch.last.tie,
                file_id,
                dt.datetime.now(),
            ],
        )

    commit_load(con, raw, compiler, contract, result, "", data.nbytes, None, run_id, also=advance)
    drop_work_tables(con)
    return result


def extract(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    contract: SourceContract,
    run_id: str | None,
    environ: Mapping[str, str],
    progress: BatchProgress | None = None,
) -> list[LoadResult]:
    """Every row changed since the stored cursor, batch by batch; raises SourceError or
    SourceUnavailable (after committing the batches read before it)."""
    db = contract.database
    assert db is not None
    results: list[LoadResult] = []
    with SqlSource(db, resolve_url(db, environ), contract.source) as source:
        tie_breaker = _tie_breaker(source, contract)
        source.require(db.cursor.column, "cursor")
        after = stored_position(con, contract, tie_breaker)
        notes = []
        if without := source.rows_without_cursor():
            notes.append(f"{without} row(s) have no {db.cursor.column} and are never read")
        # The next batch is read while this one loads (connectors.prefetch).
        for batch in prefetched(source.batches(tie_breaker, after)):
            result = load_batch(con, contract, source.columns(), batch, tie_breaker, run_id, notes)
            notes = []
            results.append(result)
            write_snapshot(con, home)
            if progress:
                progress(result)
    return results


def pull_database(
    home: Home,
    source: str,
    progress: BatchProgress | None = None,
    on_wait: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[LoadResult]:
    """Extract one database source under the writer lock, recorded in `audit.runs`."""
    home.ensure()
    contract = home.contracts().get(source)
    if contract is None or contract.database is None:
        raise SourceError(f"no database contract named {source!r}")
    results: list[LoadResult] = []

    def collect(result: LoadResult) -> None:
        results.append(result)
        if progress:
            progress(result)

    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        run_id = start_run(con, source, dagster_run_id)
        try:
            extract(
                con, home, contract, run_id, os.environ if environ is None else environ, collect
            )
        except Exception as exc:
            finish_run(con, run_id, results, exc)
            write_snapshot(con, home)
            raise
        finish_run(con, run_id, results)
        write_snapshot(con, home)
    return results
