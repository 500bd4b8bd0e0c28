"""The jobs tests/pipelines/test_multiprocess.py launches, at module level so that the
processes the executor starts can import them; one name per staging.yaml a test uses."""

from __future__ import annotations

import dagster as dg

from pipelines.staging_job import staging_job

# Three departments' sources: enough to see a process each and one writer at a time.
SOURCES = ("civil_affairs_cases", "health_residents", "police_residents")


def staging_in_processes() -> dg.JobDefinition:
    return staging_job("staging_in_processes", SOURCES)


def staging_read_per_source() -> dg.JobDefinition:
    return staging_job("staging_read_per_source", SOURCES)
