"""Publishes the analytics database, and the grid workers' outreach file beside it.

The analytics file is what analysts may read: aggregates with their small cells
suppressed, person-level rows de-identified until k-anonymous, and reference data about
places and codes, each table by the tier its model declares (docs/security.md); the
departments' person-level records never leave the warehouse. The outreach file holds the
masked evacuation list the grid workers' everyday view reads; it is owner-only and is
never published.

Each file is built beside its published name and swapped in with `os.replace`, so a
reader sees the old file or the new one, whole: a reader that opened the old file keeps
its inode, and its view, until it closes. It is written in storage version v1.4.0 so
DuckDB 1.x clients (the stock `duckdb` CLI, GUI tools) can open it as well as 2.x.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from connectors.home import Home
from schemas.base import Record
from schemas.classification import Tier
from schemas.code_tables import code_table, code_table_names
from schemas.disclosure import DisclosureRules, load_disclosure
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
from warehouse.publish.deidentify import RowDisclosure, deidentified_columns, deidentify
from warehouse.publish.masking import Column, published_columns
from warehouse.publish.pseudonym import hmac_pads, key_fingerprint, pseudonym_key
from warehouse.publish.suppression import COMPLEMENTARY, CellDisclosure, suppress_cells

STORAGE_VERSION = "v1.4.0"
ALIAS = "publication"
PUBLIC_FILE_MODE = 0o644
OWNER_ONLY_MODE = 0o600
PUBLISHED_TIERS = (Tier.REFERENCE, Tier.AGGREGATE, Tier.DEIDENTIFIED)
META_DDL = """
CREATE SCHEMA {db}.meta;
CREATE TABLE {db}.meta.publication (
    published_at TIMESTAMP, as_of DATE, key_fingerprint VARCHAR, tables INTEGER,
    generation BIGINT, link_run_id VARCHAR
);
CREATE TABLE {db}.meta.tables (table_name VARCHAR, row_count BIGINT, description VARCHAR);
"""
DISCLOSURE_DDL = """
CREATE TABLE {db}.meta.disclosure (
    table_name VARCHAR, method VARCHAR, k INTEGER, threshold INTEGER,
    quasi_identifiers VARCHAR[], rows_in BIGINT, rows_published BIGINT,
    rows_generalized BIGINT, rows_withheld BIGINT, smallest_class BIGINT,
    cells BIGINT, cells_suppressed BIGINT, cells_complementary BIGINT, smallest_cell BIGINT
);
CREATE TABLE {db}.meta.suppressed_cells (
    table_name VARCHAR, row_key VARCHAR, column_name VARCHAR, reason VARCHAR
);
"""


@dataclass(frozen=True)
class PublishReport:
    path: str
    tables: dict[str, int]
    seconds: float
    stamp: Stamp
    rows: list[RowDisclosure] = field(default_factory=list)
    cells: list[CellDisclosure] = field(default_factory=list)
    outreach: dict[str, int] = field(default_factory=dict)


def published_models() -> list[type[Record]]:
    """Every table of the analytics file: the models whose tier may leave the warehouse."""
    return [m for m in (*ENTITIES, *MARTS) if m.table_name and m.tier in PUBLISHED_TIERS]


def outreach_models() -> list[type[Record]]:
    """The marts the grid workers' outreach file carries, masked."""
    return [m for m in MARTS if m.outreach]


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
    """Build the analytics and outreach files from the warehouse open on `con`, then swap
    them in; the files and `audit.stages` record the warehouse state they were built from."""
    started = dt.datetime.now()
    stamp = current_stamp(con)
    rules = load_disclosure(home.disclosure_file)
    key = pseudonym_key(home)
    pads = hmac_pads(key)
    fingerprint = key_fingerprint(key)
    rows: list[RowDisclosure] = []
    cells: list[CellDisclosure] = []
    with _draft(con, home.analytics_draft(os.getpid())) as tmp:
        tables = {}
        for model in published_models():
            name = model.table_name or ""
            if not has_table(con, name):
                continue
            target = _target(con, name)
            if model.tier is Tier.DEIDENTIFIED:
                rows.append(deidentify(con, model, target, rules))
                _comments(con, target, model, deidentified_columns(model, rules))
            else:
                _copy(con, model, target, pads)
                if model.tier is Tier.AGGREGATE:
                    cells.append(suppress_cells(con, model, target, rules.threshold))
            tables[name] = _count(con, target)
        _reference(con)
        _meta(con, tables, started, as_of, fingerprint, stamp)
        _disclosure(con, rules, rows, cells)
    _swap(tmp, home.analytics, PUBLIC_FILE_MODE)
    outreach = write_outreach(con, home, as_of, started)
    record_stage(con, "published", stamp, dagster_run_id)
    seconds = (dt.datetime.now() - started).total_seconds()
    return PublishReport(str(home.analytics), tables, seconds, stamp, rows, cells, outreach)


