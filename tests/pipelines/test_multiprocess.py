"""Dagster's multiprocess executor on the DuckDB-file warehouse: the staging assets of
three departments run in a process each. By default the single-writer pool (dagster.yaml:
one slot for `warehouse`) lets one of them run at a time; with per-source readers
(staging.yaml) they read in parallel, each into a DuckDB file of its own, and only the
commits into the warehouse take turns. Either way none fails on DuckDB's exclusive file
lock and every file is loaded. (Why not DuckLake: docs/scale.md.)"""

from __future__ import annotations

import concurrent.futures
import itertools
import time
from collections.abc import Callable

import dagster as dg
import duckdb

from connectors.home import Home
from demo import generate
from pipelines.headless import instance
from tests.pipelines.multiprocess_job import SOURCES, staging_in_processes, staging_read_per_source
from warehouse.db import WriterLock

WAITING = "waiting for the run holding the warehouse"


def _run(
    home: Home, dagster: dg.DagsterInstance, job: Callable[[], dg.JobDefinition]
) -> dg.ExecuteInProcessResult:
    result = dg.execute_job(dg.reconstructable(job), dagster)
    assert result.success
    return result


def _staging_windows(
    home: Home, dagster: dg.DagsterInstance, run_id: str
) -> list[tuple[float, float]]:
    """The three staging steps' (start, end), checked to run in a process each and to
    account for every row."""
    stats = dagster.get_run_step_stats(run_id)
    pids = {
        e.step_key: e.dagster_event.pid
        for e in dagster.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
        if e.step_key.startswith("staging__")
    }
    staged = sorted(s for s in stats if s.step_key.startswith("staging__"))
    assert sorted(s.step_key for s in staged) == [f"staging__{s}" for s in SOURCES]
    assert len(set(pids.values())) == len(SOURCES), "a process each"
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        loads = con.execute(
            "SELECT count(*), sum(rows_in - rows_loaded - rows_quarantined) FROM audit.file_loads"
        ).fetchall()
    assert loads == [(len(SOURCES), 0)]
    return sorted((s.start_time, s.end_time) for s in staged)


def _home(tmp_path, monkeypatch, persons: int = 300) -> Home:
    home = Home.resolve(tmp_path / "home").ensure()
    monkeypatch.setenv("CAUSEWAY_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))
    generate(home.ingest, home.demo_truth, persons, 6, 1)
    return home


def test_staging_steps_run_in_their_own_processes_one_writer_at_a_time(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    with instance(home) as dagster:
        windows = _staging_windows(home, dagster, _run(home, dagster, staging_in_processes).run_id)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start >= end, "two writers held the warehouse at once"


def test_per_source_readers_read_in_parallel_and_commit_one_at_a_time(tmp_path, monkeypatch):
    """While this test holds the warehouse, every department reads its file and then
    waits for the warehouse: all three at once, which the shared pool never allows."""
    home = _home(tmp_path, monkeypatch)
    (home.root / "staging.yaml").write_text("readers: per_source\n", encoding="utf-8")
    with instance(home) as dagster:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            with WriterLock(home.writer_lock):
                running = pool.submit(_run, home, dagster, staging_read_per_source)
                waiting = _steps_waiting(dagster, running)
            result = running.result()
        assert waiting == {f"staging__{s}" for s in SOURCES}, "not all read before the commit"
        _staging_windows(home, dagster, result.run_id)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        commits = con.execute(
            "SELECT started_at, finished_at, status, files FROM audit.runs ORDER BY started_at"
        ).fetchall()
    assert [(status, files) for _, _, status, files in commits] == [("completed", 1)] * 3
    for (_, end, *_), (start, *_) in itertools.pairwise(commits):
        assert start >= end, "two commits held the warehouse at once"
    assert not any(home.reader_dir(s).exists() for s in SOURCES), "a reader left its files"


def _steps_waiting(dagster: dg.DagsterInstance, running: concurrent.futures.Future) -> set[str]:
    """The staging steps that said they wait for the warehouse, once all three have or the
    run has ended (it cannot while the warehouse is held) or a minute and a half passed."""
    deadline = time.monotonic() + 90
    waiting: set[str] = set()
    while len(waiting) < len(SOURCES) and not running.done() and time.monotonic() < deadline:
        time.sleep(0.5)
        runs = dagster.get_runs(limit=1)
        if runs:
            waiting = {
                e.step_key
                for e in dagster.all_logs(runs[0].run_id)
                if e.step_key and WAITING in (e.user_message or "")
            }
    return waiting
