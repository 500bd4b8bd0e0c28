"""The analytics file as a Dagster asset: published after the marts, masked by grade."""

import dagster as dg

from pipelines.defs.marts import CORE_KEYS, mart_key
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from schemas.classification import Tier
from schemas.marts import MARTS
from warehouse.publish import publish_home

PUBLISHED_KEY = dg.AssetKey(["analytics", "published"])


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[*CORE_KEYS, *(mart_key(m.entity_name) for m in MARTS if m.tier is not Tier.RESTRICTED)],
    group_name="analytics",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    automation_condition=dg.AutomationCondition.eager(),
)
def analytics_published(
    context: dg.AssetExecutionContext, home: CausewayHome
) -> dg.MaterializeResult:
    """The analysts' read-only database (aggregates, k-anonymous rows, reference data) and
    the grid workers' owner-only outreach file."""
    report = publish_home(home.home(), on_wait=context.log.info, dagster_run_id=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(report.path),
            "tables": dg.MetadataValue.json(report.tables),
            "outreach_tables": dg.MetadataValue.json(report.outreach),
            "smallest_class": dg.MetadataValue.int(
                min((r.smallest_class or 0 for r in report.rows), default=0)
            ),
            "cells_suppressed": dg.MetadataValue.int(sum(len(c.suppressed) for c in report.cells)),
            "duration_seconds": dg.MetadataValue.float(round(report.seconds, 3)),
            "generation": dg.MetadataValue.int(report.stamp.generation),
            "link_run_id": dg.MetadataValue.text(report.stamp.link_run_id or ""),
        }
    )
