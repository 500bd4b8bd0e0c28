"""A database contract is an asset and a schedule; the demo's health database loads exactly
what its GBK file loads, through Dagster, from a real PostgreSQL."""

import dagster as dg
import duckdb

from connectors.home import Home
from demo import generate, health_db
from pipelines.definitions import build_definitions
from pipelines.defs.database import database_asset
from pipelines.defs.resources import WAREHOUSE_POOL, CausewayHome
from warehouse.ingest.intake import process_pending

KEY = dg.AssetKey(["staging", "health_residents"])


def _db_home(root) -> Home:
    home = Home.resolve(root).ensure()
    health_db.write_contract(home.contracts_dir)
    return home


def test_a_database_contract_yields_an_asset_and_a_schedule_not_a_sensor(tmp_path):
    defs = build_definitions(_db_home(tmp_path))
    dg.Definitions.validate_loadable(defs)
    asset = defs.resolve_assets_def(KEY)
    assert asset.op.pool == WAREHOUSE_POOL
    assert asset.specs_by_key[KEY].metadata["reads"] == "health.residents"
    (schedule,) = [s for s in defs.schedules if s.name != "nightly_relink"]
    job = defs.resolve_job_def(schedule.job_name)
    assert job.asset_layer.selected_asset_keys == {KEY}  # the extract and nothing else
    assert schedule.cron_schedule == "0 * * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert "health_residents_files" not in {s.name for s in defs.sensors}
    assert "police_residents_files" in {s.name for s in defs.sensors}


def _current(home: Home) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT record_id, name, id_number, birth_date, phone, building_no, "
            "chronic_conditions, mobility, medical_equipment, _flags "
            "FROM staging.health_residents_current ORDER BY ALL"
        ).fetchall()


def _quarantined(home: Home) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT list_sort([regexp_replace(r, 'row [0-9]+', 'row N') FOR r IN reasons]) "
            "FROM quarantine.rows WHERE source = 'health_residents' ORDER BY ALL"
        ).fetchall()


def test_demo_health_database_loads_what_its_file_loads(tmp_path, pg_url, monkeypatch):
    files = Home.resolve(tmp_path / "files").ensure()
    generate(files.ingest, files.demo_truth, 400, 5, 1)
    process_pending(files, source="health_residents")

    home = _db_home(tmp_path / "db")
    generate(home.ingest, home.demo_truth, 400, 5, 1, health_db=pg_url)
    assert not list(home.ingest_dir("health").glob("*.csv"))
    for truth in files.demo_truth.glob("*.csv"):
        assert (home.demo_truth / truth.name).read_bytes() == truth.read_bytes(), truth.name
    monkeypatch.setenv(health_db.URL_ENV, pg_url)
    asset = database_asset(home.contracts()["health_residents"])
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [asset], instance=instance, resources={"home": CausewayHome(root=str(home.root))}
        )
    assert result.success
    (materialization,) = result.asset_materializations_for_node(asset.op.name)
    metadata = materialization.metadata
    assert metadata["batches"].value == 1
    assert (
        metadata["rows_in"].value
        == metadata["rows_loaded"].value + metadata["rows_quarantined"].value
    )
    assert _current(home) == _current(files)
    assert _quarantined(home) == _quarantined(files), "the same reasons; row numbers differ"
