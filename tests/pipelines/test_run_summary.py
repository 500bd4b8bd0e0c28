"""The run summary is stored on runs the CLI did not start too (the UI, a sensor, a
schedule): the daemon's run-status sensors read the run's events and the warehouse and
record the same summary `causeway run` prints."""

import dagster as dg

from connectors.home import HOME_ENV, Home
from demo import generate
from pipelines.definitions import build_definitions
from pipelines.defs.resources import CausewayHome
from pipelines.defs.run_summary import (
    OUTCOME_TAG,
    ROWS_TAG,
    SUMMARY_EVENT,
    summary_on_failure,
    summary_on_success,
)
from pipelines.defs.staging import staging_key
from pipelines.headless import instance
from pipelines.run_outcome import CLI_TAG


def _launched(home: Home, inst: dg.DagsterInstance, selection, tags=None) -> dg.DagsterRun:
    """A run as the UI would launch it: no CLI tags, the code location's own definitions."""
    defs = build_definitions(home)
    result = dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],
        instance=inst,
        resources={"home": CausewayHome(root=str(home.root))},
        selection=selection,
        raise_on_error=False,
        tags=tags or {},
    )
    return inst.get_run_by_id(result.run_id)


def _evaluate(sensor, inst: dg.DagsterInstance, run: dg.DagsterRun, home: Home) -> None:
    (event,) = [
        r.event_log_entry.dagster_event
        for r in inst.get_records_for_run(run.run_id).records
        if r.event_log_entry.dagster_event
        and r.event_log_entry.dagster_event.event_type
        in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)
    ]
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=event,
        dagster_instance=inst,
        dagster_run=run,
        resources={"home": CausewayHome(root=str(home.root))},
    )
    sensor(context)


def _stored(inst: dg.DagsterInstance, run_id: str) -> list[dict]:
    return [
        r.event_log_entry.dagster_event.engine_event_data.metadata
        for r in inst.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
        if r.event_log_entry.dagster_event.message == SUMMARY_EVENT
    ]


def test_a_launched_run_gets_the_summary_a_cli_run_gets_once(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path).ensure()
    monkeypatch.setenv(HOME_ENV, str(home.root))
    generate(home.ingest, home.demo_truth, 200, 5, 1)
    inst = instance(home)
    try:
        loaded = _launched(home, inst, [staging_key("police_residents")])
        assert loaded.status == dg.DagsterRunStatus.SUCCESS
        # Before each file is read, its step says which and how large (a progress bar's word).
        said = [
            r.event_log_entry.user_message
            for r in inst.get_records_for_run(loaded.run_id).records
            if r.event_log_entry.step_key == "staging__police_residents"
        ]
        assert any(m.startswith("reading police_residents_202609.csv (") for m in said), said
        _evaluate(summary_on_success, inst, loaded, home)
        (stored,) = _stored(inst, loaded.run_id)
        text = stored["summary"].value
        assert "This run" in text and "police" in text and "health" not in text
        assert stored["outcome"].value == "succeeded" and stored["files"].value == 1
        tags = inst.get_run_by_id(loaded.run_id).tags
        assert tags[OUTCOME_TAG] == "succeeded" and tags[ROWS_TAG].startswith("1 file(s): ")
        _evaluate(summary_on_success, inst, inst.get_run_by_id(loaded.run_id), home)
        assert len(_stored(inst, loaded.run_id)) == 1, "a run is recorded once"

        # A run the CLI started records its own summary: the sensor leaves it alone.
        cli = _launched(home, inst, [staging_key("health_residents")], tags={CLI_TAG: "1"})
        _evaluate(summary_on_success, inst, cli, home)
        assert _stored(inst, cli.run_id) == []

        # A failed run: what failed, in which step, and what to do; the warehouse it
        # could not open cannot stop the summary either.
        home.warehouse.rename(home.root / "kept.duckdb")
        home.warehouse.write_bytes(b"not a database")
        failed = _launched(home, inst, [staging_key("civil_affairs_cases")])
        assert failed.status == dg.DagsterRunStatus.FAILURE
        _evaluate(summary_on_failure, inst, failed, home)
        (stored,) = _stored(inst, failed.run_id)
        assert stored["outcome"].value == "failed" and stored["exit code"].value == 2
        assert "The pipeline failed" in stored["summary"].value
        assert "stays in its ingest folder" in stored["next steps"].value
    finally:
        inst.dispose()
