"""DDL of the audit, quarantine and staging layers; staging columns come from the schemas."""

from __future__ import annotations

import datetime as dt

import duckdb

from schemas.classification import FieldSpec, field_specs
from schemas.contracts import SourceContract
from schemas.registry import entity
from warehouse.db.ddl import qualified, quote
from warehouse.db.transaction import transaction

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
    fields_set_aside BIGINT NOT NULL DEFAULT 0,
    gate VARCHAR,
    CHECK (rows_in = rows_loaded + rows_quarantined),
    CHECK (status IN ('loaded', 'partial', 'rejected', 'duplicate'))
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
    CHECK (status IN ('running', 'completed', 'blocked', 'failed', 'died'))
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
CREATE TABLE IF NOT EXISTS quarantine.fields (
    file_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    item INTEGER,
    record_key VARCHAR,
    field VARCHAR NOT NULL,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    set_aside_at TIMESTAMP NOT NULL,
    sheet VARCHAR
);
"""
FILE_ACTIONS = """
CREATE TABLE IF NOT EXISTS audit.file_actions (
    file_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    acted_at TIMESTAMP NOT NULL,
    reason VARCHAR,
    new_file_id VARCHAR,
    CHECK (action IN ('retract', 'reprocess', 'hold', 'release', 'quarantine'))
)
"""
# Columns added after warehouses were first made: each is added where it is missing.
# `gate`: NULL until the quality gate judged the load, then passed, held or released.
ADDED_COLUMNS = [
    ("audit.file_loads", "fields_set_aside", "BIGINT NOT NULL DEFAULT 0"),
    ("audit.file_loads", "gate", "VARCHAR"),
    ("quarantine.rows", "sheet", "VARCHAR"),
]
# Tables whose CHECK lists grew: one made before is copied into the new definition.
WIDENED = [("audit.file_actions", FILE_ACTIONS, "'hold'"), ("audit.runs", FILE_LOADS, "'blocked'")]

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
TRAILING = [("_extra", "JSON"), ("_flags", "VARCHAR[]"), ("_set_aside", "VARCHAR[]")]


ACCESS_LOG = """
CREATE TABLE IF NOT EXISTS audit.access_log (
    accessed_at TIMESTAMP NOT NULL,
    user_name VARCHAR NOT NULL,
    host VARCHAR,
    pid BIGINT,
    reason VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR,
    building_id VARCHAR,
    person_ids VARCHAR[],
    rows_shown BIGINT NOT NULL,
    sudo_user VARCHAR
)
"""
# Added to access logs made before: what $SUDO_USER claimed (user_name is the real account).
ACCESS_LOG_ADDED = [("audit.access_log", "sudo_user", "VARCHAR")]


def create_access_log(con: duckdb.DuckDBPyConnection) -> None:
    """`audit.access_log`, also on a bare connection: break-glass writes it without the
    rest of the warehouse's DDL."""
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(ACCESS_LOG)
    for table, column, sql_type in ACCESS_LOG_ADDED:
        add_column(con, table, column, sql_type)


def create_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(FILE_LOADS)
    con.execute(ACCESS_LOG)
    con.execute(FILE_ACTIONS)
    for table, column, sql_type in ADDED_COLUMNS + ACCESS_LOG_ADDED:
        add_column(con, table, column, sql_type)
    for table, ddl, value in WIDENED:
        widen_check(con, table, ddl, value)


def widen_check(con: duckdb.DuckDBPyConnection, table: str, ddl: str, value: str) -> None:
    """Recreates `table` from `ddl` when its CHECK does not yet admit `value` (DuckDB cannot
    alter a constraint), keeping every row."""
    schema, _, name = table.partition(".")
    checks = con.execute(
        "SELECT constraint_text FROM duckdb_constraints() WHERE database_name = "
        "current_database() AND schema_name = ? AND table_name = ? AND constraint_type = 'CHECK'",
        [schema, name],
    ).fetchall()
    if not checks or any(value in text for (text,) in checks):
        return
    old = qualified(f"{schema}.{name}_before_widening")
    with transaction(con):
        con.execute(f"ALTER TABLE {qualified(table)} RENAME TO {quote(name + '_before_widening')}")
        con.execute(ddl)
        con.execute(f"INSERT INTO {qualified(table)} BY NAME SELECT * FROM {old}")
        con.execute(f"DROP TABLE {old}")


def add_column(con: duckdb.DuckDBPyConnection, table: str, column: str, sql_type: str) -> None:
    """Adds a column a table made by an earlier version lacks (DuckDB cannot add a column
    with a constraint: NOT NULL becomes a default only)."""
    plain = sql_type.replace("NOT NULL ", "")
    con.execute(f"ALTER TABLE {qualified(table)} ADD COLUMN IF NOT EXISTS {quote(column)} {plain}")


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
    that loads must write it.

    A generated column's expression is its `column_default`; the stored `_record_key` never
    had a default. (`duckdb_columns().is_generated` is new in DuckDB 2.0: 1.5 lacks it.)"""
    schema, _, name = contract.staging_table.rpartition(".")
    rows = con.execute(
        "SELECT column_default IS NULL FROM duckdb_columns() "
        "WHERE database_name = current_database() "
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
    for name, sql_type in [SHEET, *TRAILING]:
        add_column(con, contract.staging_table, name, sql_type)
    view = qualified(contract.staging_table + "_current")
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table} WHERE _valid_to IS NULL")


def withdraw_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file_id: str,
    loaded_at: dt.datetime,
    reopen: bool = True,
) -> None:
    """Remove a file's rows from staging `table` and reopen the versions it had closed,
    when nothing newer is current."""
    con.execute(f"DELETE FROM {table} WHERE _file_id = ?", [file_id])
    if not reopen:
        return
    con.execute(
        f"UPDATE {table} SET _valid_to = NULL WHERE _valid_to = ? AND _record_key NOT IN "
        f"(SELECT _record_key FROM {table} WHERE _valid_to IS NULL AND _record_key IS NOT NULL)",
        [loaded_at],
    )
