"""DuckDB DDL of the conformed tables, generated from the shared schemas.

Nothing here names a column: every table and column comes from `schemas`, so adding a
field to a model adds it to the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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


def _comments(models: Iterable[type[Record]]) -> Iterator[tuple[str, str | None, str]]:
    """(table, column or None for the table itself, text) of every comment to set."""
    for model in models:
        if not model.table_name:
            continue
        yield model.table_name, None, model.summary
        for s in table_fields(model):
            text = f"{s.description} [grade {s.grade.value}{', PIPL' if s.pipl else ''}]"
            yield model.table_name, s.name, text


def _comment_statement(table: str, column: str | None, text: str) -> str:
    if column is None:
        return f"COMMENT ON TABLE {qualified(table)} IS {literal(text)};"
    return f"COMMENT ON COLUMN {qualified(table)}.{quote(column)} IS {literal(text)};"


def comment_sql(models: Iterable[type[Record]] = ENTITIES) -> list[str]:
    """COMMENT ON statements so any DuckDB client shows each column's meaning and grade."""
    return [_comment_statement(*comment) for comment in _comments(models)]


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


# The comments in place, so an open that finds them as they should be writes nothing.
EXISTING_COMMENTS = (
    "SELECT schema_name || '.' || table_name, NULL, comment FROM duckdb_tables() "
    "WHERE database_name = current_database() UNION ALL "
    "SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns() "
    "WHERE database_name = current_database()"
)


def create_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create every layer and conformed table in one transaction (idempotent).

    Every stage opens the warehouse, so a warehouse already in place costs one catalog
    read: only a missing table or a changed comment is written (rewriting some 400
    comments took about 70 ms an open, a dozen times a run)."""
    with transaction(con):
        _drop_changed_records(con)
        for statement in schema_ddl():
            con.execute(statement)
        existing = {(t, c): text for t, c, text in con.execute(EXISTING_COMMENTS).fetchall()}
        for table, column, text in _comments(ENTITIES):
            if existing.get((table, column)) != text:
                con.execute(_comment_statement(table, column, text))


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
