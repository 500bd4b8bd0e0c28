"""The Causeway code location: every layer's definitions, merged.

Dagster's code server and every run worker it starts import this module, so it is where
those processes restrict their umask (connectors/modes.py), as the `causeway` CLI does."""

from __future__ import annotations

import dagster as dg

from connectors.home import Home
from connectors.modes import restrict_umask
from pipelines.defs.core import (
    NIGHTLY_RELINK,
    automation_sensor,
    core_assets,
    core_quality_checks,
    nightly_relink_schedule,
    review_queue,
)
from pipelines.defs.database import database_assets, database_schedules
from pipelines.defs.lake import lake_commit
from pipelines.defs.marts import mart_assets
from pipelines.defs.publication import analytics_published
from pipelines.defs.quality import staging_quality_checks
from pipelines.defs.resources import home_resource
from pipelines.defs.run_summary import run_summary_sensors
from pipelines.defs.sensors import folder_sensors
from pipelines.defs.staging import staging_assets
from pipelines.defs.unmatched import unmatched_files
from warehouse.ingest import reads_per_source
from warehouse.lake import LakeConfigError, configured_lake


def build_definitions(home: Home | None = None) -> dg.Definitions:
    home = home or Home.resolve()
    contracts = list(home.contracts().values())
    files = [c for c in contracts if c.database is None]
    lake = [lake_commit] if _lake_named(home) else []
    return dg.Definitions(
        assets=[
            *staging_assets(files, pooled=not reads_per_source(home)),
            *database_assets(contracts),
            unmatched_files,
            core_assets(contracts),
            review_queue,
            mart_assets(contracts),
            analytics_published,
            *lake,
        ],
        asset_checks=[*staging_quality_checks(contracts), *core_quality_checks()],
        jobs=[NIGHTLY_RELINK],
        schedules=[nightly_relink_schedule, *database_schedules(contracts)],
        sensors=[*folder_sensors(files), automation_sensor, *run_summary_sensors],
        resources={"home": home_resource()},
    )


def _lake_named(home: Home) -> bool:
    """Whether the environment names a lake; a malformed one too, so that its asset fails
    with the reason rather than the code location failing to load."""
    try:
        return configured_lake(home) is not None
    except LakeConfigError:
        return True


restrict_umask()
defs = build_definitions()
