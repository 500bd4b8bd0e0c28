"""Whether analytics.duckdb reflects the warehouse: every change to staging or to the links
leaves it stale until the next publication, and the file says what it was built from."""

from __future__ import annotations

import duckdb

from connectors.home import Home
from demo import generate
from warehouse.db.connection import open_warehouse
from warehouse.db.freshness import Stamp, published_stamp, warehouse_freshness
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import process_pending
from warehouse.linking.stage import link_warehouse
from warehouse.marts.build import build_marts, default_as_of
from warehouse.ops.repair import reprocess, retract
from warehouse.publish.publication import publish


def _publish(home: Home) -> Stamp:
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        build_marts(con, default_as_of(home), list(home.contracts().values()))
        return publish(con, home, default_as_of(home), dagster_run_id="test-run").stamp


def _query(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _file_of(home: Home, source: str) -> str:
    rows = _query(home.warehouse, "SELECT file_id, source FROM audit.file_loads")
    return next(file_id for file_id, s in rows if s == source)


def test_every_change_leaves_the_published_file_stale_until_it_is_published_again(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 4, 1)
    assert warehouse_freshness(home) is None, "no warehouse yet"

    loaded = process_pending(home)
    state = warehouse_freshness(home)
    assert state.now.generation == len(loaded) == 5
    assert state.needs_link and not state.current and state.published is None
    assert len(state.undone()) == 2 and "never linked" in state.undone()[0]

    link_warehouse(home)
    state = warehouse_freshness(home)
    assert not state.needs_link and not state.current, "linked, not yet published"
    assert state.undone() == [
        "check quality, build the marts and publish analytics.duckdb (never published)"
    ]

    stamp = _publish(home)
    state = warehouse_freshness(home)
    assert state.current and state.published == state.now == stamp and state.undone() == []
    assert _query(home.analytics, "SELECT generation, link_run_id FROM meta.publication") == [
        (stamp.generation, stamp.link_run_id)
    ]
    assert _query(
        home.warehouse, "SELECT stage, generation, link_run_id, dagster_run_id FROM audit.stages"
    ) == [
        ("linked", 5, stamp.link_run_id, None),
        ("published", 5, stamp.link_run_id, "test-run"),
    ]

    retract(home, _file_of(home, "civil_affairs_cases"), "sent by mistake")
    state = warehouse_freshness(home)
    assert state.now.generation == 6 and state.needs_link and not state.current
    link_warehouse(home)
    assert not warehouse_freshness(home).current
    _publish(home)
    assert warehouse_freshness(home).current

    # Reprocessing an unchanged file (a load and an action) changes no link: the link run is
    # skipped, yet the warehouse knows it was linked at the new generation.
    reprocess(home, _file_of(home, "housing_occupants"))
    state = warehouse_freshness(home)
    assert state.now.generation == 8 and state.needs_link
    assert link_warehouse(home).nothing_new
    state = warehouse_freshness(home)
    assert not state.needs_link and not state.current, "staging changed since the publication"
    before = _publish(home)
    assert warehouse_freshness(home).current

    # A full relink keeps the generation but not the link run: the file is stale again.
    link_warehouse(home, "full")
    state = warehouse_freshness(home)
    assert state.now.generation == before.generation and not state.needs_link
    assert state.now.link_run_id != before.link_run_id and not state.current


def test_an_analytics_file_without_a_stamp_is_not_current(tmp_path):
    old = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.publication (published_at TIMESTAMP, tables INTEGER)")
        con.execute("INSERT INTO meta.publication VALUES (now(), 3)")
    assert published_stamp(old) is None
    assert published_stamp(tmp_path / "missing.duckdb") is None
