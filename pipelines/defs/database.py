"""Database sources: one staging asset and one schedule per `database` contract.

The asset extracts what changed since the source's cursor, in the same warehouse pool as
every other writer; the schedule (the contract's cron, hourly by default) runs it.
"""

import time
from collections.abc import Sequence

import dagster as dg

from connectors.names import display_name
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import load_metadata, staging_key
from schemas.contracts import SourceContract
from warehouse.db import LoadResult
from warehouse.ingest import pull_database


def database_asset(contract: SourceContract) -> dg.AssetsDefinition:
    db = contract.database
    assert db is not None

    @dg.asset(
        key=staging_key(contract.source),
        group_name="staging",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "sql"},
        description=contract.description,
        metadata={
            "department": contract.department,
            "mode": contract.mode.value,
            "reads": db.relation,
            "cursor": db.cursor.column,
            "url_env": db.url_env or "(in the contract)",
        },
    )
    def _extract(context: dg.AssetExecutionContext, home: CausewayHome) -> dg.MaterializeResult:
        started = time.perf_counter()

        def log(r: LoadResult) -> None:
            name = display_name(r.file_name)
            context.log.info(f"{r.file_id} {name}: {r.status}, {r.rows_loaded}/{r.rows_in}")

        results = pull_database(
            home.home(),
            contract.source,
            progress=log,
            on_wait=context.log.info,
            dagster_run_id=context.run.run_id,
        )
        metadata = load_metadata(results, time.perf_counter() - started)
        metadata["batches"] = metadata.pop("files")
        return dg.MaterializeResult(metadata=metadata)

    return _extract


def database_schedule(contract: SourceContract) -> dg.ScheduleDefinition:
    assert contract.database is not None
    return dg.ScheduleDefinition(
        name=f"{contract.source}_extract",
        cron_schedule=contract.database.schedule,
        target=[staging_key(contract.source)],
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Extracts changed rows of {contract.database.relation} into staging.",
    )


def database_sources(contracts: Sequence[SourceContract]) -> list[SourceContract]:
    return sorted((c for c in contracts if c.database is not None), key=lambda c: c.source)


def database_assets(contracts: Sequence[SourceContract]) -> list[dg.AssetsDefinition]:
    return [database_asset(c) for c in database_sources(contracts)]


def database_schedules(contracts: Sequence[SourceContract]) -> list[dg.ScheduleDefinition]:
    return [database_schedule(c) for c in database_sources(contracts)]
