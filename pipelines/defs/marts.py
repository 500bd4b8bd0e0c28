"""The resilience marts as Dagster assets: rebuilt together, after the core entities."""

from collections.abc import Iterator, Sequence

import dagster as dg

from pipelines.defs.core import CORE_TABLES, core_key
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import staging_key
from schemas.contracts import SourceContract
from schemas.marts import MARTS
from warehouse.marts import STAGING, mart_inputs, refresh_marts

# Linking's outputs (core.*); declared even before the linking assets exist.
CORE_KEYS = [core_key(table) for table in CORE_TABLES]


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["mart", name])


def _deps(table: str, contracts: Sequence[SourceContract]) -> list[dg.AssetKey]:
    """What the mart's SQL reads: core tables, other marts, and staging when it does."""
    keys = []
    for source in sorted(mart_inputs()[table]):
        if source == STAGING:
            keys += [staging_key(c.source) for c in sorted(contracts, key=lambda c: c.source)]
        elif source.startswith("core."):
            keys.append(core_key(source.removeprefix("core.")))
        else:
            keys.append(mart_key(source.removeprefix("mart.")))
    return keys


def mart_assets(contracts: Sequence[SourceContract]) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            mart_key(m.entity_name),
            deps=_deps(m.table_name or "", contracts),
            description=m.summary,
            group_name="marts",
            kinds={"duckdb"},
            metadata={"table": m.table_name, "tier": m.tier.value},
            automation_condition=dg.AutomationCondition.eager(),
        )
        for m in MARTS
    ]

    @dg.multi_asset(specs=specs, name="resilience_marts", pool=WAREHOUSE_POOL)
    def _marts(
        context: dg.AssetExecutionContext, home: CausewayHome
    ) -> Iterator[dg.MaterializeResult]:
        report = refresh_marts(home.home(), on_wait=context.log.info)
        if report.note:
            context.log.warning(report.note)
        for m in MARTS:
            yield dg.MaterializeResult(
                asset_key=mart_key(m.entity_name),
                metadata={
                    "dagster/row_count": dg.MetadataValue.int(report.rows[m.entity_name]),
                    "as_of": dg.MetadataValue.text(report.as_of.isoformat()),
                    "note": dg.MetadataValue.text(report.note or ""),
                },
            )

    return _marts
