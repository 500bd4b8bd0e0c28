"""A DuckDB table as the lake keeps it: its DDL, comments, fingerprint and rows as Arrow, and
back again from the Parquet files a snapshot lists.

A table is recreated from DuckDB's own DDL rather than from the Iceberg schema: keys,
checks, defaults and exact types (ENUM, JSON, UUID) survive the round trip, and rows are
cast back into them on insert. The few types Iceberg has no form for go as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from warehouse.db import literal, qualified, quote

# Iceberg has no interval, bit string, union, unsigned 128-bit, arbitrary-precision integer
# or time with a zone; DuckDB casts each to text and back.
AS_TEXT = re.compile(r"\b(INTERVAL|BIT|UNION|UHUGEINT|BIGNUM|VARINT|TIME WITH TIME ZONE)\b")


def as_json(data_type: str) -> bool:
    """Lists that hold structs go as JSON text: pyiceberg 0.12 writes a NULL list of structs
    as an empty list (a NULL `evidence` came back `[]`), and JSON keeps NULL apart."""
    return "STRUCT(" in data_type and "[]" in data_type


TABLES = """
SELECT schema_name, table_name, sql, comment FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
ORDER BY schema_name, table_name
"""
COLUMNS = """
SELECT column_name, data_type, comment FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = ? AND table_name = ?
ORDER BY column_index
"""
# A generated column is computed again from the others, never inserted.
STORED_COLUMNS = """
SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name || '.' || table_name = ?
AND NOT is_generated ORDER BY column_index
"""
VIEWS = """
SELECT schema_name, view_name, sql FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
ORDER BY schema_name, view_name
"""
SEQUENCES = """
SELECT schema_name, sequence_name, last_value FROM duckdb_sequences()
WHERE database_name = current_database() AND NOT temporary
"""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    comment: str | None


@dataclass(frozen=True)
class TableShape:
    name: str  # schema.table
    ddl: str
    comment: str | None
    columns: tuple[Column, ...]

    @property
    def comments(self) -> dict[str, str]:
        found = {c.name: c.comment for c in self.columns if c.comment}
        if self.comment:
            found[""] = self.comment
        return found


def table_shapes(con: duckdb.DuckDBPyConnection) -> list[TableShape]:
    """Every table of the database `con` is using."""
    shapes = []
    for schema, table, ddl, comment in con.execute(TABLES).fetchall():
        columns = tuple(Column(*row) for row in con.execute(COLUMNS, [schema, table]).fetchall())
        shapes.append(TableShape(f"{schema}.{table}", ddl, comment, columns))
    return shapes


def views(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {f"{s}.{v}": sql for s, v, sql in con.execute(VIEWS).fetchall()}


def sequences(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {f"{s}.{n}": int(last or 0) for s, n, last in con.execute(SEQUENCES).fetchall()}


def fingerprint(con: duckdb.DuckDBPyConnection, shape: TableShape) -> tuple[str, int]:
    """A digest of the table's rows (any order) and DDL, and its row count: a table whose
    fingerprint is unchanged since the last push is not written again."""
    rows, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {qualified(shape.name)} AS t"
    ).fetchall()[0]
    ddl = con.execute("SELECT hash(?)", [shape.ddl]).fetchall()[0][0]
    return f"{rows}:{total}:{ddl}", int(rows)


def to_arrow(
    con: duckdb.DuckDBPyConnection, shape: TableShape, limit: int | None = None
) -> pa.Table:
    """The table's rows, with the types Iceberg lacks as text."""
    select = ", ".join(
        f"CAST(to_json({quote(c.name)}) AS VARCHAR) AS {quote(c.name)}"
        if as_json(c.data_type)
        else f"CAST({quote(c.name)} AS VARCHAR) AS {quote(c.name)}"
        if AS_TEXT.search(c.data_type)
        else quote(c.name)
        for c in shape.columns
    )
    bound = "" if limit is None else f" LIMIT {int(limit)}"
    return con.sql(f"SELECT {select} FROM {qualified(shape.name)}{bound}").to_arrow_table()


def arrow_schema(con: duckdb.DuckDBPyConnection, shape: TableShape) -> pa.Schema:
    """The Arrow schema `to_arrow` gives the table, without reading its rows."""
    return to_arrow(con, shape, limit=0).schema


def signature(shape: TableShape) -> str:
    """What the Iceberg table's columns are derived from: a new signature, a new table."""
    return "|".join(f"{c.name}:{c.data_type}" for c in shape.columns)


def restore(
    con: duckdb.DuckDBPyConnection,
    name: str,
    ddl: str,
    files: list[str],
    comments: dict[str, str],
) -> None:
    """Recreate table `name` from its DDL and fill it from `files` (Parquet, by column name)."""
    schema, _, _ = name.partition(".")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    current = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name || '.' || table_name = ?",
        [name],
    ).fetchall()
    if current and current[0][0] == ddl:
        con.execute(f"DELETE FROM {qualified(name)}")
    else:
        con.execute(f"DROP TABLE IF EXISTS {qualified(name)}")
        con.execute(ddl)
    if files:
        stored = con.execute(STORED_COLUMNS, [name]).fetchall()
        listed = ", ".join(quote(c) for c, _ in stored)
        values = ", ".join(
            f"CAST(CAST({quote(c)} AS JSON) AS {kind})" if as_json(kind) else quote(c)
            for c, kind in stored
        )
        con.execute(
            f"INSERT INTO {qualified(name)} ({listed}) SELECT {values} FROM read_parquet(?)",
            [files],
        )
    for column, text in comments.items():
        target = (
            f"TABLE {qualified(name)}"
            if not column
            else f"COLUMN {qualified(name)}.{quote(column)}"
        )
        con.execute(f"COMMENT ON {target} IS {literal(text)}")
