"""The shared warehouse's commit as a Dagster asset: after the publication, when a lake is
configured (`CAUSEWAY_WAREHOUSE=iceberg:…`, docs/lake.md)."""

import dagster as dg

from pipelines.defs.publication import PUBLISHED_KEY
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from warehouse.lake import LakeConfigError, LakeConflict, LakeUnavailable, commit_home

LAKE_KEY = dg.AssetKey(["lake", "commit"])
LAKE_STEP = "lake__commit"


@dg.asset(
    key=LAKE_KEY,
    deps=[PUBLISHED_KEY],
    group_name="lake",
    pool=WAREHOUSE_POOL,
    kinds={"iceberg"},
    automation_condition=dg.AutomationCondition.eager(),
)
def lake_commit(context: dg.AssetExecutionContext, home: CausewayHome) -> dg.MaterializeResult:
    """The warehouse and its publication as the lake's next commit: the tables that changed
    written as new Iceberg snapshots, one commit row naming every table's."""
    try:
        report = commit_home(home.home(), "run", context.run.run_id, on_wait=context.log.info)
    except (LakeUnavailable, LakeConflict, LakeConfigError) as exc:
        # Expected on a shared lake: said in one line, without a stack trace.
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    if report is None:  # the lake was configured when the definitions were built, not now
        raise dg.Failure("CAUSEWAY_WAREHOUSE names no lake in this process")
    return dg.MaterializeResult(
        metadata={
            "commit": dg.MetadataValue.int(report.commit.seq),
            "new_commit": dg.MetadataValue.bool(report.new),
            "tables_written": dg.MetadataValue.int(len(report.written)),
            "tables_kept": dg.MetadataValue.int(report.kept),
            "publication_generation": dg.MetadataValue.int(
                report.commit.publication_generation or 0
            ),
            "duration_seconds": dg.MetadataValue.float(round(report.seconds, 3)),
        }
    )
