"""The Causeway code location: every layer's definitions, merged."""

from __future__ import annotations

import dagster as dg

from connectors.home import Home
from pipelines.defs.marts import mart_assets
from pipelines.defs.publication import analytics_published
from pipelines.defs.resources import home_resource
from pipelines.defs.sensors import folder_sensors
from pipelines.defs.staging import staging_assets
from pipelines.defs.unmatched import unmatched_files


def build_definitions(home: Home | None = None) -> dg.Definitions:
    contracts = list((home or Home.resolve()).contracts().values())
    return dg.Definitions(
        assets=[
            *staging_assets(contracts),
            unmatched_files,
            mart_assets(contracts),
            analytics_published,
        ],
        sensors=folder_sensors(contracts),
        resources={"home": home_resource()},
    )


defs = build_definitions()
