"""What a Dagster run of the pipeline came to, read from the instance's own event log.

One reading for every run: the CLI's in-process runs and the runs the UI, a sensor or a
schedule launches, so the summary a clerk reads after `causeway run` and the one stored
on a run in the UI are made from the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb

from connectors.home import Home
from pipelines.defs.lake import LAKE_STEP
from pipelines.defs.quality import HELD_CHECK
from pipelines.defs.staging import staging_key
from warehouse.db import LoadResult
from warehouse.linking import LinkResult, RunOutcome, run_outcome
from warehouse.quality import QualityTally, quality_tally

PID_TAG = "causeway/pid"  # the process of a run the CLI started (headless.py)
CLI_TAG = "causeway/cli"
CHECK_FAILED = "DagsterAssetCheckFailedError"
FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "  # a step's own dg.Failure
STAGING_PREFIX = staging_key("").to_python_identifier()  # staging steps' keys: staging__<source>


@dataclass
class FailedCheck:
    """A blocking quality check that failed, and what it found."""

    name: str
    failures: list[str] = field(default_factory=list)


@dataclass
class HeadlessRun:
    run_id: str
    success: bool
    results: list[LoadResult]
    error: str | None
    failed_checks: list[FailedCheck] = field(default_factory=list)
    link: LinkResult | None = None
    held: list[FailedCheck] = field(default_factory=list)  # loads held back; the rest went on
    failed_step: str | None = None  # the step whose failure `error` is
    quality: QualityTally = field(default_factory=QualityTally)
    loaded_files: bool = True  # a run that read the ingest folders, not one that finished
    staged: tuple[str, ...] | None = None  # the sources it read; None: every one
    # As the run ended, read once for the summary (defs/run_summary.py record_summary):
    fresh: dict[str, Any] | None = None  # whether analytics.duckdb was current
    left: list[str] = field(default_factory=list)  # files left in the folders it read
    refused: dict[str, str] = field(default_factory=dict)  # department folders refused
    summary: dict[str, Any] = field(default_factory=dict)  # the summary stored on the run

    @property
    def blocked(self) -> bool:
        """Only blocking quality checks failed; the pipeline itself ran."""
        return bool(self.failed_checks) and self.error is None

    @property
    def not_pushed(self) -> bool:
        """Published here, but the lake commit failed."""
        return not self.success and not self.blocked and self.failed_step == LAKE_STEP


def read_outcome(inst: dg.DagsterInstance, home: Home, run_id: str) -> HeadlessRun:
    """The outcome of run `run_id`: its loads and link (from the warehouse's audit), its
    quality tally, the blocking checks and held loads, and the first step failure."""
    run = inst.get_run_by_id(run_id)
    success = run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    checks = _failed_checks([e.event_specific_data for e in _events(inst, run_id, _EVALUATION)])
    held = [c for c in checks if c.name.endswith(f":{HELD_CHECK}")]
    failed_checks = [c for c in checks if c not in held]
    error = failed_step = None
    if not success:
        failures = [
            e
            for e in _events(inst, run_id, dg.DagsterEventType.STEP_FAILURE)
            if e.step_failure_data.error is None
            or e.step_failure_data.error.cls_name != CHECK_FAILED
        ]
        if failures or not failed_checks:
            first = failures[0] if failures else None
            message = (
                first.step_failure_data.error.message.strip()
                if first is not None and first.step_failure_data.error is not None
                else "run failed"
            )
            error = message.removeprefix(FAILURE_PREFIX)
            failed_step = first.step_key if first is not None else None
    started = [e.step_key or "" for e in _events(inst, run_id, dg.DagsterEventType.STEP_START)]
    staged = tuple(k.removeprefix(STAGING_PREFIX) for k in started if k.startswith(STAGING_PREFIX))
    try:
        outcome, tally = run_outcome(home, run_id), quality_tally(home, run_id)
    except duckdb.Error:  # a warehouse that cannot be read: the step failure says why
        outcome, tally = RunOutcome(), QualityTally()
    return HeadlessRun(
        run_id,
        success,
        outcome.loads,
        error,
        failed_checks,
        outcome.link,
        held,
        failed_step,
        tally,
        loaded_files=bool(staged),
        staged=staged,
    )


_EVALUATION = dg.DagsterEventType.ASSET_CHECK_EVALUATION


def _events(
    inst: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType
) -> list[dg.DagsterEvent]:
    records = inst.get_records_for_run(run_id, of_type=kind).records
    return [r.event_log_entry.dagster_event for r in records if r.event_log_entry.dagster_event]


def _failed_checks(evaluations: Sequence[dg.AssetCheckEvaluation]) -> list[FailedCheck]:
    out = []
    for e in evaluations:
        if e.passed or e.severity != dg.AssetCheckSeverity.ERROR:
            continue
        found = e.metadata.get("failures")
        failures = list(found.value) if found is not None else []
        out.append(FailedCheck(f"{e.asset_key.to_user_string()}:{e.check_name}", failures))
    return out
