"""Quality gates as Dagster asset checks: a blocking check and a warning check per table.

`layer_quality_checks(name, tables)` is the factory every layer uses (staging here, core
for its tables): one step checks a layer's tables, so they share a writer lock, a
connection and a Data Docs build, and a run that materializes some assets of the layer
checks just those. On a conformed table the blocking check fails with ERROR
severity when any blocking expectation fails, which stops the assets downstream. A staging
table is judged load by load: a load that fails a blocking rule is held back (its rows
leave staging), the blocking check passes on what remains, and a third check, not
blocking, fails with ERROR severity naming the held loads. The warning check only warns.
"""

from collections.abc import Iterator, Mapping, Sequence

import dagster as dg

from connectors.names import display_name
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import staging_key
from schemas.contracts import SourceContract
from warehouse.quality import ExpectationOutcome, TableOutcome, check_tables

BLOCKING_CHECK = "quality_blocking"
WARNING_CHECK = "quality_warnings"
HELD_CHECK = "loads_held"
PREVIEW = 20


def failed_table(failed: Sequence[ExpectationOutcome]) -> str:
    """Markdown: each failed expectation with its unexpected count and a few examples."""
    if not failed:
        return "none"
    lines = [
        "| expectation | severity | unexpected | observed | examples |",
        "|---|---|---|---|---|",
    ]
    for o in failed[:PREVIEW]:
        examples = "; ".join(str(e) for e in o.examples[:3]) if o.examples else ""
        cells = [
            o.expectation,
            o.severity.value,
            "" if o.unexpected_count is None else f"{o.unexpected_count:,}",
            "" if o.observed_value is None else str(o.observed_value),
            o.error or examples,
        ]
        lines.append(
            "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"
        )
    return "\n".join(lines)


def check_metadata(outcome: TableOutcome, failed: Sequence[ExpectationOutcome]) -> dict:
    return {
        "table": dg.MetadataValue.text(outcome.table),
        "expectations": dg.MetadataValue.int(len(outcome.outcomes)),
        "failed": dg.MetadataValue.int(len(failed)),
        "failed_expectations": dg.MetadataValue.md(failed_table(failed)),
        "failures": dg.MetadataValue.json([o.summary() for o in failed[:PREVIEW]]),
        "quality_run_id": dg.MetadataValue.text(outcome.run_id),
        "quality_report": dg.MetadataValue.path(str(outcome.report)),
        "data_docs": dg.MetadataValue.path(str(outcome.docs_index)),
    }


def _specs(asset_key: dg.AssetKey, table: str, per_load: bool) -> list[dg.AssetCheckSpec]:
    held = dg.AssetCheckSpec(
        HELD_CHECK,
        asset=asset_key,
        description=f"Loads of {table} held back by a failed blocking rule; the rest go on.",
    )
    return [
        dg.AssetCheckSpec(
            BLOCKING_CHECK,
            asset=asset_key,
            blocking=True,
            description=f"Blocking Great Expectations rules on {table}.",
        ),
        dg.AssetCheckSpec(
            WARNING_CHECK,
            asset=asset_key,
            description=f"Warning-level Great Expectations rules on {table}.",
        ),
        *([held] if per_load else []),
    ]


def layer_quality_checks(
    name: str, tables: Mapping[dg.AssetKey, str], per_load: bool = False
) -> dg.AssetChecksDefinition:
    """The checks of several tables (a layer) in one step: one writer lock, one connection
    and one Data Docs build for all of them, where a step per table paid each again.
    A run that materializes some of the assets runs only their checks."""
    specs = [spec for key, table in tables.items() for spec in _specs(key, table, per_load)]

    @dg.multi_asset_check(
        name=name,
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        compute_kind="great_expectations",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, home: CausewayHome
    ) -> Iterator[dg.AssetCheckResult]:
        selected = {key.asset_key for key in context.selected_asset_check_keys}
        chosen = {key: table for key, table in tables.items() if key in selected}
        outcomes = check_tables(
            home.home(),
            list(chosen.values()),
            dagster_run_id=context.run.run_id,
            on_wait=context.log.info,
            check_names={t: f"{k.to_user_string()}:{BLOCKING_CHECK}" for k, t in chosen.items()},
        )
        for asset_key, outcome in zip(chosen, outcomes, strict=True):
            yield from _results(context, asset_key, outcome, per_load)

    return _checks


def _results(
    context: dg.AssetCheckExecutionContext,
    asset_key: dg.AssetKey,
    outcome: TableOutcome,
    per_load: bool,
) -> Iterator[dg.AssetCheckResult]:
    for o in outcome.failed:
        context.log.warning(f"{outcome.table} {o.severity.value}: {o.summary()}")
    yield dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=BLOCKING_CHECK,
        passed=outcome.passed_blocking,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=check_metadata(outcome, outcome.blocking_failures),
    )
    yield dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=WARNING_CHECK,
        passed=not outcome.warnings,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=check_metadata(outcome, outcome.warnings),
    )
    if per_load:
        yield held_result(asset_key, outcome)


def held_result(asset_key: dg.AssetKey, outcome: TableOutcome) -> dg.AssetCheckResult:
    """ERROR when a load was held back, with the file, its rows and the rules it failed."""
    lines = [
        f"{h.file_id} {display_name(h.file_name)} ({h.rows:,} rows): {'; '.join(h.failures)}"
        for h in outcome.held
    ]
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=HELD_CHECK,
        passed=not outcome.held,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "loads_judged": dg.MetadataValue.int(outcome.judged),
            "loads_held": dg.MetadataValue.int(len(outcome.held)),
            "held": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
            "failures": dg.MetadataValue.json(lines),
        },
    )


STAGING_CHECKS = "staging_quality"


def staging_quality_checks(contracts: Sequence[SourceContract]) -> list[dg.AssetChecksDefinition]:
    """Every staging table's gates, judged load by load, in one step."""
    ordered = sorted(contracts, key=lambda c: c.source)
    if not ordered:
        return []
    tables = {staging_key(c.source): c.staging_table for c in ordered}
    return [layer_quality_checks(STAGING_CHECKS, tables, per_load=True)]
