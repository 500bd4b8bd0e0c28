"""The lake: a warehouse and its publication pushed as Iceberg tables to a real catalog
(PostgreSQL, the server the database tests start; SQLite for the one-machine default),
pulled into another home, read as of an earlier commit, and two writers kept apart."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from connectors.home import Home
from demo import generate
from tests.warehouse.published import link_mart_publish, shared_published_home
from warehouse.db import WriterLock, open_warehouse
from warehouse.ingest import process_pending
from warehouse.lake import (
    LAKE_DATA_ENV,
    WAREHOUSE_ENV,
    LakeConfigError,
    LakeConflict,
    LakeDiverged,
    LakeUnavailable,
    NoSuchCommit,
    catch_up,
    commit_home,
    commits,
    configured_lake,
    open_catalog,
    pull_home,
    redacted,
    resolve,
)
from warehouse.lake.pull import checkout_publication
from warehouse.linking.run import last_full_model

KEY = "lake-test-key"
BIG = 2**100 + 12345


def _lake_env(monkeypatch: pytest.MonkeyPatch, url: str, data: Path) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, f"iceberg:{url}")
    monkeypatch.setenv(LAKE_DATA_ENV, str(data))
    monkeypatch.setenv("CAUSEWAY_PSEUDONYM_KEY", KEY)


def _tables(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL"
            ).fetchall()
        ]


def differing(a: Path, b: Path, skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """Tables of `a` whose rows differ from `b`'s (rows in one and not the other, counted
    with duplicates), plus any table missing from `b`."""
    out = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        others = set(_tables(b))
        for name in _tables(a):
            if name in skip:
                continue
            if name not in others:
                out[name] = -1
                continue
            s, t = name.split(".")
            x, y = f'a."{s}"."{t}"', f'b."{s}"."{t}"'
            out[name] = con.execute(
                f"SELECT (SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})) + "
                f"(SELECT count(*) FROM (FROM {y} EXCEPT ALL FROM {x}))"
            ).fetchall()[0][0]
    return {k: v for k, v in out.items() if v}


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Home:
    """A 300-resident district, loaded, linked, marted and published with the test key."""
    os.environ["CAUSEWAY_PSEUDONYM_KEY"] = KEY
    try:
        return shared_published_home(tmp_path_factory, 300, 6, "district")
    finally:
        del os.environ["CAUSEWAY_PSEUDONYM_KEY"]


def _copy_home(source: Home, root: Path) -> Home:
    """Another machine's home holding the same warehouse (a copy of the files)."""
    import shutil

    shutil.copytree(source.root, root, symlinks=True)
    return Home.resolve(root)


def test_the_environment_names_the_lake_and_never_shows_its_password(tmp_path):
    home = Home.resolve(tmp_path)
    assert configured_lake(home, {}) is None
    assert configured_lake(home, {WAREHOUSE_ENV: "duckdb"}) is None
    bare = configured_lake(home, {WAREHOUSE_ENV: "iceberg:"})
    assert bare is not None and bare.catalog_url == f"sqlite:///{home.lake / 'catalog.db'}"
    assert bare.data == home.lake
    url = "postgresql+psycopg://causeway:s3cret@db.example/lake"
    lake = configured_lake(home, {WAREHOUSE_ENV: f"iceberg:{url}", LAKE_DATA_ENV: "/srv/lake"})
    assert lake is not None and lake.data == Path("/srv/lake")
    assert "s3cret" not in lake.shown and "causeway" in lake.shown
    with pytest.raises(LakeConfigError) as bad:
        configured_lake(home, {WAREHOUSE_ENV: "ducklake:postgresql://u:s3cret@h/x"})
    assert "s3cret" not in str(bad.value)
    with pytest.raises(LakeConfigError, match="absolute"):
        configured_lake(home, {WAREHOUSE_ENV: f"iceberg:{url}", LAKE_DATA_ENV: "lake"})
    assert "s3cret" not in redacted("weird://u:s3cret@host")


