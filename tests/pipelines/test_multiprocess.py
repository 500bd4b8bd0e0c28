"""Dagster's multiprocess executor on the DuckDB-file warehouse: the staging assets of
three departments run in a process each, and the single-writer pool (dagster.yaml:
one slot for `warehouse`) lets one of them write at a time, so none fails on DuckDB's
exclusive file lock and every file is loaded. (Writers in parallel need a warehouse
that takes several: docs/scale.md.)"""

from __future__ import annotations

import itertools

import dagster as dg
import duckdb

from connectors.home import Home
from demo import generate
from pipelines.headless import instance
from tests.pipelines.multiprocess_job import SOURCES, staging_in_processes


def test_staging_steps_run_in_their_own_processes_one_writer_at_a_time(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path / "home").ensure()
    generate(home.ingest, home.demo_truth, 300, 6, 1)
    monkeypatch.setenv("CAUSEWAY_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))
    with instance(home) as dagster:
        result = dg.execute_job(dg.reconstructable(staging_in_processes), dagster)
        assert result.success
        stats = dagster.get_run_step_stats(result.run_id)
        pids = {
            e.step_key: e.dagster_event.pid
            for e in dagster.all_logs(result.run_id, of_type=dg.DagsterEventType.STEP_START)
            if e.step_key.startswith("staging__")
        }
    staged = sorted(s for s in stats if s.step_key.startswith("staging__"))
    assert sorted(s.step_key for s in staged) == [f"staging__{s}" for s in SOURCES]
    assert len(set(pids.values())) == len(SOURCES), "a process each"
    windows = sorted((s.start_time, s.end_time) for s in staged)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start >= end, "two writers held the warehouse at once"
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        loads = con.execute(
            "SELECT count(*), sum(rows_in - rows_loaded - rows_quarantined) FROM audit.file_loads"
        ).fetchall()
    assert loads == [(len(SOURCES), 0)]
