"""The catalog and Causeway's commit log beside it.

Iceberg commits one table at a time, and a Causeway run changes dozens: a reader that
took each table's latest snapshot while a writer pushed would see half a run. So each
push writes its tables' snapshots first and then one row in `causeway_lake_commits`, in
the catalog's own database, naming the snapshot of every table that makes up that state.
Readers and pulls go through that row, never through a table's latest snapshot.

The row's sequence number is the primary key and a push asks for the number after the
one it started from: two writers that raced both write snapshots, one row lands, and the
other push fails on the key and says who moved the lake on (`LakeConflict`).
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pyiceberg.catalog.sql import SqlCatalog

from warehouse.lake.config import Lake

CATALOG_NAME = "causeway"
COMMITS = sa.Table(
    "causeway_lake_commits",
    sa.MetaData(),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("commit_id", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("account", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("dagster_run_id", sa.String(64)),
    sa.Column("publication_generation", sa.BigInteger),
    sa.Column("link_run_id", sa.String(64)),
    sa.Column("key_check", sa.String(32)),
    sa.Column("manifest", sa.Text, nullable=False),
)


class LakeUnavailable(Exception):
    """The catalog database cannot be reached or read; the message names it redacted."""


class LakeConflict(Exception):
    """The lake moved on since this machine's warehouse was last in step with it."""


@dataclass(frozen=True)
class TableEntry:
    """One table of a committed state: where its rows are and how to recreate it."""

    name: str  # schema.table in DuckDB
    iceberg: str  # namespace.table in the catalog
    snapshot_id: int | None  # None: the table was empty
    fingerprint: str
    rows: int
    ddl: str
    comments: dict[str, str] = field(default_factory=dict)  # "" is the table's own


@dataclass(frozen=True)
class Manifest:
    tables: dict[str, TableEntry]  # warehouse.duckdb, by schema.table
    publication: dict[str, TableEntry]  # analytics.duckdb, by schema.table
    views: dict[str, str]  # schema.view → CREATE VIEW
    sequences: dict[str, int]  # schema.sequence → last value handed out
    models: TableEntry | None  # the linking models' files, as rows (name, content)

    def to_json(self) -> str:
        def entries(d: dict[str, TableEntry]) -> dict[str, Any]:
            return {k: vars(v) for k, v in d.items()}

        return json.dumps(
            {
                "tables": entries(self.tables),
                "publication": entries(self.publication),
                "views": self.views,
                "sequences": self.sequences,
                "models": vars(self.models) if self.models else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)

        def entries(d: dict[str, Any]) -> dict[str, TableEntry]:
            return {k: TableEntry(**v) for k, v in d.items()}

        return cls(
            entries(raw["tables"]),
            entries(raw["publication"]),
            raw["views"],
            raw["sequences"],
            TableEntry(**raw["models"]) if raw.get("models") else None,
        )


@dataclass(frozen=True)
class Commit:
    seq: int
    commit_id: str
    created_at: dt.datetime
    host: str
    account: str
    kind: str
    dagster_run_id: str | None
    publication_generation: int | None
    link_run_id: str | None
    key_check: str | None
    manifest: Manifest


@contextmanager
def open_catalog(lake: Lake) -> Iterator[SqlCatalog]:
    """The SQL catalog with Causeway's commit log in place; LakeUnavailable if unreachable."""
    url = sa.make_url(lake.catalog_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        catalog = SqlCatalog(
            CATALOG_NAME, uri=lake.catalog_url, warehouse=lake.warehouse_files.as_uri()
        )
        COMMITS.create(catalog.engine, checkfirst=True)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        raise LakeUnavailable(
            f"the lake's catalog {lake.shown} cannot be opened: {_first_line(exc)}"
        ) from None
    try:
        with warnings.catch_warnings():
            # An overwrite of an empty table warns that its delete matched nothing.
            warnings.filterwarnings("ignore", message="Delete operation did not match")
            yield catalog
    finally:
        catalog.engine.dispose()


def commits(catalog: SqlCatalog) -> list[Commit]:
    """Every commit, oldest first."""
    with catalog.engine.connect() as db:
        rows = db.execute(sa.select(COMMITS).order_by(COMMITS.c.seq)).mappings().all()
    return [_commit(r) for r in rows]


def head(catalog: SqlCatalog) -> Commit | None:
    """The newest commit, or None for a lake nothing was pushed to yet."""
    with catalog.engine.connect() as db:
        row = (
            db.execute(sa.select(COMMITS).order_by(COMMITS.c.seq.desc()).limit(1))
            .mappings()
            .first()
        )
    return _commit(row) if row else None


def commit_at(catalog: SqlCatalog, seq: int) -> Commit | None:
    with catalog.engine.connect() as db:
        row = db.execute(sa.select(COMMITS).where(COMMITS.c.seq == seq)).mappings().first()
    return _commit(row) if row else None


def record_commit(catalog: SqlCatalog, commit: Commit) -> None:
    """Append `commit` as the one after `commit.seq - 1`; LakeConflict if another landed."""
    values = {k: v for k, v in vars(commit).items() if k != "manifest"}
    values["manifest"] = commit.manifest.to_json()
    try:
        with catalog.engine.begin() as db:
            db.execute(sa.insert(COMMITS).values(**values))
    except sa.exc.IntegrityError:
        newest = head(catalog)
        raise LakeConflict(moved_on(newest, commit.seq - 1)) from None


def moved_on(newest: Commit | None, mine: int) -> str:
    """What to tell a writer whose warehouse is in step with commit `mine` of the lake."""
    if newest is None:
        return "the lake is empty"
    return (
        f"the lake moved on to commit {newest.seq} ({newest.kind} on {newest.host} by "
        f"{newest.account}, {newest.created_at:%Y-%m-%d %H:%M}) while this warehouse is in "
        f"step with commit {mine}"
    )


def _commit(row: Any) -> Commit:
    values = dict(row)
    values["manifest"] = Manifest.from_json(values["manifest"])
    return Commit(**values)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
