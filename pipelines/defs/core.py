"""The core layer: people, their records, buildings, dwellings and households, linked."""

import dataclasses

import dagster as dg

from pipelines.defs.quality import layer_quality_checks
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import staging_key
from schemas.contracts import SourceContract
from schemas.registry import LINKED
from warehouse.linking import link_warehouse
from warehouse.serve import queue_summary

# Table name (without `core.`) → what it holds, from the schemas.
CORE_TABLES = {(m.table_name or "").removeprefix("core."): m.summary for m in LINKED}


LINK_STEP = "link_people_and_places"
CORE_CHECKS = "core_quality"


def core_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["core", table])


class LinkConfig(dg.Config):
    """`auto`: incremental when a model exists; `full`: re-estimate and re-cluster."""

    mode: str = "auto"
    # Where the pairs are scored: "" for linking.yaml's `engine`, or duckdb or spark.
    engine: str = ""


# New staging data triggers the link as soon as the upstream blocking checks pass; a
# source that never delivered (a missing parent) does not hold the others back.
AFTER_STAGING = (
    dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager after blocking checks")


def core_assets(contracts: list[SourceContract]) -> dg.AssetsDefinition:
    deps = [staging_key(c.source) for c in sorted(contracts, key=lambda c: c.source)]

    @dg.multi_asset(
        name=LINK_STEP,
        specs=[
            dg.AssetSpec(
                core_key(table),
                description=text,
                deps=deps,
                group_name="core",
                kinds={"duckdb"},
                automation_condition=AFTER_STAGING,
            )
            for table, text in CORE_TABLES.items()
        ],
        pool=WAREHOUSE_POOL,
    )
    def _link(context: dg.AssetExecutionContext, config: LinkConfig, home: CausewayHome):
        """Links new staging records into the master index (a full relink when asked)."""
        if config.mode not in ("auto", "full", "incremental"):
            raise dg.Failure(f"unknown link mode {config.mode!r}: use auto, full or incremental")
        result = link_warehouse(
            home.home(),
            config.mode,
            on_wait=context.log.info,
            dagster_run_id=context.run.run_id,
            engine=config.engine or None,
            on_progress=context.log.info,
        )
        figures = {
            k: dg.MetadataValue.int(v) if isinstance(v, int) else v
            for k, v in dataclasses.asdict(result).items()
            if v is not None
        }
        for table in CORE_TABLES:
            yield dg.MaterializeResult(asset_key=core_key(table), metadata=figures)

    return _link


REVIEW_KEY = dg.AssetKey(["link", "review_queue"])
REVIEW_CHECK = "queue_within_limit"


@dg.asset(
    key=REVIEW_KEY,
    deps=[core_key("person")],
    group_name="core",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[dg.AssetCheckSpec(REVIEW_CHECK, asset=REVIEW_KEY)],
)
def review_queue(context: dg.AssetExecutionContext, home: CausewayHome):
    """The clerical review queue each link run refreshes (`causeway review`): its size and
    its oldest open item; a queue past `review.queue_limit` (linking.yaml) is a warning."""
    stats = queue_summary(home.home())
    oldest = stats.oldest.isoformat(sep=" ") if stats.oldest else ""
    yield dg.MaterializeResult(
        metadata={
            "open_items": dg.MetadataValue.int(stats.open),
            "oldest_open_item": dg.MetadataValue.text(oldest),
            "limit": dg.MetadataValue.int(stats.limit),
        }
    )
    yield dg.AssetCheckResult(
        check_name=REVIEW_CHECK,
        passed=stats.open <= stats.limit,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"open_items": stats.open, "limit": stats.limit, "oldest": oldest},
        description=f"{stats.open:,} open review items (limit {stats.limit:,})",
    )


def core_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The Great Expectations gates of every core table, in one step; blocking ones stop
    the marts."""
    return [layer_quality_checks(CORE_CHECKS, {core_key(t): f"core.{t}" for t in CORE_TABLES})]


NIGHTLY_RELINK = dg.define_asset_job(
    "nightly_relink",
    selection=dg.AssetSelection.groups("core").downstream(),
    description="Full relink (model re-estimated by EM) and everything built on it.",
    config={"ops": {LINK_STEP: {"config": {"mode": "full"}}}},
)

# On by default when the daemon runs (the built-in automation sensor starts switched off).
automation_sensor = dg.AutomationConditionSensorDefinition(
    "causeway_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)

nightly_relink_schedule = dg.ScheduleDefinition(
    name="nightly_relink",
    job=NIGHTLY_RELINK,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
