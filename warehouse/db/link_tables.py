"""The `link` schema: what each link run did, and the evidence behind each probabilistic link."""

from __future__ import annotations

import duckdb

LINK_DDL = """
CREATE SCHEMA IF NOT EXISTS link;
CREATE TABLE IF NOT EXISTS link.runs (
    link_run_id VARCHAR PRIMARY KEY,
    mode VARCHAR NOT NULL,
    dagster_run_id VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    model_file VARCHAR,
    mentions BIGINT,
    new_mentions BIGINT,
    candidate_pairs BIGINT,
    persons BIGINT,
    linked_by_id BIGINT,
    linked_by_model BIGINT,
    unlinked BIGINT,
    ids_created BIGINT,
    ids_merged BIGINT,
    ids_split BIGINT,
    ids_retired BIGINT,
    buildings BIGINT,
    dwellings BIGINT,
    seconds DOUBLE,
    timings JSON,
    CHECK (mode IN ('full', 'incremental'))
);
-- Columns added after the first release; a warehouse made before gets them here.
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS dagster_run_id VARCHAR;
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS timings JSON;
CREATE TABLE IF NOT EXISTS link.evidence (
    source VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    via_source VARCHAR NOT NULL,
    via_record_id VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight DOUBLE NOT NULL,
    evidence STRUCT(comparison VARCHAR, level VARCHAR, weight DOUBLE)[],
    link_run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS link.fingerprints (
    source VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL
);
COMMENT ON TABLE link.fingerprints IS
    'What each linked record looked like to linking, to skip unchanged versions.';
COMMENT ON TABLE link.runs IS 'One row per link run: mode, model file, counts and ID changes.';
COMMENT ON TABLE link.evidence IS
    'Best link of each probabilistically linked record, per comparison.';
"""


def create_link_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LINK_DDL)
