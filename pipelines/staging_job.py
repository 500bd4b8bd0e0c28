"""The staging steps as one job on Dagster's multiprocess executor, the executor a run
launched from the UI, the daemon or a run launcher uses; tests and benchmarks launch it
with `execute_job` from a module-level function of their own (`reconstructable` needs
one, and Dagster keeps a job it loaded for the life of the process, so a job read with
another staging.yaml needs another name)."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.defs.staging import staging_key


def staging_job(
    name: str, sources: Sequence[str] = (), max_concurrent: int = 4
) -> dg.JobDefinition:
    """The staging assets of `sources` (all when empty), with their checks."""
    everything = build_definitions()
    selection = (
        dg.AssetSelection.assets(*(staging_key(s) for s in sources))
        if sources
        else dg.AssetSelection.groups("staging")
    )
    job = dg.define_asset_job(
        name,
        selection=selection,
        executor_def=dg.multiprocess_executor.configured({"max_concurrent": max_concurrent}),
    )
    return dg.Definitions.merge(everything, dg.Definitions(jobs=[job])).resolve_job_def(name)