def test_a_pulled_home_holds_what_was_pushed(district, pg_url, tmp_path, monkeypatch):
    """Every table of the warehouse and the publication comes back row for row on a home
    that had nothing, with the model the next incremental link needs; the publication's
    files are shareable and the warehouse's owner-only."""
    _lake_env(monkeypatch, pg_url, tmp_path / "lake")
    home = _copy_home(district, tmp_path / "a")
    pushed = commit_home(home)
    assert pushed is not None and pushed.new and pushed.commit.seq == 1
    assert pushed.commit.publication_generation is not None
    assert (
        "core.person" in pushed.written
        and "publication.mart.vulnerable_residents" in pushed.written
    )

    other = Home.resolve(tmp_path / "b").ensure()
    report = pull_home(other)
    assert report.commit.seq == 1 and not report.key_differs
    assert differing(home.warehouse, other.warehouse) == {}
    assert differing(home.analytics, other.analytics) == {}
    assert differing(home.outreach, other.outreach, frozenset({"meta.publication"})) == {}
    with open_warehouse(other) as con:
        model = last_full_model(con, other.models)
    assert model is not None and model.parent == other.models
    assert _mode(other.analytics) == 0o644 and _mode(other.warehouse) == 0o600

    lake = configured_lake(home)
    assert lake is not None
    for folder, _, files in os.walk(lake.publication_files):
        assert _mode(Path(folder)) == 0o755
        assert all(_mode(Path(folder) / f) == 0o644 for f in files)
    assert _mode(lake.warehouse_files) == 0o700
    for folder, _, files in os.walk(lake.warehouse_files):
        assert all(_mode(Path(folder) / f) & 0o077 == 0 for f in files)

    again = commit_home(home)
    assert again is not None and not again.new and again.commit.seq == 1
    assert pull_home(other).already


def test_an_earlier_publication_reads_as_it_was(district, tmp_path, monkeypatch):
    """Time travel on the one-machine SQLite catalog: the second month's publication is a
    new commit, and the first one still reads exactly as it was published."""
    monkeypatch.setenv(WAREHOUSE_ENV, "iceberg:")
    monkeypatch.setenv("CAUSEWAY_PSEUDONYM_KEY", KEY)
    home = _copy_home(district, tmp_path / "a")
    first = home.root / "first-analytics.duckdb"
    first.write_bytes(home.analytics.read_bytes())
    assert commit_home(home) is not None

    generate(home.ingest, home.demo_truth, 300, 6, 2)
    process_pending(home)
    link_mart_publish(home)
    second = commit_home(home)
    assert second is not None and second.commit.seq == 2
    assert "core.person" in second.written
    assert differing(first, home.analytics)  # the month changed the publication

    lake = configured_lake(home)
    assert lake is not None and (home.lake / "catalog.db").is_file()
    with open_catalog(lake) as catalog:
        assert [c.seq for c in commits(catalog)] == [1, 2]
        one = resolve(catalog, "1")
        assert resolve(catalog, f"generation:{one.publication_generation}").seq == 1
        assert resolve(catalog, None).seq == 2
        assert resolve(catalog, f"{one.created_at:%Y-%m-%d}").seq == 2  # the day's last
        with pytest.raises(NoSuchCommit):
            resolve(catalog, "2000-01-01")
        with pytest.raises(NoSuchCommit):
            resolve(catalog, "7")
        then = checkout_publication(catalog, one, tmp_path / "then.duckdb")
    assert differing(first, then) == {} and differing(then, first) == {}


def test_two_writers_never_undo_each_other(district, pg_url, tmp_path, monkeypatch):
    """A writer behind the lake is refused its push; one in step with its last commit pulls
    the newer one before writing; one that changed on its own meanwhile is stopped, and
    keeps its file aside only when told to take the lake's."""
    _lake_env(monkeypatch, pg_url, tmp_path / "lake")
    a = _copy_home(district, tmp_path / "a")
    b = Home.resolve(tmp_path / "b").ensure()
    assert commit_home(a) is not None
    pull_home(b)

    generate(a.ingest, a.demo_truth, 300, 6, 2)  # next month's files reach machine B
    for folder in a.ingest.iterdir():
        for f in folder.iterdir():
            if f.is_file():
                target = b.ingest_dir(folder.name)
                target.mkdir(parents=True, exist_ok=True)
                f.rename(target / f.name)
    process_pending(b)
    link_mart_publish(b)
    assert commit_home(b).commit.seq == 2  # type: ignore[union-attr]

    with pytest.raises(LakeConflict, match="moved on to commit 2"):
        commit_home(a)
    assert catch_up(a).pulled is not None  # a was unchanged since commit 1: it catches up
    assert differing(a.warehouse, b.warehouse) == {}

    with WriterLock(a.writer_lock), open_warehouse(a) as con:  # a changes on its own …
        con.execute(
            "DELETE FROM core.incident WHERE incident_id IN "
            "(SELECT incident_id FROM core.incident LIMIT 1)"
        )
    with WriterLock(b.writer_lock), open_warehouse(b) as con:  # … and so does b, pushed
        con.execute(
            "DELETE FROM core.welfare_case WHERE case_id IN "
            "(SELECT case_id FROM core.welfare_case LIMIT 1)"
        )
    assert commit_home(b).commit.seq == 3  # type: ignore[union-attr]
    before = a.warehouse.read_bytes()
    with pytest.raises(LakeDiverged, match="changed since that commit"):
        catch_up(a)
    assert a.warehouse.read_bytes() == before  # nothing overwritten
    pull_home(a, discard_local=True)
    kept = list(a.root.glob("warehouse.discarded-*.duckdb"))
    assert len(kept) == 1 and differing(kept[0], a.warehouse)
    assert differing(a.warehouse, b.warehouse) == {}