def write_outreach(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    as_of: dt.date | None = None,
    started: dt.datetime | None = None,
) -> dict[str, int]:
    """Build the grid workers' owner-only outreach file from the warehouse open on `con`
    and swap it in (also after a pull from the lake: the lists must be this warehouse's)."""
    started = started or dt.datetime.now()
    stamp = current_stamp(con)
    key = pseudonym_key(home)
    pads, fingerprint = hmac_pads(key), key_fingerprint(key)
    with _draft(con, home.outreach_draft(os.getpid())) as tmp:
        outreach = {}
        for model in outreach_models():
            name = model.table_name or ""
            if has_table(con, name):
                target = _target(con, name)
                _copy(con, model, target, pads)
                outreach[name] = _count(con, target)
        _meta(con, outreach, started, as_of, fingerprint, stamp)
    _swap(tmp, home.outreach, OWNER_ONLY_MODE)
    return outreach


@contextmanager
def _draft(con: duckdb.DuckDBPyConnection, tmp: Path) -> Iterator[Path]:
    """A fresh file attached as the publication while the block fills it."""
    _remove(tmp)
    con.execute(f"ATTACH {literal(str(tmp))} AS {ALIAS} (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        yield tmp
    finally:
        con.execute(f"DETACH {ALIAS}")


def _target(con: duckdb.DuckDBPyConnection, table: str) -> str:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{quote(table.partition('.')[0])}")
    return f"{ALIAS}.{qualified(table)}"


def _count(con: duckdb.DuckDBPyConnection, target: str) -> int:
    return con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]


def _copy(
    con: duckdb.DuckDBPyConnection, model: type[Record], target: str, pads: tuple[bytes, bytes]
) -> None:
    """One table, masked column by column, with each column's grade as its comment."""
    columns = published_columns(table_fields(model))
    params: dict[str, Any] = {}
    for c in columns:
        params |= c.params
    if any("$hmac_" in c.sql for c in columns):
        params |= {"hmac_inner": pads[0], "hmac_outer": pads[1]}
    select = ", ".join(c.select for c in columns)
    sql = f"CREATE TABLE {target} AS SELECT {select} FROM {qualified(model.table_name or '')}"
    con.execute(sql, params)
    _comments(con, target, model, columns)


def _comments(
    con: duckdb.DuckDBPyConnection, target: str, model: type[Record], columns: Iterable[Column]
) -> None:
    con.execute(f"COMMENT ON TABLE {target} IS {literal(model.summary)}")
    for c in columns:
        s = c.spec
        text = f"{s.description} [grade {s.grade.value}{', PIPL' if s.pipl else ''}; "
        if s.quasi and model.tier is Tier.DEIDENTIFIED:
            text += f"published: quasi-identifier, generalized on the {s.quasi.ladder} ladder "
            text += "as far as k-anonymity needs]"
        else:
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
    summaries = {m.table_name: m.summary for m in (*ENTITIES, *MARTS)}
    con.executemany(
        f"INSERT INTO {ALIAS}.meta.tables VALUES (?, ?, ?)",
        [[name, rows, summaries[name]] for name, rows in tables.items()],
    )


def _disclosure(
    con: duckdb.DuckDBPyConnection,
    rules: DisclosureRules,
    rows: list[RowDisclosure],
    cells: list[CellDisclosure],
) -> None:
    """`meta.disclosure` and `meta.suppressed_cells`: how each table was protected, the
    smallest class and cell published, and every cell suppressed and why."""
    con.execute(DISCLOSURE_DDL.format(db=ALIAS))
    insert = f"INSERT INTO {ALIAS}.meta.disclosure VALUES ({', '.join('?' * 14)})"
    for r in rows:
        con.execute(
            insert,
            [
                *(r.table, "k-anonymity", rules.k, None, r.quasi_identifiers, r.rows_in),
                *(r.rows_published, r.rows_generalized, r.rows_withheld, r.smallest_class),
                *(None, None, None, None),
            ],
        )
    for c in cells:
        complementary = c.count(COMPLEMENTARY)
        con.execute(
            insert,
            [
                *(c.table, "cell suppression", None, rules.threshold, None, None, None, None),
                *(None, None, c.cells, len(c.suppressed) - complementary, complementary),
                c.smallest_cell,
            ],
        )
        if c.suppressed:
            con.executemany(
                f"INSERT INTO {ALIAS}.meta.suppressed_cells VALUES (?, ?, ?, ?)",
                [[s.table, s.row_key, s.column, s.reason] for s in c.suppressed],
            )


def _swap(tmp: os.PathLike[str], published: Path, mode: int) -> None:
    """Make the new file durable, then atomically give it its name and mode."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, published)
    folder = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _remove(path: os.PathLike[str]) -> None:
    for leftover in (str(path), f"{os.fspath(path)}.wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
