"""Push: the home's warehouse and publication as one new commit of the lake.

Only tables whose fingerprint changed since the commit this warehouse is in step with are
written (an overwrite: one new Iceberg snapshot, tagged with the commit); the rest keep
their snapshot. Warehouse tables live under the owner-only data folder; the publication's
under the shareable one, made readable as analytics.duckdb is (docs/file_modes.md).

The caller holds the writer lock, so nothing changes the file while it is read.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError

from connectors.home import Home
from connectors.modes import OWNER_ONLY_DIR, PUBLIC_FILE, SHARED_DIR
from warehouse.db import open_warehouse
from warehouse.lake.catalog import (
    Commit,
    LakeConflict,
    Manifest,
    TableEntry,
    head,
    moved_on,
    open_catalog,
    record_commit,
)
from warehouse.lake.config import Lake
from warehouse.lake.state import LakeState, read_state, write_state
from warehouse.lake.tables import (
    TableShape,
    arrow_schema,
    fingerprint,
    sequences,
    signature,
    table_shapes,
    to_arrow,
    views,
)
from warehouse.publish import key_fingerprint, pseudonym_key
from warehouse.serve import who

PUBLICATION = "publication"
MODELS = ("causeway", "models")
SIGNATURE = "causeway.columns"
COMMIT_PROPERTY = "causeway.commit"
PUBLICATION_META = "SELECT generation, link_run_id FROM meta.publication"


@dataclass(frozen=True)
class PushReport:
    commit: Commit
    written: list[str]  # tables whose rows changed, so written again
    kept: int  # tables unchanged since the last commit
    seconds: float
    new: bool = True  # False: nothing changed since the newest commit, so none was made


def push(
    home: Home, lake: Lake, kind: str = "run", dagster_run_id: str | None = None
) -> PushReport:
    """Commit the home's current warehouse and publication; LakeConflict if the lake has a
    commit this warehouse has not pulled, LakeUnavailable if the catalog is unreachable."""
    started = time.perf_counter()
    state = read_state(home, lake)
    mine = state.seq if state else 0
    private_root(lake)
    with open_catalog(lake) as catalog:
        newest = head(catalog)
        if (newest.seq if newest else 0) != mine:
            raise LakeConflict(moved_on(newest, mine) + ": pull it (`causeway lake pull`) first")
        before = newest.manifest if newest else None
        commit_id = uuid.uuid4().hex
        written: list[str] = []
        con = open_warehouse(home)
        try:
            tables = _push_tables(
                catalog,
                lake.warehouse_files,
                con,
                (),
                before.tables if before else {},
                commit_id,
                written,
            )
            found_views, found_sequences = views(con), sequences(con)
        finally:
            con.close()
        publication, generation, link_run_id = _push_publication(
            catalog, lake, home, before.publication if before else {}, commit_id, written
        )
        models = _push_models(
            catalog, lake, home, before.models if before else None, commit_id, written
        )
        manifest = Manifest(tables, publication, found_views, found_sequences, models)
        total = len(tables) + len(publication) + (1 if models else 0)
        if newest is not None and manifest == newest.manifest:
            return PushReport(newest, [], total, time.perf_counter() - started, new=False)
        commit = Commit(
            seq=mine + 1,
            commit_id=commit_id,
            created_at=dt.datetime.now().replace(microsecond=0),
            host=socket.gethostname(),
            account=who(),
            kind=kind,
            dagster_run_id=dagster_run_id,
            publication_generation=generation,
            link_run_id=link_run_id,
            key_check=key_fingerprint(pseudonym_key(home)),
            manifest=manifest,
        )
        record_commit(catalog, commit)
    _share(lake.publication_files)
    write_state(home, LakeState(lake.shown, commit.seq, commit.commit_id))
    return PushReport(commit, written, total - len(written), time.perf_counter() - started)


def _push_tables(
    catalog: SqlCatalog,
    root: Path,
    con: duckdb.DuckDBPyConnection,
    namespace: tuple[str, ...],
    before: dict[str, TableEntry],
    commit_id: str,
    written: list[str],
) -> dict[str, TableEntry]:
    entries = {}
    for shape in table_shapes(con):
        digest, rows = fingerprint(con, shape)
        old = before.get(shape.name)
        if old is not None and old.fingerprint == digest:
            entries[shape.name] = old
            continue
        identifier = _iceberg_table(catalog, root, namespace, shape, con)
        snapshot = _overwrite(catalog, identifier, to_arrow(con, shape), commit_id)
        entries[shape.name] = TableEntry(
            shape.name, identifier, snapshot, digest, rows, shape.ddl, shape.comments
        )
        written.append(".".join((*namespace, shape.name)))
    return entries


def _push_publication(
    catalog: SqlCatalog,
    lake: Lake,
    home: Home,
    before: dict[str, TableEntry],
    commit_id: str,
    written: list[str],
) -> tuple[dict[str, TableEntry], int | None, str | None]:
    if not home.analytics.is_file():
        return {}, None, None
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        entries = _push_tables(
            catalog, lake.publication_files, con, (PUBLICATION,), before, commit_id, written
        )
        try:
            generation, link_run_id = con.execute(PUBLICATION_META).fetchall()[0]
        except (duckdb.Error, IndexError):
            generation, link_run_id = None, None
    return entries, generation, link_run_id


def _push_models(
    catalog: SqlCatalog,
    lake: Lake,
    home: Home,
    before: TableEntry | None,
    commit_id: str,
    written: list[str],
) -> TableEntry | None:
    """The linking models (the next incremental link on another machine needs the last full
    run's), as rows of name and content."""
    files = (
        sorted(p for p in home.models.glob("*.json") if p.is_file()) if home.models.is_dir() else []
    )
    if not files:
        return None
    rows = pa.table(
        {"name": [p.name for p in files], "content": [p.read_text("utf-8") for p in files]}
    )
    with duckdb.connect() as con:
        con.register("models_rows", rows)
        con.execute("CREATE TABLE models AS SELECT * FROM models_rows")
        shape = table_shapes(con)[0]
        digest, count = fingerprint(con, shape)
        if before is not None and before.fingerprint == digest:
            return before
        identifier = _iceberg_table(catalog, lake.warehouse_files, MODELS[:1], shape, con)
        snapshot = _overwrite(catalog, identifier, rows, commit_id)
    written.append(".".join(MODELS))
    return TableEntry("models", identifier, snapshot, digest, count, shape.ddl)


def _iceberg_table(
    catalog: SqlCatalog,
    root: Path,
    namespace: tuple[str, ...],
    shape: TableShape,
    con: duckdb.DuckDBPyConnection,
) -> str:
    """The Iceberg table that holds `shape`'s rows: its own while its columns stay the same;
    a table whose columns change starts a new one (`<table>__2`, …), so every older commit
    still reads the files it was written with."""
    schema, _, table = shape.name.partition(".")
    if not table:  # a bare name (the models)
        schema, table = "", schema
    parts = (*namespace, schema) if schema else namespace
    catalog.create_namespace_if_not_exists(parts)
    wanted = signature(shape)
    version = 1
    while True:
        name = table if version == 1 else f"{table}__{version}"
        identifier = ".".join((*parts, name))
        try:
            found = catalog.load_table(identifier)
        except NoSuchTableError:
            location = root.joinpath(*parts[len(namespace) :], name)
            catalog.create_table(
                identifier,
                schema=arrow_schema(con, shape),
                location=location.as_uri(),
                properties={SIGNATURE: wanted},
            )
            return identifier
        if found.properties.get(SIGNATURE) == wanted:
            return identifier
        version += 1


def _overwrite(catalog: SqlCatalog, identifier: str, rows: pa.Table, commit_id: str) -> int | None:
    table = catalog.load_table(identifier)
    table.overwrite(rows, snapshot_properties={COMMIT_PROPERTY: commit_id})
    snapshot = table.current_snapshot()
    return snapshot.snapshot_id if snapshot else None


def _share(root: Path) -> None:
    """The publication's files as readable as analytics.duckdb: pyiceberg writes them with
    this process's owner-only umask."""
    if not root.is_dir():
        return
    root.chmod(SHARED_DIR)
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            os.chmod(os.path.join(folder, d), SHARED_DIR)
        for f in files:
            os.chmod(os.path.join(folder, f), PUBLIC_FILE)


def private_root(lake: Lake) -> None:
    """The data folder passable (the publication half is shared, like the home), its
    warehouse half owner-only, before anything is written."""
    if not lake.data.exists():
        lake.data.mkdir(parents=True)
        lake.data.chmod(SHARED_DIR)
    lake.warehouse_files.mkdir(exist_ok=True)
    lake.warehouse_files.chmod(OWNER_ONLY_DIR)
