"""Batch-level data quality gates: Great Expectations suites per warehouse table.

Suites come from the shared schemas, the contracts and `domain.yaml`; `gate.check_table`
runs them on the warehouse, stores every result in `audit.quality_results` and renders
GX Data Docs under `<home>/docs/quality/`. Nothing here knows Dagster.
"""
