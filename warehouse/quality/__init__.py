"""Batch-level data quality gates: Great Expectations suites per warehouse table.

Suites come from the shared schemas, the contracts and `domain.yaml`; `gate.check_table`
runs them on the warehouse, stores every result in `audit.quality_results` and renders
GX Data Docs under `<home>/docs/quality/`. Nothing here knows Dagster.
"""

from warehouse.quality.gate import TableOutcome, check_table, check_tables, docs_index
from warehouse.quality.store import ExpectationOutcome

__all__ = [
    "ExpectationOutcome",
    "TableOutcome",
    "check_table",
    "check_tables",
    "docs_index",
]
