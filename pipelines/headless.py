"""`causeway run` as a Dagster run on the persistent instance under the data home.

Runs started here carry their process ID. A run killed with SIGKILL stays STARTED and
keeps its pool slot (Dagster's run monitoring frees only finished runs), so before each
run, STARTED runs whose process is gone are marked failed and their slots freed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from connectors.home import Home
from connectors.modes import restrict_umask
from pipelines.definitions import build_definitions
from pipelines.defs.core import LINK_STEP
from pipelines.defs.resources import CausewayHome
from pipelines.defs.run_summary import QUALITY_TAG, record_summary
from pipelines.run_outcome import CLI_TAG, PID_TAG, HeadlessRun, read_outcome
from warehouse.db import warehouse_freshness
from warehouse.lake import catch_up

__all__ = ["CLI_TAG", "PID_TAG", "QUALITY_TAG", "HeadlessRun", "run_everything"]
ALIVE = (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# What follows a load: the staging gates (alone, on what staging holds), then the link, the
# core gates, the marts and the publication.
STAGING_GATES = (
    dg.AssetSelection.groups("staging") - dg.AssetSelection.groups("staging").without_checks()
)
AFTER_LINKING = dg.AssetSelection.groups("core").downstream()


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
    outcome = read_outcome(inst, home, result.run_id)
    if selection is None:  # a run of everything reads every ingest folder
        outcome.loaded_files, outcome.staged = True, None
    outcome.summary = record_summary(inst, home, outcome)
    return outcome


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
