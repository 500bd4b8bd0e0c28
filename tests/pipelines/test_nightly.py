"""The nightly job relinks everyone (a full relink) and republishes, on a real instance."""

import os

import dagster as dg
import duckdb

from connectors.home import HOME_ENV, Home
from demo import generate
from pipelines.definitions import build_definitions
from pipelines.headless import instance
from warehouse.ingest.intake import process_pending
from warehouse.linking.stage import link_warehouse


def test_nightly_relink_relinks_and_republishes(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path).ensure()
    monkeypatch.setenv(HOME_ENV, str(home.root))
    generate(home.ingest, home.demo_truth, 600, 5, 1)
    process_pending(home)
    first = link_warehouse(home)
    assert first.mode == "full"
    defs = build_definitions(home)
    schedule = {s.name: s for s in defs.schedules}["nightly_relink"]
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    job = defs.resolve_job_def("nightly_relink")
    result = job.execute_in_process(instance=instance(home))
    assert result.success
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        modes = con.execute("SELECT mode FROM link.runs ORDER BY started_at").fetchall()
        ids = con.execute(
            "SELECT count(*) FROM core.person_id_history WHERE event = 'created'"
        ).fetchall()[0][0]
    assert modes == [("full",), ("full",)]
    assert ids == first.persons, "the relink of unchanged data renames nobody"
    assert home.analytics.exists()
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.publication").fetchall() == [(1,)]
    assert os.environ[HOME_ENV] == str(home.root)
