"""`audit.quality_results`: every expectation's outcome, kept in the warehouse it checked.

Defined here with every other table, so opening the warehouse needs no stage's code."""

from __future__ import annotations

import duckdb

QUALITY_RESULTS = """
CREATE TABLE IF NOT EXISTS audit.quality_results (
    run_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    suite VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    expectation_type VARCHAR NOT NULL,
    column_name VARCHAR,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    element_count BIGINT,
    unexpected_count BIGINT,
    observed_value VARCHAR,
    examples JSON,
    error VARCHAR,
    checked_at TIMESTAMP NOT NULL,
    CHECK (severity IN ('blocking', 'warning'))
)
"""


def create_quality_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(QUALITY_RESULTS)
