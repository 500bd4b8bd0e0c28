"""Status counts what is live: rows in the current views, and retracted or superseded files
apart; the snapshot says the same while a run holds the warehouse."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest

from connectors.home import Home
from tests.warehouse.file_history import file_history
from warehouse.db.ddl import qualified
from warehouse.db.snapshot import read_summary

HOLD = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); "
    "sys.stdin.read()"
)


@contextmanager
def another_process_holding(home: Home) -> Iterator[None]:
    """The warehouse open for writing in another process, as a run holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(home.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield
    finally:
        holder.communicate("", timeout=60)


@pytest.fixture
def history(tmp_path) -> tuple[Home, dict[str, str]]:
    home = Home.resolve(tmp_path).ensure()
    return home, file_history(home)


def current_rows(home: Home) -> dict[str, int]:
    """Rows in every source's current view, per department, straight from the warehouse."""
    out: dict[str, int] = {}
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        for contract in home.contracts().values():
            view = qualified(contract.staging_table + "_current")
            count = con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]
            out[contract.department] = out.get(contract.department, 0) + count
    return {d: n for d, n in out.items() if n}


def test_status_counts_current_rows_and_sets_retracted_and_superseded_files_apart(history):
    home, ids = history
    data, as_of = read_summary(home)
    assert as_of is None, "read live"
    departments = {d["department"]: d for d in data["departments"]}
    assert {d: r["loaded"] for d, r in departments.items()} == current_rows(home)
    assert current_rows(home) == {"police": 1, "civil_affairs": 2}
    assert departments["police"]["files"] == departments["civil_affairs"]["files"] == 1
    apart = {f["file_id"]: f["happened"] for f in data["set_apart"]}
    assert set(apart) == {ids["police_1"], ids["civil_1"], ids["civil_2"]}
    assert apart[ids["civil_2"]].startswith("retracted on ")
    assert apart[ids["civil_2"]].endswith(": sent by mistake")
    assert apart[ids["civil_1"]].startswith(f"superseded: reprocessed as {ids['civil_1_again']}")
    assert apart[ids["police_1"]] == "superseded: later files replaced every one of its rows"


def test_while_a_run_holds_the_warehouse_status_reads_the_same_from_the_snapshot(history):
    home, _ = history
    live, _ = read_summary(home)
    with another_process_holding(home):
        during, as_of = read_summary(home)
    assert as_of is not None, "the writer's file was not needed"
    assert during == live
