"""The analysts' query sandbox: one reading statement, bounded, showing nothing of the home."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import QueryRefused, QueryTimedOut, SandboxLimits, run_query
from warehouse.publish.sandbox import open_sandbox

PERSONS = 1000


@pytest.fixture(scope="module")
def analytics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analytics file in a home of its own: core.person with a thousand rows."""
    path = tmp_path_factory.mktemp("sandbox_home") / "analytics.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA core")
        con.execute(
            "CREATE TABLE core.person AS SELECT printf('P%06d', i) AS person_id, i % 90 AS age "
            "FROM range(?) t(i)",
            [PERSONS],
        )
    return path


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM core.person",
        "WITH p AS (SELECT * FROM core.person) SELECT max(age) FROM p",
        "FROM core.person LIMIT 1",
        "VALUES (1, 'a')",
        "DESCRIBE core.person",
        "SHOW core.person",
        "SHOW SCHEMAS",
        "SHOW ALL TABLES",
        "SUMMARIZE core.person",
        "EXPLAIN SELECT * FROM core.person",
        "EXPLAIN ANALYZE SELECT count(*) FROM core.person",
        "EXPLAIN (FORMAT json) SELECT 1",
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'person'",
        "SELECT 1;",
    ],
)
def test_reading_statements_run(analytics: Path, sql: str) -> None:
    result = run_query(analytics, sql)
    assert result.columns and result.rows


@pytest.mark.parametrize(
    "sql",
    [
        "SET lock_configuration = false",
        "SET memory_limit = '500GB'",
        "RESET threads",
        "CREATE TEMP TABLE t AS SELECT 1",
        "CREATE MACRO m(x) AS x",
        "CHECKPOINT",
        "PRAGMA database_list",
        "PRAGMA show_tables",
        "CALL pragma_database_list()",
        "EXPLAIN ANALYZE DELETE FROM core.person",
        "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
        "ATTACH ':memory:' AS m",
        "DETACH analytics",
        "USE memory",
        "LOAD json",
        "INSTALL httpfs",
        "COPY core.person TO 'x.csv'",
        "EXPORT DATABASE 'x'",
        "PIVOT core.person ON age",
        "DELETE FROM core.person",
    ],
)
def test_everything_else_is_refused_naming_what_is_allowed(analytics: Path, sql: str) -> None:
    with pytest.raises(QueryRefused, match="Allowed: one SELECT") as refused:
        run_query(analytics, sql)
    assert "read-only" in str(refused.value)


def test_one_statement_per_query(analytics: Path) -> None:
    with pytest.raises(QueryRefused, match="one statement; this has 2"):
        run_query(analytics, "SELECT 1; SET memory_limit = '500GB'")
    with pytest.raises(QueryRefused, match="one statement; this has 0"):
        run_query(analytics, "  ;")


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN (FORMAT json)/*((*/ FROM (FROM duckdb_databases())/*)*/ SELECT 1",
        "EXPLAIN /*(*/ (FORMAT json) -- )\n SELECT * FROM duckdb_databases()",
    ],
)
def test_parentheses_in_comments_do_not_hide_what_explain_explains(
    analytics: Path, sql: str
) -> None:
    """DuckDB 1.5's tokenizer folds a comment into the token before it: the statement an
    EXPLAIN explains is still found where it starts, and checked whole."""
    with pytest.raises(QueryRefused, match=r"duckdb_databases\(\) may not be used"):
        run_query(analytics, sql)


def test_explain_analyze_with_a_comment_runs(analytics: Path) -> None:
    assert run_query(analytics, "EXPLAIN ANALYZE -- the plan\n SELECT count(*) FROM core.person")


def test_the_configuration_is_locked_and_limited(analytics: Path, tmp_path: Path) -> None:
    """Defence in depth: even a SET that got past the statement check could not run."""
    limits = SandboxLimits(memory_limit="300MB", temp_limit="200MB", threads=1, timeout=5)
    with open_sandbox(analytics, tmp_path, limits) as con:
        for setting in (
            "SET lock_configuration = false",
            "SET memory_limit = '500GB'",
            "SET temp_directory = '.'",
            "SET enable_external_access = true",
        ):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(setting)
        values = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('threads', 'temp_directory', 'enable_external_access', 'lock_configuration')"
            ).fetchall()
        )
        memory = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert values == {
        "threads": "1",
        "temp_directory": str(tmp_path),
        "enable_external_access": "false",
        "lock_configuration": "true",
    }
    assert memory.startswith("286") or memory.startswith("300"), memory  # 300MB in MiB


