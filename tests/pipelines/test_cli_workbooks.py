"""`causeway run` (a Dagster run on the home's instance) with a zip bomb among real exports."""

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from tests.connectors.workbooks import write_zip_bomb

runner = CliRunner()


def test_a_zip_bomb_is_rejected_and_the_district_loads_and_publishes(tmp_path):
    home = tmp_path / "home"
    demo = runner.invoke(app, ["demo", "--home", str(home), "--persons", "300", "--seed", "4"])
    assert demo.exit_code == 0, demo.output
    # Named to be read just before the housing department's real export.
    write_zip_bomb(home / "ingest/housing/housing_occupants_202608_bomb.xlsx", 20)
    run = runner.invoke(app, ["run", "--home", str(home)], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        loads = dict(con.execute("SELECT file_name, status FROM audit.file_loads").fetchall())
        reason = con.execute(
            "SELECT reason FROM audit.file_loads WHERE file_name LIKE '%bomb%'"
        ).fetchall()[0][0]
        runs = con.execute("SELECT status, dagster_run_id FROM audit.runs").fetchall()
    assert loads.pop("housing_occupants_202608_bomb.xlsx") == "rejected"
    assert "zip bomb" in reason
    assert len(loads) == 5 and set(loads.values()) <= {"loaded", "partial"}, loads
    assert "housing_occupants_202609.xlsx" in loads
    assert runs and all(status == "completed" and dagster for status, dagster in runs), runs
    assert list((home / "rejected").glob("*_housing_occupants_202608_bomb.xlsx"))
    assert (home / "analytics.duckdb").is_file()
