"""`causeway run` on a lake: the Dagster run commits after it publishes, another machine
pulls the district, and the lake's core tables are the ones a run on a DuckDB file alone
builds from the same exports."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.home import Home
from demo import generate
from pipelines.cli import app
from warehouse.lake import LAKE_DATA_ENV, WAREHOUSE_ENV

runner = CliRunner()
KEY = "lake-cli-key"
# What differs between two runs of the same exports: when (a record version is its load
# time), and the run that did it.
VOLATILE = ("_at", "link_run_id", "run_id", "_loaded", "file_id", "record_version")


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _core(path: Path, digits: int | None = None) -> dict[str, list[tuple]]:
    """Every core table's rows, sorted, without the columns that name a time or a run;
    with `digits`, floating-point columns rounded to that many decimals (two link runs on
    two threads add a match probability's terms in another order: the last bit differs)."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core' ORDER BY 1"
        ).fetchall():
            columns = [
                f'round("{c}", {digits})' if digits is not None and kind == "DOUBLE" else f'"{c}"'
                for (c, kind) in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() "
                    "WHERE schema_name = 'core' AND table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
                if not c.endswith(VOLATILE)
            ]
            listed = ", ".join(columns)
            out[table] = sorted(
                con.execute(f'SELECT {listed} FROM core."{table}"').fetchall(), key=repr
            )
    return out


def _district(root: Path, persons: int) -> Home:
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, persons, 6, 1)
    return home


def _run_on_a_lake_and_alone(tmp_path, monkeypatch, url: str, persons: int) -> None:
    monkeypatch.setenv("CAUSEWAY_PSEUDONYM_KEY", KEY)
    alone = _district(tmp_path / "alone", persons)
    assert _cli("run", "--home", str(alone.root))[0] == 0

    monkeypatch.setenv(WAREHOUSE_ENV, f"iceberg:{url}")
    monkeypatch.setenv(LAKE_DATA_ENV, str(tmp_path / "lake"))
    writer = _district(tmp_path / "writer", persons)
    code, out = _cli("run", "--home", str(writer.root))
    assert code == 0, out
    code, out = _cli("lake", "log", "--home", str(writer.root), "--format", "json")
    assert code == 0, out
    [commit] = json.loads(out)
    assert commit["commit"] == 1 and commit["kind"] == "run" and commit["generation"]

    reader = Home.resolve(tmp_path / "reader")
    assert _cli("init", "--home", str(reader.root))[0] == 0  # a new machine's empty home
    code, out = _cli("lake", "pull", "--home", str(reader.root))
    assert code == 0 and "Pulled commit 1" in out, out
    lake_core = _core(reader.warehouse)
    assert lake_core == _core(writer.warehouse)
    assert _core(reader.warehouse, 12) == _core(alone.warehouse, 12)
    assert sum(map(len, lake_core.values())) > persons

    # Nothing new: the run says so and commits nothing; the reader is in step.
    assert "nothing to do" in _cli("run", "--home", str(writer.root))[1]
    assert "Already in step" in _cli("lake", "pull", "--home", str(reader.root))[1]
    count = "SELECT count(*) FROM mart.vulnerable_residents"
    code, out = _cli("query", count, "--home", str(reader.root), "--as-of", "1", "--format", "csv")
    assert code == 0 and "As of commit 1" in out, out
    with duckdb.connect(str(alone.analytics), read_only=True) as con:
        assert out.strip().splitlines()[-1] == str(con.execute(count).fetchall()[0][0])
    code, out = _cli("query", count, "--home", str(reader.root), "--as-of", "9")
    assert code == 1 and "no commit of the lake matches" in out


def test_a_run_commits_and_another_machine_pulls_the_same_district(tmp_path, monkeypatch, pg_url):
    _run_on_a_lake_and_alone(tmp_path, monkeypatch, pg_url, 300)


@pytest.mark.slow
def test_the_20k_demo_on_a_postgresql_catalog_is_the_duckdb_file_run(tmp_path, monkeypatch, pg_url):
    _run_on_a_lake_and_alone(tmp_path, monkeypatch, pg_url, 20_000)


def test_lake_commands_without_a_lake_say_how_to_configure_one(tmp_path, monkeypatch):
    monkeypatch.delenv(WAREHOUSE_ENV, raising=False)
    code, out = _cli("lake", "log", "--home", str(tmp_path))
    assert code == 2 and "CAUSEWAY_WAREHOUSE=iceberg:" in " ".join(out.split())


def test_a_lake_out_of_reach_publishes_here_and_the_next_run_commits(tmp_path, monkeypatch, pg_url):
    """The catalog is down: the district is still loaded, linked and published, the run
    exits 6 saying the commit is owed, and the first run that reaches the lake commits."""
    monkeypatch.setenv("CAUSEWAY_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv(LAKE_DATA_ENV, str(tmp_path / "lake"))
    down = "postgresql+psycopg://causeway:s3cret@127.0.0.1:9/lake?connect_timeout=2"
    monkeypatch.setenv(WAREHOUSE_ENV, f"iceberg:{down}")
    home = _district(tmp_path / "home", 300)
    code, out = _cli("run", "--home", str(home.root))
    said = " ".join(out.split())
    assert code == 6, out
    assert "Published here, but not committed to the lake" in said and "s3cret" not in said
    assert "analytics.duckdb is current" in said

    monkeypatch.setenv(WAREHOUSE_ENV, f"iceberg:{pg_url}")
    code, out = _cli("run", "--home", str(home.root))
    assert code == 0 and "Pushed commit 1" in out, out
    code, out = _cli("lake", "log", "--home", str(home.root), "--format", "json")
    [commit] = json.loads(out)
    assert commit["kind"] == "push" and commit["generation"]
