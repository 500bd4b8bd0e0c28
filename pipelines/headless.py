"""`causeway run` as a Dagster run on the persistent instance under the data home.

Runs started here carry their process ID. A run killed with SIGKILL stays STARTED and
keeps its pool slot (Dagster's run monitoring frees only finished runs), so before each
run, STARTED runs whose process is gone are marked failed and their slots freed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from connectors.home import Home
from connectors.modes import restrict_umask
from pipelines import summary
from pipelines.definitions import build_definitions
from pipelines.defs.core import LINK_STEP
from pipelines.defs.quality import HELD_CHECK
from pipelines.defs.resources import CausewayHome
from pipelines.summary import FailedCheck
from warehouse.db import LoadResult, warehouse_freshness
from warehouse.lake import catch_up
from warehouse.linking import LinkResult, run_outcome
from warehouse.quality import QualityTally, quality_tally

PID_TAG = "causeway/pid"
CLI_TAG = "causeway/cli"
QUALITY_TAG = "causeway/quality"  # the run summary's quality line, shown on the run in the UI
ALIVE = (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
CHECK_FAILED = "DagsterAssetCheckFailedError"
FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "  # a step's own dg.Failure
# What follows a load: the staging gates (alone, on what staging holds), then the link, the
# core gates, the marts and the publication.
STAGING_GATES = (
    dg.AssetSelection.groups("staging") - dg.AssetSelection.groups("staging").without_checks()
)
AFTER_LINKING = dg.AssetSelection.groups("core").downstream()


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

    @property
    def blocked(self) -> bool:
        """Only blocking quality checks failed; the pipeline itself ran."""
        return bool(self.failed_checks) and self.error is None


def instance(home: Home) -> dg.DagsterInstance:
    """The instance in `<home>/dagster`, created by one process at a time (two processes
    creating the sqlite storage at once collide on its schema migration)."""
    os.environ["DAGSTER_HOME"] = str(home.dagster)
    with (home.dagster / ".create.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return dg.DagsterInstance.get()


def _alive(pid: int) -> bool:
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"causeway" in cmdline.read_bytes() or b"pipelines" in cmdline.read_bytes()
    except OSError:
        return False


def release_dead_runs(inst: dg.DagsterInstance) -> list[str]:
    """Fail CLI runs whose process died, and free the pool slots they hold."""
    released = []
    for run in inst.get_runs(filters=dg.RunsFilter(statuses=list(ALIVE), tags={CLI_TAG: "1"})):
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and _alive(pid):
            continue
        inst.report_run_failed(run)
        inst.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def run_everything(
    home: Home,
    selection: dg.AssetSelection | Sequence[dg.AssetKey] | None = None,
    run_config: dict | None = None,
) -> HeadlessRun:
    """Materialize every asset in this process, on the persistent instance."""
    restrict_umask()
    catch_up(home)  # a warehouse behind the shared one pulls it before anything writes
    inst = instance(home)
    release_dead_runs(inst)
    defs = build_definitions(home)
    assets = [*(defs.assets or []), *(defs.asset_checks or [])]
    result = dg.materialize(
        assets,
        instance=inst,
        resources={"home": CausewayHome(root=str(home.root))},
        run_config={**QUIET, **(run_config or {})},
        tags={PID_TAG: str(os.getpid()), CLI_TAG: "1"},
        raise_on_error=False,
        selection=selection,
    )
    checks = _failed_checks(result.get_asset_check_evaluations())
    held = [c for c in checks if c.name.endswith(f":{HELD_CHECK}")]
    failed_checks = [c for c in checks if c not in held]
    error = failed_step = None
    if not result.success:
        failures = [
            e
            for e in result.all_events
            if e.is_step_failure and e.step_failure_data.error.cls_name != CHECK_FAILED
        ]
        if failures or not failed_checks:
            error = (
                failures[0].step_failure_data.error.message.strip() if failures else "run failed"
            ).removeprefix(FAILURE_PREFIX)
            failed_step = failures[0].step_key if failures else None
    outcome = run_outcome(home, result.run_id)
    tally = quality_tally(home, result.run_id)
    inst.add_run_tags(result.run_id, {QUALITY_TAG: summary.quality_line(tally)})
    return HeadlessRun(
        result.run_id,
        result.success,
        outcome.loads,
        error,
        failed_checks,
        outcome.link,
        held,
        failed_step,
        tally,
    )


def finish_everything(home: Home, link_mode: str = "auto", engine: str = "") -> HeadlessRun:
    """Link, check, build the marts and publish what the warehouse holds, loading nothing:
    what an interrupted run left undone, or what a retraction, a reprocessing or a relink
    changed. The same assets as `causeway run`, so the same gates and the same masking.

    The staging gates run first when staging changed after the last link (their verdict
    on those changes is still due); otherwise the link has seen it all and they are skipped.
    """
    state = warehouse_freshness(home)
    selection = AFTER_LINKING
    if state is None or state.needs_link:
        selection = STAGING_GATES | AFTER_LINKING
    config = {"ops": {LINK_STEP: {"config": {"mode": link_mode, "engine": engine}}}}
    return run_everything(home, selection=selection, run_config=config)


def _failed_checks(evaluations: Sequence[dg.AssetCheckEvaluation]) -> list[FailedCheck]:
    out = []
    for e in evaluations:
        if e.passed or e.severity != dg.AssetCheckSeverity.ERROR:
            continue
        found = e.metadata.get("failures")
        failures = list(found.value) if found is not None else []
        out.append(FailedCheck(f"{e.asset_key.to_user_string()}:{e.check_name}", failures))
    return out
