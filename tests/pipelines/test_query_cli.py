"""`causeway query`: the sandbox's limits as flags, and values printed as text."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.home import Home
from pipelines.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    place = Home.resolve(tmp_path_factory.mktemp("query_home")).ensure()
    with duckdb.connect(str(place.analytics)) as con:
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.person AS SELECT i AS n FROM range(1000) t(i)")
    return place


def query(home: Home, *args: str):
    return runner.invoke(app, ["query", *args, "--home", str(home.root)], catch_exceptions=False)


def test_values_and_column_names_are_printed_as_text_not_markup(home: Home) -> None:
    result = query(home, "SELECT '[/]' AS \"[bold]x\", '[bold reverse]y.csv' AS v")
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output and "[bold]x" in result.output
    assert "[bold reverse]y.csv" in result.output


def test_a_parser_error_quoting_markup_is_printed(home: Home) -> None:
    result = query(home, "SELEC '[/]'")
    assert result.exit_code == 1
    assert "Parser" in result.output and "[/]" in result.output


def test_the_timeout_flag_stops_a_cross_join(home: Home) -> None:
    sql = "SELECT count(*) FROM core.person a, core.person b, core.person c, core.person d"
    result = query(home, sql, "--timeout", "1.5")
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "1.5 s limit" in said and "--timeout" in said


def test_limits_flags_are_checked_and_refusals_name_what_is_allowed(home: Home) -> None:
    bad = query(home, "SELECT 1", "--memory-limit", "all of it")
    assert bad.exit_code == 2 and "memory_limit" in bad.output
    ok = query(home, "SELECT 1 AS one", "--threads", "1", "--memory-limit", "200MB")
    assert ok.exit_code == 0 and "one" in ok.output
    refused = query(home, "SET lock_configuration = false")
    assert refused.exit_code == 1
    assert "Allowed: one SELECT" in " ".join(refused.output.split())