def test_a_lake_out_of_reach_leaves_the_district_local(district, tmp_path, monkeypatch):
    """The run goes on with a warning when the catalog cannot be reached, and a push says
    so without the password."""
    url = "postgresql+psycopg://causeway:s3cret@127.0.0.1:9/lake?connect_timeout=2"
    _lake_env(monkeypatch, url, tmp_path / "lake")
    home = _copy_home(district, tmp_path / "a")
    result = catch_up(home)
    assert result.pulled is None and result.warning and "s3cret" not in result.warning
    assert "local warehouse only" in result.warning
    with pytest.raises(LakeUnavailable) as down:
        commit_home(home)
    assert "s3cret" not in str(down.value) and "127.0.0.1" in str(down.value)


def test_types_iceberg_lacks_come_back_exactly(tmp_path, monkeypatch):
    """Intervals, enums, UUIDs, 128-bit integers, JSON, nested types (a NULL list of structs
    apart from an empty one) and a generated column survive the round trip with their
    DuckDB types, keys and comments."""
    _lake_env(monkeypatch, f"sqlite:///{tmp_path / 'shared' / 'catalog.db'}", tmp_path / "lake")
    home = Home.resolve(tmp_path / "a").ensure()
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        con.execute("CREATE TYPE IF NOT EXISTS mood AS ENUM ('calm', 'busy')")
        con.execute(
            "CREATE TABLE core.odd (id UUID PRIMARY KEY, span INTERVAL, m mood, big HUGEINT, "
            "doc JSON, tags VARCHAR[], s STRUCT(a INTEGER, b VARCHAR), t TIMESTAMPTZ, "
            "ev STRUCT(a INTEGER, b VARCHAR)[], "
            "twice HUGEINT GENERATED ALWAYS AS (big * 2) VIRTUAL)"
        )
        con.execute("COMMENT ON COLUMN core.odd.span IS 'how long'")
        con.execute(
            "INSERT INTO core.odd (id, span, m, big, doc, tags, s, t, ev) VALUES "
            f"(uuid(), INTERVAL 3 DAY + INTERVAL 2 HOUR, 'busy', {BIG}, "
            "'{\"a\": [1, 2]}', "
            "['x', NULL], {'a': 1, 'b': '乙'}, TIMESTAMPTZ '2026-01-01 08:00:00+08', "
            "[{'a': 1, 'b': 'it''s, \"quoted\"'}]), "
            "(uuid(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
            "(uuid(), NULL, NULL, NULL, NULL, [], NULL, NULL, [])"
        )
    assert commit_home(home) is not None
    other = Home.resolve(tmp_path / "b").ensure()
    pull_home(other)
    assert differing(home.warehouse, other.warehouse) == {}
    with duckdb.connect(str(other.warehouse), read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'odd'"
            ).fetchall()
        )
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'odd' AND column_name = 'span'"
        ).fetchall()
        twice = con.execute("SELECT twice FROM core.odd WHERE big IS NOT NULL").fetchall()
    assert types["span"] == "INTERVAL" and types["id"] == "UUID" and types["big"] == "HUGEINT"
    assert types["m"].startswith("ENUM") or types["m"] == "mood"
    assert comment == [("how long",)]
    assert twice == [(2 * BIG,)]
