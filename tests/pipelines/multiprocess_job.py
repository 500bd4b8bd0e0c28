"""The staging assets as a job on Dagster's multiprocess executor, importable by the
processes it starts (`reconstructable` needs a module-level function): the executor a
run launched from the UI, the daemon or a run launcher uses."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_definitions

STAGING_JOB = "staging_in_processes"
PER_SOURCE_JOB = "staging_read_per_source"
# Three departments' sources: enough to see a process each and one writer at a time.
SOURCES = ("civil_affairs_cases", "health_residents", "police_residents")


def staging_in_processes() -> dg.JobDefinition:
    return _job(STAGING_JOB)


def staging_read_per_source() -> dg.JobDefinition:
    """The same job under a name of its own: Dagster keeps the job a reconstructable
    pointer loaded for the life of the process, and staging.yaml is read when it loads."""
    return _job(PER_SOURCE_JOB)


def _job(name: str) -> dg.JobDefinition:
    job = dg.define_asset_job(
        name,
        selection=dg.AssetSelection.assets(*(dg.AssetKey(["staging", s]) for s in SOURCES)),
        executor_def=dg.multiprocess_executor.configured({"max_concurrent": 4}),
    )
    return dg.Definitions.merge(build_definitions(), dg.Definitions(jobs=[job])).resolve_job_def(
        name
    )
