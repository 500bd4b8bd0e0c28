"""Every run ends published: what a killed run left undone is finished by the next
`causeway run`, and publish, retract and link bring analytics.duckdb up to date, through
the Dagster assets on the data home's own instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
from typer.testing import CliRunner

from connectors.home import Home
from demo import generate
from pipelines.cli import app
from pipelines.defs.core import LINK_STEP
from pipelines.defs.publication import PUBLISHED_KEY
from pipelines.headless import instance
from warehouse.ingest.intake import process_pending

runner = CliRunner()
SOURCES = {
    "civil_affairs_cases",
    "health_residents",
    "housing_occupants",
    "police_incidents",
    "police_residents",
}
BY_SOURCE = "SELECT source, count(*) FROM core.person_source GROUP BY source ORDER BY source"
# The published files cannot hold person-level records; the outreach list says which
# departments know each vulnerable resident, and the analytics file counts them.
BY_DEPARTMENT = (
    "SELECT d, count(*) FROM (SELECT unnest(departments) AS d FROM mart.vulnerable_residents) "
    "GROUP BY d ORDER BY d"
)
VULNERABLE = "SELECT count(*) FROM mart.vulnerable_residents"


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _demo(root: Path) -> Home:
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, 300, 6, 1)
    return home


def _reflects_the_warehouse(home: Home) -> None:
    """The published files reflect every linked record of the warehouse."""
    assert {source for source, _ in _query(home.warehouse, BY_SOURCE)} == SOURCES
    assert _query(home.outreach, BY_DEPARTMENT) == _query(home.warehouse, BY_DEPARTMENT)
    assert len(_query(home.outreach, BY_DEPARTMENT)) == 4
    published = "SELECT rows_in FROM meta.disclosure WHERE table_name = 'mart.vulnerable_residents'"
    assert _query(home.analytics, published) == _query(home.warehouse, VULNERABLE)


def _wait_for_step(inst: dg.DagsterInstance, step: str, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 240
    while True:
        for run in inst.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
            starts = inst.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
            if any(record.step_key == step for record in starts):
                return
        assert child.poll() is None, "the run ended before it reached the step"
        assert time.monotonic() < deadline, f"the run never reached {step}"
        time.sleep(0.1)


def _published_by(inst: dg.DagsterInstance) -> str:
    event = inst.get_latest_materialization_event(PUBLISHED_KEY)
    assert event is not None
    return event.run_id


def test_a_run_killed_while_linking_is_finished_by_the_next_run(tmp_path):
    home = _demo(tmp_path)
    inst = instance(home)  # created here once, before the child opens it
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-m", "pipelines.cli", "run", "--home", str(home.root)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _wait_for_step(inst, LINK_STEP, child)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not home.analytics.exists(), "killed before publishing"
    assert not list(home.ingest.glob("*/*.*")), "the loads had committed"

    code, out = _cli("run", "--home", str(home.root))
    assert code == 0, out
    assert "Nothing new in the ingest folders; finishing what an earlier run left undone" in out
    assert "never linked" in out and "analytics.duckdb is current (generation 5" in out
    _reflects_the_warehouse(home)
    runs = inst.get_runs()
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    assert _published_by(inst) == runs[0].run_id

    code, out = _cli("run", "--home", str(home.root))
    assert (code, out) == (0, "Nothing new in the ingest folders: nothing to do.")
    assert len(inst.get_runs()) == 2, "a current warehouse starts no run"


def _content(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM meta.tables").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def test_publish_retract_and_relink_keep_the_analytics_file_current(tmp_path):
    home = _demo(tmp_path)
    process_pending(home)  # a run that loaded and then stopped
    code, out = _cli("status", "--home", str(home.root))
    assert code == 0 and "analytics.duckdb is not current; `causeway run` will:" in out
    assert "(never published)" in out

    code, out = _cli("publish", "--home", str(home.root))
    assert code == 0, out
    assert "Linked (full" in out and "analytics.duckdb is current (generation 5" in out
    _reflects_the_warehouse(home)
    first = _content(home.analytics)
    code, out = _cli("publish", "--home", str(home.root))
    assert code == 0 and "Linked" not in out, "nothing new to link the second time"
    assert _content(home.analytics) == first, "publishing a current warehouse changes nothing"
    inst = instance(home)
    assert _published_by(inst) == inst.get_runs()[0].run_id
    stages = "SELECT stage, generation FROM audit.stages WHERE stage = 'published'"
    assert _query(home.warehouse, stages) == [("published", 5), ("published", 5)]

    code, out = _cli("link", "--home", str(home.root))
    assert (code, out) == (0, "Nothing new to link.")
    assert len(inst.get_runs()) == 2

    civil = _query(
        home.warehouse,
        "SELECT file_id FROM audit.file_loads WHERE source = 'civil_affairs_cases'",
    )[0][0]
    code, out = _cli("retract", civil, "--reason", "sent by mistake", "--home", str(home.root))
    assert code == 0, out
    assert f"Retracted {civil}" in out and "analytics.duckdb is current (generation 6" in out
    sources = dict(_query(home.warehouse, BY_SOURCE))
    assert set(sources) == SOURCES - {"civil_affairs_cases"}
    departments = dict(_query(home.outreach, BY_DEPARTMENT))
    assert "civil_affairs" not in departments
    assert _query(home.outreach, BY_DEPARTMENT) == _query(home.warehouse, BY_DEPARTMENT)

    code, out = _cli("link", "--full", "--home", str(home.root))
    assert code == 0 and "Linked (full" in out and "analytics.duckdb is current" in out
    assert _query(home.outreach, BY_DEPARTMENT) == _query(home.warehouse, BY_DEPARTMENT)
