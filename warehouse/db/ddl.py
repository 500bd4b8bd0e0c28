"""DuckDB DDL of the conformed tables, generated from the shared schemas.

Nothing here names a column: every table and column comes from `schemas`, so adding a
field to a model adds it to the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from schemas import ENTITIES, FieldSpec, table_fields
from schemas.base import Record
from schemas.registry import RECORDS
from warehouse.db.transaction import transaction

LAYERS = ("audit", "quarantine", "staging", "core", "mart")


def quote(identifier: str) -> str:
    """A DuckDB identifier, quoted so that any name is taken literally."""
    return '"' + identifier.replace('"', '""') + '"'


def qualified(table: str) -> str:
    schema, _, name = table.partition(".")
    return f"{quote(schema)}.{quote(name)}"


def create_table_sql(model: type[Record]) -> str:
    """CREATE TABLE for one model's conformed table, primary key first."""
    if not model.table_name:
        raise ValueError(f"{model.entity_name} has no conformed table")
    specs = _columns(model)
    columns = [
        f"    {quote(s.name)} {s.sql_type}{' NOT NULL' if s.required else ''}" for s in specs
    ]
    keys = [quote(s.name) for s in specs if s.primary_key]
    if keys:
        columns.append(f"    PRIMARY KEY ({', '.join(keys)})")
    body = ",\n".join(columns)
    return f"CREATE TABLE IF NOT EXISTS {qualified(model.table_name)} (\n{body}\n);"


def schema_ddl(models: Iterable[type[Record]] = ENTITIES) -> list[str]:
    """Every statement that creates the warehouse's layers and conformed tables."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {quote(layer)};" for layer in LAYERS]
    statements += [create_table_sql(m) for m in models if m.table_name]
    return statements


def comment_sql(models: Iterable[type[Record]] = ENTITIES) -> list[str]:
    """COMMENT ON statements so any DuckDB client shows each column's meaning and grade."""
    out = []
    for model in models:
        if not model.table_name:
            continue
        table = qualified(model.table_name)
        out.append(f"COMMENT ON TABLE {table} IS {literal(model.summary)};")
        for s in table_fields(model):
            text = f"{s.description} [grade {s.grade.value}{', PIPL' if s.pipl else ''}]"
            out.append(f"COMMENT ON COLUMN {table}.{quote(s.name)} IS {literal(text)};")
    return out


HAS_TABLE = (
    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
    "AND schema_name = ? AND table_name = ?"
)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.name` exists in the database `con` is using."""
    schema, _, name = table.partition(".")
    return con.execute(HAS_TABLE, [schema, name]).fetchall()[0][0] > 0


def literal(text: str) -> str:
    """A SQL string literal; only for DDL comments and ATTACH paths, where DuckDB takes no
    parameters (DuckDB 2.0 binds an ATTACH path; 1.5 does not)."""
    return "'" + text.replace("'", "''") + "'"


COLUMNS_OF = (
    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
    "AND schema_name = ? AND table_name = ? ORDER BY column_index"
)


def create_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create every layer and conformed table in one transaction (idempotent)."""
    with transaction(con):
        _drop_changed_records(con)
        for statement in schema_ddl() + comment_sql():
            con.execute(statement)


def _drop_changed_records(con: duckdb.DuckDBPyConnection) -> None:
    """A department-record table whose columns changed is made anew: every link rewrites
    it whole from staging, so it holds nothing that the next link does not restore."""
    for model in RECORDS:
        schema, _, name = (model.table_name or "").partition(".")
        found = [r[0] for r in con.execute(COLUMNS_OF, [schema, name]).fetchall()]
        if found and found != [s.name for s in _columns(model)]:
            con.execute(f"DROP TABLE {qualified(model.table_name or '')}")


def _columns(model: type[Record]) -> list[FieldSpec]:
    """A table's columns in the order it is created: its primary key first."""
    return sorted(table_fields(model), key=lambda s: not s.primary_key)