INTROSPECTION = [
    "PRAGMA database_list",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_databases",
    "SELECT path FROM system.main.duckdb_databases",
    "SELECT * FROM pragma_database_list",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT current_setting('temp_directory')",
    "SELECT current_setting('allowed_paths')",
    "SHOW temp_directory",
    "SHOW databases",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM glob('*')",
    "SELECT * FROM query('SELECT path FROM duckdb_databases()')",
    "SELECT (SELECT list(path) FROM duckdb_databases()) AS p",
    "WITH d AS (FROM duckdb_databases()) SELECT reverse(path) FROM d",
    'SELECT * FROM "DuckDB_Databases"()',
    "EXPLAIN ANALYZE SELECT * FROM duckdb_databases()",
    "SUMMARIZE SELECT * FROM duckdb_settings()",
    "DESCRIBE SELECT path FROM duckdb_databases()",
]


def _shows(sql: str, analytics: Path) -> str:
    """What the sandbox gives back for `sql`: its rows, or the refusal or error message."""
    try:
        return repr(run_query(analytics, sql))
    except (QueryRefused, duckdb.Error) as exc:
        return str(exc)


@pytest.mark.parametrize("sql", INTROSPECTION)
def test_introspection_shows_no_home_path(analytics: Path, sql: str) -> None:
    home = str(analytics.parent)
    assert home not in _shows(sql, analytics)
    assert home.rsplit("/", 1)[-1] not in _shows(sql, analytics)


def test_no_builtin_view_or_table_function_shows_the_home(analytics: Path) -> None:
    """Every view DuckDB ships, and every table function callable without arguments: a
    DuckDB upgrade that adds one exposing the path fails here."""
    with duckdb.connect() as con:
        views = con.execute(
            "SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE internal"
        ).fetchall()
        functions = con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type = 'table' AND len(parameters) = 0"
        ).fetchall()
    assert len(views) > 20 and len(functions) > 20
    home = str(analytics.parent)
    for database, schema, view in views:
        assert home not in _shows(f'SELECT * FROM {database}.{schema}."{view}"', analytics), view
    for (function,) in functions:
        assert home not in _shows(f'SELECT * FROM "{function}"()', analytics), function


def test_a_four_way_cross_join_is_stopped_at_the_time_limit(analytics: Path) -> None:
    sql = "SELECT count(*) FROM core.person a, core.person b, core.person c, core.person d"
    with pytest.raises(QueryTimedOut, match=r"2 s limit .* --timeout"):
        run_query(analytics, sql, SandboxLimits(timeout=2))


def test_spill_is_capped_and_kept_outside_the_home(
    analytics: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query that spills past the temp limit is refused; the spill folder was a private
    one under the system's temporary folder, removed afterwards, and the home is as it was."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    before = sorted(os.listdir(analytics.parent))
    spilling = (
        "SELECT count(*) FROM (SELECT DISTINCT i::VARCHAR || repeat('x', 50) AS s "
        "FROM range(5000000) t(i))"
    )
    limits = SandboxLimits(memory_limit="64MB", temp_limit="8MB", threads=1, timeout=60)
    with pytest.raises(QueryRefused, match="--memory-limit and --temp-limit"):
        run_query(analytics, spilling, limits)
    assert sorted(os.listdir(analytics.parent)) == before
    assert list(temporary.iterdir()) == [], "the spill folder is removed"
    with pytest.raises(QueryRefused, match="one statement"):
        run_query(analytics, "SELECT 1; SELECT 2", limits)
    assert list(temporary.iterdir()) == []


def test_limits_are_checked() -> None:
    for bad in (
        {"memory_limit": "lots"},
        {"temp_limit": "1GB; SET x=1"},
        {"threads": 0},
        {"timeout": 0},
    ):
        with pytest.raises(ValueError):
            SandboxLimits(**bad)
