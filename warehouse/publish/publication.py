"""Publishes the analytics database: core entities and marts, masked by their schema grades.

The file is built beside the published one and swapped in with `os.replace`, so a reader
sees the old file or the new one, whole: a reader that opened the old file keeps its
inode, and its view, until it closes. It is written in storage version v1.4.0 so DuckDB
1.x clients (the stock `duckdb` CLI, GUI tools) can open it as well as 2.x.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from connectors.home import Home
from schemas.base import Record
from schemas.code_tables import code_table, code_table_names
from schemas.marts import MARTS
from schemas.registry import ENTITIES, table_fields
from warehouse.db import (
    Stamp,
    WriterLock,
    current_stamp,
    has_table,
    literal,
    open_warehouse,
    qualified,
    quote,
    record_stage,
)
from warehouse.marts import default_as_of
from warehouse.publish.masking import Column, published_columns
from warehouse.publish.pseudonym import hmac_pads, key_fingerprint, pseudonym_key

STORAGE_VERSION = "v1.4.0"
ALIAS = "publication"
PUBLIC_FILE_MODE = 0o644
META_DDL = """
CREATE SCHEMA {db}.meta;
CREATE TABLE {db}.meta.publication (
    published_at TIMESTAMP, as_of DATE, key_fingerprint VARCHAR, tables INTEGER,
    generation BIGINT, link_run_id VARCHAR
);
CREATE TABLE {db}.meta.tables (table_name VARCHAR, row_count BIGINT, description VARCHAR);
"""


@dataclass(frozen=True)
class PublishReport:
    path: str
    tables: dict[str, int]
    seconds: float
    stamp: Stamp


def published_models() -> list[type[Record]]:
    """Every conformed entity and every mart allowed out of the restricted warehouse."""
    entities = [m for m in ENTITIES if m.table_name]
    return [*entities, *(m for m in MARTS if m.published)]


def publish_home(
    home: Home,
    on_wait: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
) -> PublishReport:
    """Publish the home's warehouse on its marts' as-of date, under the writer lock."""
    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        return publish(con, home, default_as_of(home), dagster_run_id=dagster_run_id)


def publish(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    as_of: dt.date | None = None,
    dagster_run_id: str | None = None,
) -> PublishReport:
    """Build the analytics file from the warehouse open on `con`, then swap it in; the file
    and `audit.stages` record the warehouse state it was built from."""
    started = dt.datetime.now()
    stamp = current_stamp(con)
    key = pseudonym_key(home)
    inner, outer = hmac_pads(key)
    tmp = home.analytics_draft(os.getpid())
    _remove(tmp)
    con.execute(f"ATTACH {literal(str(tmp))} AS {ALIAS} (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        tables = {}
        for model in published_models():
            if has_table(con, model.table_name or ""):
                tables[model.table_name or ""] = _copy(con, model, inner, outer)
        _reference(con)
        _meta(con, tables, started, as_of, key_fingerprint(key), stamp)
    finally:
        con.execute(f"DETACH {ALIAS}")
    _swap(tmp, home)
    record_stage(con, "published", stamp, dagster_run_id)
    seconds = (dt.datetime.now() - started).total_seconds()
    return PublishReport(str(home.analytics), tables, seconds, stamp)


def _copy(con: duckdb.DuckDBPyConnection, model: type[Record], inner: bytes, outer: bytes) -> int:
    """One table, masked column by column, with each column's grade as its comment."""
    table = model.table_name or ""
    columns = published_columns(table_fields(model))
    params: dict[str, Any] = {}
    for c in columns:
        params |= c.params
    if any("$hmac_" in c.sql for c in columns):
        params |= {"hmac_inner": inner, "hmac_outer": outer}
    schema = quote(table.partition(".")[0])
    target = f"{ALIAS}.{qualified(table)}"
    select = ", ".join(c.select for c in columns)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{schema}")
    con.execute(f"CREATE TABLE {target} AS SELECT {select} FROM {qualified(table)}", params)
    _comments(con, target, model, columns)
    return con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]


def _comments(
    con: duckdb.DuckDBPyConnection, target: str, model: type[Record], columns: Iterable[Column]
) -> None:
    con.execute(f"COMMENT ON TABLE {target} IS {literal(model.summary)}")
    for c in columns:
        s = c.spec
        text = f"{s.description} [grade {s.grade.value}{', PIPL' if s.pipl else ''}; "
        text += f"published: {s.masking_text}]"
        con.execute(f"COMMENT ON COLUMN {target}.{quote(c.name)} IS {literal(text)}")


def _reference(con: duckdb.DuckDBPyConnection) -> None:
    """`ref.code`: every code table's codes and labels, so analysts can read the codes."""
    rows: dict[str, list[str]] = {"code_table": [], "code": [], "label": [], "label_en": []}
    for name in code_table_names():
        for code in code_table(name).codes:
            rows["code_table"].append(name)
            rows["code"].append(code.code)
            rows["label"].append(code.label)
            rows["label_en"].append(code.label_en)
    con.register("_codes", pa.table(rows))
    con.execute(f"CREATE SCHEMA {ALIAS}.ref")
    con.execute(f"CREATE TABLE {ALIAS}.ref.code AS SELECT * FROM _codes")
    con.unregister("_codes")


def _meta(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, int],
    started: dt.datetime,
    as_of: dt.date | None,
    fingerprint: str,
    stamp: Stamp,
) -> None:
    """`meta.publication` and `meta.tables`: when, for which date and warehouse state, and
    how many rows each."""
    con.execute(META_DDL.format(db=ALIAS))
    con.execute(
        f"INSERT INTO {ALIAS}.meta.publication VALUES (?, ?, ?, ?, ?, ?)",
        [started, as_of, fingerprint, len(tables), stamp.generation, stamp.link_run_id],
    )
    summaries = {m.table_name: m.summary for m in published_models()}
    con.executemany(
        f"INSERT INTO {ALIAS}.meta.tables VALUES (?, ?, ?)",
        [[name, rows, summaries[name]] for name, rows in tables.items()],
    )


def _swap(tmp: os.PathLike[str], home: Home) -> None:
    """Make the new file durable, then atomically give it the published name."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, PUBLIC_FILE_MODE)
    os.replace(tmp, home.analytics)
    folder = os.open(home.analytics.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _remove(path: os.PathLike[str]) -> None:
    for leftover in (str(path), f"{os.fspath(path)}.wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
