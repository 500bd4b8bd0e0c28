"""The data home as a Dagster resource; its path comes from the environment, never a literal."""

from __future__ import annotations

import dagster as dg

from connectors.home import HOME_ENV, Home

WAREHOUSE_POOL = "warehouse"


class CausewayHome(dg.ConfigurableResource):
    """Where ingest folders, the archive and the warehouse live."""

    root: str

    def home(self) -> Home:
        return Home.resolve(self.root)


def home_resource() -> CausewayHome:
    return CausewayHome(root=dg.EnvVar(HOME_ENV))
