"""Pull and time travel: a commit of the lake back as DuckDB files.

`pull` makes this home's warehouse (and analytics file, and linking models) the lake's
newest commit, so this machine can take over as the writer or serve an emergency list.
`checkout_publication` writes the publication of any commit into a DuckDB file: how an
analyst reads the district as it was published on a given day.

Rows come back through DuckDB's Parquet reader from the data files each table's snapshot
lists. Causeway only ever overwrites whole tables, so its snapshots have no delete files;
one that has was changed by another tool, and is refused with its name rather than read
without its deletes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
from pyiceberg.catalog.sql import SqlCatalog

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE, PUBLIC_FILE, private_dir, write_private
from warehouse.db import literal, open_warehouse, qualified
from warehouse.lake.catalog import Commit, TableEntry, commits, head, open_catalog
from warehouse.lake.config import Lake
from warehouse.lake.state import LakeState, write_state
from warehouse.lake.tables import fingerprint, restore, table_shapes
from warehouse.marts import default_as_of
from warehouse.publish import STORAGE_VERSION, key_fingerprint, pseudonym_key, write_outreach

LAKE_PULL = "lake-pull"
PUBLICATION = "publication"


class LakeDiverged(Exception):
    """This warehouse holds changes the lake does not, and the lake moved on without them."""


class ForeignSnapshot(Exception):
    """A snapshot Causeway did not write (it has delete files): refused, not misread."""


class NoSuchCommit(LookupError):
    """An `--as-of` that names no commit of the lake."""


@dataclass(frozen=True)
class PullReport:
    commit: Commit
    tables: int
    rows: int
    key_differs: bool  # this home's pseudonym key is not the one the commit published with
    already: bool = False  # the warehouse was in step with the newest commit: nothing pulled


def snapshot_files(catalog: SqlCatalog, entry: TableEntry) -> list[str]:
    """The local paths of the data files of `entry`'s snapshot."""
    if entry.snapshot_id is None:
        return []
    table = catalog.load_table(entry.iceberg)
    tasks = list(table.scan(snapshot_id=entry.snapshot_id).plan_files())
    if any(t.delete_files for t in tasks):
        raise ForeignSnapshot(
            f"{entry.iceberg} snapshot {entry.snapshot_id} has delete files: Causeway never "
            "writes them; it was changed by another tool"
        )
    return [_local(t.file.file_path) for t in tasks]


def resolve(catalog: SqlCatalog, as_of: str | None) -> Commit:
    """The commit `as_of` names: a sequence number, `generation:N` (the commit that pushed
    publication generation N), a date or time (the last commit at or before it), or None
    for the newest."""
    found = commits(catalog)
    if not found:
        raise NoSuchCommit("nothing was pushed to the lake yet")
    if as_of is None or as_of == "latest":
        return found[-1]
    text = as_of.strip()
    if text.isdigit():
        match = [c for c in found if c.seq == int(text)]
    elif text.startswith("generation:") and text.partition(":")[2].isdigit():
        generation = int(text.partition(":")[2])
        match = [c for c in found if c.publication_generation == generation][:1]
    else:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise NoSuchCommit(
                f"--as-of {as_of!r}: give a commit number, generation:N or a date/time"
            ) from None
        if len(text) == 10:  # a date: the end of that day
            moment = moment + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        match = [c for c in found if c.created_at <= moment][-1:]
    if not match:
        raise NoSuchCommit(f"no commit of the lake matches --as-of {as_of!r}")
    return match[0]


