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
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS labels_checked BIGINT;
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS labels_disagreeing BIGINT;
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS labels_past_limit BOOLEAN;
ALTER TABLE link.runs ADD COLUMN IF NOT EXISTS engine VARCHAR;
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
-- `kind` takes the values warehouse/linking/review.py names; no CHECK, so a new kind
-- needs no rewrite of the table.
CREATE TABLE IF NOT EXISTS link.review_queue (
    item_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    source_a VARCHAR NOT NULL,
    record_a VARCHAR NOT NULL,
    source_b VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    department_a VARCHAR,
    department_b VARCHAR,
    person_a VARCHAR,
    person_b VARCHAR,
    building_id VARCHAR,
    match_probability DOUBLE,
    match_weight DOUBLE,
    evidence STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[],
    differing VARCHAR[],
    records_moved BIGINT NOT NULL,
    vulnerable BIGINT NOT NULL,
    priority DOUBLE NOT NULL,
    note VARCHAR,
    status VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by VARCHAR NOT NULL,
    refreshed_by VARCHAR NOT NULL,
    closed_at TIMESTAMP,
    close_reason VARCHAR,
    CHECK (status IN ('open', 'decided', 'closed'))
);
CREATE TABLE IF NOT EXISTS link.review_decisions (
    decision_id VARCHAR PRIMARY KEY,
    item_id VARCHAR,
    source_a VARCHAR NOT NULL,
    record_a VARCHAR NOT NULL,
    source_b VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    undoes VARCHAR,
    reviewer VARCHAR NOT NULL,
    sudo_user VARCHAR,
    decided_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL,
    CHECK (decision IN ('match', 'distinct', 'unsure', 'undo'))
);
COMMENT ON TABLE link.review_queue IS
    'Links worth a person''s time: weak links, near matches, conflicting fields and decisions.';
COMMENT ON TABLE link.review_decisions IS
    'Reviewers'' decisions on pairs of records (by record key); undone by a later row.';
COMMENT ON TABLE link.fingerprints IS
    'What each linked record looked like to linking, to skip unchanged versions.';
COMMENT ON TABLE link.runs IS 'One row per link run: mode, model file, counts and ID changes.';
COMMENT ON TABLE link.evidence IS
    'Best link of each probabilistically linked record, per comparison.';
"""


def create_link_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LINK_DDL)
