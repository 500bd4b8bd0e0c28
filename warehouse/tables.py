"""DDL of the audit, quarantine and staging layers; staging columns come from the schemas."""

from __future__ import annotations

import duckdb

from schemas.classification import FieldSpec, field_specs
from schemas.contracts import SourceContract
from schemas.registry import entity
from warehouse.ddl import qualified, quote

FILE_LOADS = """
CREATE SEQUENCE IF NOT EXISTS audit.file_id_seq START 1;
CREATE TABLE IF NOT EXISTS audit.file_loads (
    file_id VARCHAR PRIMARY KEY,
    department VARCHAR NOT NULL,
    source VARCHAR,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    reason VARCHAR,
    notes VARCHAR[],
    encoding VARCHAR,
    archived_as VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    retracted_at TIMESTAMP,
    run_id VARCHAR,
    CHECK (rows_in = rows_loaded + rows_quarantined),
    CHECK (status IN ('loaded', 'partial', 'rejected', 'duplicate'))
);
CREATE TABLE IF NOT EXISTS audit.file_actions (
    file_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    acted_at TIMESTAMP NOT NULL,
    reason VARCHAR,
    new_file_id VARCHAR,
    CHECK (action IN ('retract', 'reprocess'))
);
CREATE TABLE IF NOT EXISTS audit.runs (
    run_id VARCHAR PRIMARY KEY,
    scope VARCHAR NOT NULL,
    dagster_run_id VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    files BIGINT,
    rows_loaded BIGINT,
    rows_quarantined BIGINT,
    files_rejected BIGINT,
    failed_checks VARCHAR[],
    message VARCHAR,
    CHECK (status IN ('running', 'completed', 'failed', 'died'))
);
CREATE TABLE IF NOT EXISTS audit.source_cursors (
    source VARCHAR PRIMARY KEY,
    relation VARCHAR NOT NULL,
    cursor_column VARCHAR NOT NULL,
    cursor_value VARCHAR NOT NULL,
    tie_breaker VARCHAR NOT NULL,
    tie_value VARCHAR NOT NULL,
    file_id VARCHAR NOT NULL,
    advanced_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine.rows (
    file_id VARCHAR NOT NULL,
    source VARCHAR,
    row_number BIGINT NOT NULL,
    item INTEGER,
    raw JSON NOT NULL,
    reasons VARCHAR[] NOT NULL,
    quarantined_at TIMESTAMP NOT NULL,
    sheet VARCHAR
);
-- Warehouses made before workbooks were read sheet by sheet get the column too.
ALTER TABLE quarantine.rows ADD COLUMN IF NOT EXISTS sheet VARCHAR;
"""

# The worksheet a row came from (NULL for other files); added to older staging tables.
SHEET = ("_sheet", "VARCHAR")
# `_record_key` comes first; it is computed from the record's own ID column (record_key_of),
# not stored: a second copy of a unique text column cost a tenth of the write into staging.
LINEAGE = [
    ("_file_id", "VARCHAR NOT NULL"),
    ("_row_number", "BIGINT NOT NULL"),
    ("_item", "INTEGER"),
    SHEET,
    ("_loaded_at", "TIMESTAMP NOT NULL"),
    ("_valid_from", "TIMESTAMP NOT NULL"),
    ("_valid_to", "TIMESTAMP"),
]
TRAILING = [("_extra", "JSON"), ("_flags", "VARCHAR[]")]


def create_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(FILE_LOADS)


def staging_fields(contract: SourceContract) -> list[FieldSpec]:
    """Every field of the contract's entities, once, in declaration order."""
    seen: dict[str, FieldSpec] = {}
    for name in contract.entities:
        for spec in field_specs(entity(name)):
            seen.setdefault(spec.name, spec)
    return list(seen.values())


def record_key_of(contract: SourceContract) -> str:
    """The staging column that identifies a record across files: its record ID or, for a
    source whose rows are exploded into mentions, the mention's ID (record ID and item)."""
    return contract.explode.mention_id if contract.explode else contract.record_id


def record_key_stored(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> bool:
    """Whether this staging table stores `_record_key` (made before it was computed), so
    that loads must write it."""
    schema, _, name = contract.staging_table.rpartition(".")
    rows = con.execute(
        "SELECT NOT is_generated FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? AND column_name = '_record_key'",
        [schema, name],
    ).fetchall()
    return bool(rows and rows[0][0])


def create_staging_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    """`staging.<source>` with lineage and history, and its `_current` view."""
    key = quote(record_key_of(contract))
    columns = [f"_record_key VARCHAR GENERATED ALWAYS AS ({key}) VIRTUAL"]
    columns += [f"{quote(n)} {t}" for n, t in LINEAGE]
    columns += [f"{quote(s.name)} {s.sql_type}" for s in staging_fields(contract)]
    columns += [f"{quote(n)} {t}" for n, t in TRAILING]
    table = qualified(contract.staging_table)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(columns) + "\n)")
    con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote(SHEET[0])} {SHEET[1]}")
    view = qualified(contract.staging_table + "_current")
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table} WHERE _valid_to IS NULL")
