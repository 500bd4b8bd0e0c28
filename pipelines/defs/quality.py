"""Quality gates as Dagster asset checks: a blocking check and a warning check per table.

`quality_checks_for(asset_key, table)` is the factory every layer uses (staging here; core
and marts call it for theirs). On a conformed table the blocking check fails with ERROR
severity when any blocking expectation fails, which stops the assets downstream. A staging
table is judged load by load: a load that fails a blocking rule is held back (its rows
leave staging), the blocking check passes on what remains, and a third check, not
blocking, fails with ERROR severity naming the held loads. The warning check only warns.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from pipelines.defs.staging import staging_key
from schemas.contracts import SourceContract
from warehouse.quality import ExpectationOutcome, TableOutcome, check_table

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
        "data_docs": dg.MetadataValue.path(str(outcome.docs_index)),
    }


def check_key_name(asset_key: dg.AssetKey) -> str:
    return f"{asset_key.to_python_identifier()}_quality"


def quality_checks_for(
    asset_key: dg.AssetKey, table: str, description: str | None = None, per_load: bool = False
) -> dg.AssetChecksDefinition:
    """The quality checks of `table` (e.g. `core.person`), on the asset that writes it;
    `per_load` (staging) adds the check that names held loads."""
    held = dg.AssetCheckSpec(
        HELD_CHECK,
        asset=asset_key,
        description=f"Loads of {table} held back by a failed blocking rule; the rest go on.",
    )
    specs = [
        dg.AssetCheckSpec(
            BLOCKING_CHECK,
            asset=asset_key,
            blocking=True,
            description=description or f"Blocking Great Expectations rules on {table}.",
        ),
        dg.AssetCheckSpec(
            WARNING_CHECK,
            asset=asset_key,
            description=f"Warning-level Great Expectations rules on {table}.",
        ),
        *([held] if per_load else []),
    ]

    @dg.multi_asset_check(
        name=check_key_name(asset_key),
        specs=specs,
        pool=WAREHOUSE_POOL,
        compute_kind="great_expectations",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, home: CausewayHome
    ) -> Iterator[dg.AssetCheckResult]:
        outcome = check_table(
            home.home(),
            table,
            dagster_run_id=context.run.run_id,
            on_wait=context.log.info,
            check_name=f"{asset_key.to_user_string()}:{BLOCKING_CHECK}",
        )
        for o in outcome.failed:
            context.log.warning(f"{o.severity.value}: {o.summary()}")
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

    return _checks


def held_result(asset_key: dg.AssetKey, outcome: TableOutcome) -> dg.AssetCheckResult:
    """ERROR when a load was held back, with the file, its rows and the rules it failed."""
    lines = [
        f"{h.file_id} {h.file_name} ({h.rows:,} rows): {'; '.join(h.failures)}"
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


def staging_quality_checks(contracts: Sequence[SourceContract]) -> list[dg.AssetChecksDefinition]:
    return [
        quality_checks_for(staging_key(c.source), c.staging_table, per_load=True)
        for c in sorted(contracts, key=lambda c: c.source)
    ]
