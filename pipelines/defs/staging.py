"""One staging asset per source contract: a new contract is a new asset, with no Python.

With `readers: per_source` (staging.yaml) the assets leave the single-writer pool: each
reads its files apart and takes the writer lock per file, so the multiprocess executor
runs the departments' reads in parallel (warehouse/ingest/readers.py)."""

import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from connectors.names import display_name, display_text
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from schemas.contracts import SourceContract
from warehouse.db import LoadResult
from warehouse.ingest import process_pending


def staging_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", source])


def load_metadata(results: Sequence[LoadResult], seconds: float) -> dict[str, dg.MetadataValue]:
    """Files and rows of one materialization, and a preview of what was set aside."""
    rejected = [r for r in results if r.status == "rejected"]
    preview = "\\n".join(
        ["| file | receipt | reason |", "|---|---|---|"]
        + [
            f"| {display_name(r.file_name)} | {r.file_id} | {display_text(r.reason or '')} |"
            for r in rejected
        ]
    )
    reasons = "\\n".join(
        f"- {count} × {text}" for r in results for text, count in r.top_reasons[:3]
    )
    return {
        "files": dg.MetadataValue.int(len(results)),
        "rows_in": dg.MetadataValue.int(sum(r.rows_in for r in results)),
        "rows_loaded": dg.MetadataValue.int(sum(r.rows_loaded for r in results)),
        "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in results)),
        "files_rejected": dg.MetadataValue.int(len(rejected)),
        "duration_seconds": dg.MetadataValue.float(round(seconds, 3)),
        "rejected_files": dg.MetadataValue.md(preview if rejected else "none"),
        "top_reasons": dg.MetadataValue.md(reasons or "none"),
    }


def staging_asset(contract: SourceContract, pooled: bool = True) -> dg.AssetsDefinition:
    """`pooled`: the step holds the single-writer pool throughout (shared readers); else it
    reads apart and takes the writer lock per file (per_source readers, staging.yaml)."""

    @dg.asset(
        key=staging_key(contract.source),
        group_name="staging",
        pool=WAREHOUSE_POOL if pooled else None,
        kinds={"duckdb"},
        description=contract.description,
        metadata={
            "department": contract.department,
            "mode": contract.mode.value,
            "readers": "shared" if pooled else "per_source",
        },
    )
    def _staging(context: dg.AssetExecutionContext, home: CausewayHome) -> dg.MaterializeResult:
        started = time.perf_counter()
        refused = home.home().folder_refusal(contract.department)
        if refused:
            context.log.warning(f"{contract.department}: {refused}")
        results = process_pending(
            home.home(),
            # Said before each file is read: a long read shows which file, and how large.
            progress=lambda department, path: context.log.info(
                f"reading {display_name(path.name)} ({_size(path)})"
            ),
            source=contract.source,
            on_wait=context.log.info,
            dagster_run_id=context.run.run_id,
        )
        for r in results:
            context.log.info(
                f"{display_name(r.file_name)}: {r.status}, {r.rows_loaded}/{r.rows_in} rows loaded"
            )
        return dg.MaterializeResult(metadata=load_metadata(results, time.perf_counter() - started))

    return _staging


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "gone"
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size / 1e3:,.0f} kB"


def staging_assets(
    contracts: Sequence[SourceContract], pooled: bool = True
) -> list[dg.AssetsDefinition]:
    return [staging_asset(c, pooled) for c in sorted(contracts, key=lambda c: c.source)]