def pull(home: Home, lake: Lake) -> PullReport:
    """Replace this home's warehouse, analytics file and models with the lake's newest
    commit. The caller holds the writer lock; the file is swapped in whole."""
    with open_catalog(lake) as catalog:
        commit = head(catalog)
        if commit is None:
            raise NoSuchCommit("nothing was pushed to the lake yet")
        work = private_dir(home.work)
        draft = work / f"{LAKE_PULL}-{os.getpid()}.duckdb"
        _remove(draft)
        rows = 0
        con = open_warehouse(home, draft)
        try:
            for entry in commit.manifest.tables.values():
                restore(con, entry.name, entry.ddl, snapshot_files(catalog, entry), entry.comments)
                rows += entry.rows
            for name, sql in commit.manifest.views.items():
                con.execute(f"DROP VIEW IF EXISTS {qualified(name)}")
                con.execute(sql)
            for name, last in commit.manifest.sequences.items():
                con.execute(f"CREATE OR REPLACE SEQUENCE {qualified(name)} START {last + 1}")
            _restore_models(catalog, con, home, commit.manifest.models)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if commit.manifest.publication:
            checkout_publication(catalog, commit, home.analytics, PUBLIC_FILE)
    _remove(Path(f"{home.warehouse}.wal"))
    os.replace(draft, home.warehouse)
    home.warehouse.chmod(OWNER_ONLY_FILE)
    write_state(home, LakeState(lake.shown, commit.seq, commit.commit_id))
    if commit.manifest.publication:
        con = open_warehouse(home)
        try:  # the grid workers' lists from the warehouse just pulled, never an older one
            write_outreach(con, home, _published_as_of(home) or default_as_of(home))
        finally:
            con.close()
    differs = commit.key_check is not None and commit.key_check != key_fingerprint(
        pseudonym_key(home)
    )
    return PullReport(commit, len(commit.manifest.tables), rows, differs)


def checkout_publication(
    catalog: SqlCatalog, commit: Commit, target: Path, mode: int = OWNER_ONLY_FILE
) -> Path:
    """Write `commit`'s publication as a DuckDB file at `target` (replaced whole)."""
    draft = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(draft)
    try:
        with duckdb.connect() as con:
            # The storage the publication is written in, so DuckDB 1.x clients open it too.
            con.execute(
                f"ATTACH {literal(str(draft))} AS {PUBLICATION} "
                f"(STORAGE_VERSION {literal(STORAGE_VERSION)})"
            )
            con.execute(f"USE {PUBLICATION}")
            for entry in commit.manifest.publication.values():
                restore(con, entry.name, entry.ddl, snapshot_files(catalog, entry), entry.comments)
            con.execute("CHECKPOINT")
            con.execute("USE memory")
            con.execute(f"DETACH {PUBLICATION}")
        draft.chmod(mode)
        _remove(Path(f"{draft}.wal"))
        os.replace(draft, target)
    except BaseException:
        _remove(draft)
        raise
    return target


def in_step(home: Home, commit: Commit) -> bool:
    """Whether this home's warehouse holds exactly what `commit` recorded of it."""
    recorded = commit.manifest.tables
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        shapes = {s.name: s for s in table_shapes(con)}
        for name, entry in recorded.items():
            shape = shapes.get(name)
            if shape is None or fingerprint(con, shape)[0] != entry.fingerprint:
                return False
    return True


def _restore_models(
    catalog: SqlCatalog, con: duckdb.DuckDBPyConnection, home: Home, entry: TableEntry | None
) -> None:
    """The linking models' files back under this home, where the next link finds them by
    name (`last_full_model`)."""
    if entry is None:
        return
    files = snapshot_files(catalog, entry)
    if not files:
        return
    private_dir(home.models)
    for name, content in con.execute(
        "SELECT name, content FROM read_parquet(?)", [files]
    ).fetchall():
        write_private(home.models / Path(name).name, content)


def _published_as_of(home: Home) -> dt.date | None:
    """The as-of date of the publication just checked out: the marts' date on the writer."""
    try:
        with duckdb.connect(str(home.analytics), read_only=True) as con:
            found = con.execute("SELECT max(as_of) FROM meta.publication").fetchall()
    except duckdb.Error:
        return None
    return found[0][0] if found else None


def _local(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def describe(commit: Commit) -> dict[str, object]:
    """A commit as a row of `causeway lake log`."""
    return {
        "commit": commit.seq,
        "time": commit.created_at.isoformat(sep=" "),
        "kind": commit.kind,
        "host": commit.host,
        "account": commit.account,
        "generation": commit.publication_generation,
        "link_run": commit.link_run_id,
        "tables": len(commit.manifest.tables),
        "published_tables": len(commit.manifest.publication),
        "rows": sum(e.rows for e in commit.manifest.tables.values()),
    }
