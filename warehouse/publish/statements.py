"""Which analyst statements the query sandbox runs, judged on DuckDB's own parse tree.

One statement of a reading kind, and nothing in it that shows where the data home is.
DuckDB cannot hide the analytics file's path: `duckdb_databases()` reports the resolved
file (through a symlink too) and the settings name the spill and secret folders. So the
statement is parsed by DuckDB (`extract_statements`, `json_serialize_sql`) and every
table function, view and setting it names is checked before anything runs; the text is
never matched by hand, so no spelling, comment or nesting slips a statement past.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import duckdb

ALLOWED = (
    "one SELECT (also WITH … SELECT, FROM …, VALUES), DESCRIBE, SHOW, SUMMARIZE, "
    "or EXPLAIN [ANALYZE] of one of them"
)
# Table functions that read only the catalog's names and the query's own values.
TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "json_each",
        "json_tree",
        "duckdb_tables",
        "duckdb_columns",
        "duckdb_views",
        "duckdb_schemas",
        "duckdb_constraints",
        "duckdb_indexes",
        "duckdb_types",
        "duckdb_functions",
        "duckdb_keywords",
        "duckdb_sequences",
        "duckdb_dependencies",
        "pragma_table_info",
    }
)
# DuckDB's built-in views that show the file's path or the settings (folders included).
HIDDEN_VIEWS = frozenset({"duckdb_databases", "pragma_database_list", "pg_settings"})
SCALAR_FUNCTIONS = frozenset({"current_setting"})


class StatementRefused(Exception):
    """The statement is not one the sandbox runs; the message says what is allowed."""


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory database that only parses: it never sees the analytics file (a cursor
    a call, so threads do not share a connection)."""
    return duckdb.connect(config={"enable_external_access": False})


@cache
def _settings() -> frozenset[str]:
    with _parser().cursor() as cursor:
        rows = cursor.execute("SELECT lower(name) FROM duckdb_settings()").fetchall()
    return frozenset(name for (name,) in rows)


def check_statement(sql: str) -> None:
    """Raises StatementRefused unless `sql` is exactly one statement the sandbox runs
    (ALLOWED); a statement DuckDB cannot parse raises its ParserException."""
    statements = duckdb.extract_statements(sql)
    rewritten = [s for s in statements if not s.query.strip()]
    if rewritten:  # DuckDB 1.5 gives a PIVOT as a CREATE TYPE and a SELECT, without text
        raise StatementRefused(_refusal(rewritten[0].type.name))
    if _first_keyword(sql) == "pragma":  # DuckDB 1.5 gives a PRAGMA as the SELECT it runs
        raise StatementRefused(_refusal("PRAGMA"))
    if len(statements) != 1:
        raise StatementRefused(
            f"a query is one statement; this has {len(statements)}. Allowed: {ALLOWED}."
        )
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        _check_select(_explained(statement.query))
    elif statement.type == duckdb.StatementType.SELECT:
        _check_select(statement.query)
    else:
        raise StatementRefused(_refusal(statement.type.name))


def _refusal(what: str) -> str:
    return (
        f"{what} is refused: the analytics database is read-only and queries may read only "
        f"the analytics database, with the sandbox's limits. Allowed: {ALLOWED}."
    )


def _first_keyword(sql: str) -> str | None:
    """The keyword `sql` starts with (past comments and semicolons), lower-cased; None when
    it starts with another kind of token. DuckDB 1.5 folds a comment into the token
    before it, so the keyword is the start of its token's text."""
    marks = duckdb.tokenize(sql)
    ends = [offset for offset, _ in marks[1:]] + [len(sql)]
    for (start, kind), end in zip(marks, ends, strict=True):
        text = sql[start:end].strip().lower()
        if kind == duckdb.token_type.comment or text.startswith(";"):
            continue
        if kind != duckdb.token_type.keyword:
            return None
        word = text.split(maxsplit=1)[0]
        return word.split("/*", 1)[0].split("--", 1)[0]
    return None


def _explained(sql: str) -> str:
    """The statement an EXPLAIN [ANALYZE] [(options)] explains, found by DuckDB's tokenizer.

    DuckDB 1.5's tokenizer gives no comment tokens: a comment is part of the token before
    it, so only a token's first character is its own (a parenthesis in a comment is not
    counted). Its enums are compared with ==: 1.5's are not Python enums, `is` fails."""
    marks = duckdb.tokenize(sql)
    ends = [offset for offset, _ in marks[1:]] + [len(sql)]
    words = [
        (start, kind, sql[start:end].strip().lower())
        for (start, kind), end in zip(marks, ends, strict=True)
        if kind != duckdb.token_type.comment
    ]
    rest = words[1:]  # words[0] is EXPLAIN
    if (
        rest
        and rest[0][1] == duckdb.token_type.keyword
        and rest[0][2].startswith(("analyze", "analyse"))
    ):
        rest = rest[1:]
    if rest and rest[0][2].startswith("("):
        depth = 0
        for index, (_, kind, word) in enumerate(rest):
            if kind == duckdb.token_type.operator:  # a parenthesis is a token of its own
                depth += {"(": 1, ")": -1}.get(word[:1], 0)
            if depth <= 0:
                rest = rest[index + 1 :]
                break
    if not rest:
        raise StatementRefused(f"EXPLAIN of nothing. Allowed: {ALLOWED}.")
    inner = duckdb.extract_statements(sql[rest[0][0] :])
    if len(inner) != 1 or inner[0].type != duckdb.StatementType.SELECT:
        what = inner[0].type.name if len(inner) == 1 else "several statements"
        raise StatementRefused(_refusal(f"EXPLAIN of {what}"))
    return inner[0].query


def _check_select(sql: str) -> None:
    with _parser().cursor() as cursor:
        tree = json.loads(cursor.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0])
    if tree.get("error"):
        raise StatementRefused(
            f"the sandbox could not check this statement ({tree.get('error_message')}). "
            f"Allowed: {ALLOWED}."
        )
    found = sorted(set(_hidden(tree)))
    if found:
        raise StatementRefused(
            f"{', '.join(found)} may not be used in the sandbox: queries read the analytics "
            "file's tables and the table functions "
            f"{', '.join(sorted(TABLE_FUNCTIONS))}; the others show the server's files or "
            "settings, or run other SQL."
        )


def _hidden(node: Any) -> Iterator[str]:
    """What in a serialized parse tree names a table function outside TABLE_FUNCTIONS, a
    hidden view, a setting, or a function reading settings."""
    if isinstance(node, list):
        for item in node:
            yield from _hidden(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "TABLE_FUNCTION":
        name = str(node["function"]["function_name"]).lower()
        if name not in TABLE_FUNCTIONS:
            yield f"{name}()"
    elif kind == "BASE_TABLE" and str(node.get("table_name")).lower() in HIDDEN_VIEWS:
        yield str(node["table_name"]).lower()
    elif (
        kind == "SHOW_REF"
        and node.get("show_type") == "SHOW"
        and str(node.get("table_name")).lower() in _settings()
    ):
        yield f"the setting {str(node['table_name']).lower()}"
    if node.get("class") == "FUNCTION":
        name = str(node.get("function_name")).lower()
        if name in SCALAR_FUNCTIONS:
            yield f"{name}()"
    for value in node.values():
        yield from _hidden(value)
