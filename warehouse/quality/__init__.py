"""Batch-level data quality gates: Great Expectations suites per warehouse table.

Suites come from the shared schemas, the contracts and `domain.yaml`; `gate.check_table`
runs them on the warehouse, stores every result in `audit.quality_results` and renders
GX Data Docs under `<home>/docs/quality/`. Nothing here knows Dagster.
"""

from warehouse.quality.gate import TableOutcome, check_table, check_tables, docs_index
from warehouse.quality.report import build_report, report_path
from warehouse.quality.store import ExpectationOutcome
from warehouse.quality.tally import QualityTally, quality_tally

__all__ = [
    "ExpectationOutcome",
    "QualityTally",
    "TableOutcome",
    "build_report",
    "check_table",
    "check_tables",
    "docs_index",
    "quality_tally",
    "report_path",
]
