"""Files no contract claims are rejected with a reason, so nothing waits unseen forever."""

import time

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import load_metadata
from warehouse.ingest import UNMATCHED, process_pending

UNMATCHED_KEY = dg.AssetKey(["ingest", "unmatched_files"])


@dg.asset(key=UNMATCHED_KEY, group_name="ingest", pool=WAREHOUSE_POOL, kinds={"duckdb"})
def unmatched_files(context: dg.AssetExecutionContext, home: CausewayHome) -> dg.MaterializeResult:
    """Files in an ingest folder that no source contract matches, rejected with a receipt."""
    started = time.perf_counter()
    results = process_pending(
        home.home(), source=UNMATCHED, on_wait=context.log.info, dagster_run_id=context.run.run_id
    )
    return dg.MaterializeResult(metadata=load_metadata(results, time.perf_counter() - started))
