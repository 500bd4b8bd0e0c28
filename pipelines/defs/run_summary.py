"""The run summary, stored on the Dagster run it describes.

`causeway run` prints a summary; the UI shows the same one on the run: an event in the
run's log whose metadata holds the summary as text and its figures one by one, and tags
(outcome, rows, quality) that the runs list shows. The CLI records it as its run ends;
runs the UI, a sensor or a schedule launches are recorded by the sensors here, which the
daemon evaluates when a run succeeds or fails.
"""

from __future__ import annotations

import logging
from typing import Any

import dagster as dg

# EngineEventData is how an event outside a step carries metadata; Dagster does not
# export it at the top level (1.13).
from dagster._core.events import EngineEventData

from connectors.home import Home
from pipelines import summary
from pipelines.defs.resources import CausewayHome
from pipelines.freshness_view import freshness
from pipelines.run_outcome import CLI_TAG, HeadlessRun, read_outcome

LOG = logging.getLogger(__name__)
SUMMARY_EVENT = "Causeway run summary"
OUTCOME_TAG = "causeway/outcome"
ROWS_TAG = "causeway/rows"
QUALITY_TAG = "causeway/quality"  # the run summary's quality line, shown on the run in the UI
PUBLISHED_TAG = "causeway/published"


def record_summary(inst: dg.DagsterInstance, home: Home, outcome: HeadlessRun) -> dict[str, Any]:
    """Store the summary of `outcome` on its run; returns the summary as data."""
    outcome.fresh = freshness(home)
    outcome.left = summary.left_for_next_run(home, outcome) if outcome.loaded_files else []
    outcome.refused = dict(home.refused_folders())
    data = summary.summary_data(outcome)
    text = summary.summary_text(outcome)
    run = inst.get_run_by_id(outcome.run_id)
    if run is None:
        return data
    metadata: dict[str, dg.MetadataValue] = {
        "summary": dg.MetadataValue.md(f"```\n{text.rstrip()}\n```"),
        "outcome": dg.MetadataValue.text(data["outcome"]),
        "exit code": dg.MetadataValue.int(data["exit_code"]),
        "quality": dg.MetadataValue.text(data["quality"]["line"]),
        **_figures(data),
    }
    try:
        inst.report_engine_event(SUMMARY_EVENT, run, EngineEventData(metadata=metadata))
        inst.add_run_tags(outcome.run_id, _tags(data))
    except Exception:  # the run is over and its work stands: a summary not stored is a warning
        LOG.warning("the run summary could not be stored on run %s", outcome.run_id, exc_info=True)
    return data


def _figures(data: dict[str, Any]) -> dict[str, dg.MetadataValue]:
    files = data["files"]
    out: dict[str, dg.MetadataValue] = {}
    if files:
        loaded, aside = _rows(files)
        out["files"] = dg.MetadataValue.int(len(files))
        out["rows loaded"] = dg.MetadataValue.int(loaded)
        out["rows quarantined"] = dg.MetadataValue.int(aside)
        out["files rejected"] = dg.MetadataValue.int(sum(f["status"] == "rejected" for f in files))
    if data["link"] is not None:
        out["persons"] = dg.MetadataValue.int(data["link"]["persons"])
    analytics = data["analytics"] or {}
    published = analytics.get("publication")
    if published:
        out["published at"] = dg.MetadataValue.text(published["published_at"])
        out["as of"] = dg.MetadataValue.text(published["as_of"])
        out["analytics"] = dg.MetadataValue.path(published["path"])
    if data["next_steps"]:
        out["next steps"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in data["next_steps"]))
    return out


def _rows(files: list[dict[str, Any]]) -> tuple[int, int]:
    """Rows loaded and rows quarantined by the run's files."""
    return sum(f["rows_loaded"] for f in files), sum(f["rows_quarantined"] for f in files)


def _tags(data: dict[str, Any]) -> dict[str, str]:
    tags = {OUTCOME_TAG: data["outcome"], QUALITY_TAG: data["quality"]["line"]}
    files = data["files"]
    if files:
        loaded, aside = _rows(files)
        tags[ROWS_TAG] = f"{len(files)} file(s): {loaded:,} loaded, {aside:,} set aside"
    published = (data["analytics"] or {}).get("publication")
    if published:
        tags[PUBLISHED_TAG] = f"{published['published_at']} (as of {published['as_of']})"
    return tags


def _record_launched(context: dg.RunStatusSensorContext, home: CausewayHome) -> None:
    run = context.dagster_run
    if run.tags.get(CLI_TAG) or run.tags.get(OUTCOME_TAG):
        return  # the CLI records its own runs; a run is recorded once
    place = home.home()
    record_summary(context.instance, place, read_outcome(context.instance, place, run.run_id))


def _summary_sensor(status: dg.DagsterRunStatus, name: str) -> dg.SensorDefinition:
    @dg.run_status_sensor(
        run_status=status,
        name=f"run_summary_on_{name}",
        description=f"Stores the run summary on every run that ends in {name}.",
        default_status=dg.DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
    )
    def _sensor(context: dg.RunStatusSensorContext, home: CausewayHome) -> None:
        _record_launched(context, home)

    return _sensor


summary_on_success = _summary_sensor(dg.DagsterRunStatus.SUCCESS, "success")
summary_on_failure = _summary_sensor(dg.DagsterRunStatus.FAILURE, "failure")
run_summary_sensors = [summary_on_success, summary_on_failure]
