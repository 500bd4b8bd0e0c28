"""The whole code location loads; sensors see complete files once; assets really load."""

import os

import dagster as dg
import pytest
import yaml

from connectors.home import Home
from demo import generate
from pipelines.definitions import build_definitions
from pipelines.defs.core import CORE_TABLES
from pipelines.defs.resources import CausewayHome
from pipelines.defs.sensors import folder_sensor
from pipelines.defs.staging import staging_asset
from schemas.contracts import load_contracts
from schemas.marts import MARTS

CONTRACTS = load_contracts()


def test_definitions_load_with_an_asset_and_a_sensor_per_contract(tmp_path):
    defs = build_definitions(Home.resolve(tmp_path))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {tuple(k.path) for k in graph.materializable_asset_keys}
    staging = {("staging", s) for s in CONTRACTS} | {("ingest", "unmatched_files")}
    core = {("core", t) for t in CORE_TABLES}
    marts = {("mart", m.entity_name) for m in MARTS}
    assert keys == staging | core | marts | {("analytics", "published"), ("link", "review_queue")}
    for key in graph.materializable_asset_keys:
        assert defs.resolve_assets_def(key).descriptions_by_key[key]
    sensors = {s.name: s for s in defs.sensors}
    assert set(sensors) == {f"{s}_files" for s in CONTRACTS} | {
        "causeway_automation",
        "run_summary_on_success",
        "run_summary_on_failure",
    }
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())
    schedules = {s.name: s for s in defs.schedules}
    assert schedules["nightly_relink"].default_status == dg.DefaultScheduleStatus.RUNNING
    # Every core asset waits for every staging asset.
    graph = defs.resolve_asset_graph()
    for table in CORE_TABLES:
        parents = {tuple(k.path) for k in graph.get(dg.AssetKey(["core", table])).parent_keys}
        assert {("staging", s) for s in CONTRACTS} <= parents


def test_a_lake_adds_its_commit_after_the_publication(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSEWAY_WAREHOUSE", "iceberg:")
    graph = build_definitions(Home.resolve(tmp_path)).resolve_asset_graph()
    commit = graph.get(dg.AssetKey(["lake", "commit"]))
    assert {tuple(k.path) for k in commit.parent_keys} == {("analytics", "published")}
    monkeypatch.setenv("CAUSEWAY_WAREHOUSE", "bogus:x")  # fails in its step, not at load
    assert (
        dg.AssetKey(["lake", "commit"])
        in build_definitions(Home.resolve(tmp_path)).resolve_asset_graph().materializable_asset_keys
    )
    monkeypatch.delenv("CAUSEWAY_WAREHOUSE")
    assert (
        dg.AssetKey(["lake", "commit"])
        not in build_definitions(Home.resolve(tmp_path))
        .resolve_asset_graph()
        .materializable_asset_keys
    )


def test_a_site_contract_adds_an_asset_without_python(tmp_path):
    home = Home.resolve(tmp_path)
    home.contracts_dir.mkdir(parents=True)
    source = CONTRACTS["civil_affairs_cases"].model_dump(mode="json")
    source.update(source="civil_affairs_elderly", file_patterns=["elderly_*.csv"])
    (home.contracts_dir / "elderly.yaml").write_text(yaml.safe_dump(source, allow_unicode=True))
    keys = build_definitions(home).resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey(["staging", "civil_affairs_elderly"]) in keys


def _tick(sensor, home, cursor):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"home": CausewayHome(root=str(home.root))}
    )
    result = sensor.evaluate_tick(context)
    return result, context.cursor


def test_sensor_waits_for_a_stable_file_and_sees_changes(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    sensor = folder_sensor(CONTRACTS["civil_affairs_cases"])
    folder = home.ingest_dir("civil_affairs")
    (folder / "civil_affairs_cases_1.csv.part").write_text("still copying")
    result, cursor = _tick(sensor, home, None)
    assert not result.run_requests and "no files" in result.skip_message
    path = folder / "civil_affairs_cases_1.csv"
    path.write_text("a,b\n1,2\n")
    result, cursor = _tick(sensor, home, cursor)
    assert not result.run_requests, "a file seen once may still be growing"
    result, cursor = _tick(sensor, home, cursor)
    assert len(result.run_requests) == 1
    first_key = result.run_requests[0].run_key
    result, cursor = _tick(sensor, home, cursor)
    assert result.run_requests[0].run_key == first_key, "unchanged: same run key, deduplicated"
    path.write_text("a,b\n1,2\n3,4\n")
    os.utime(path, ns=(1, 10**18))
    result, cursor = _tick(sensor, home, cursor)
    assert not result.run_requests, "changing between ticks"
    result, cursor = _tick(sensor, home, cursor)
    assert result.run_requests[0].run_key != first_key


def test_materialize_a_staging_asset(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 400, 4, 1)
    asset = staging_asset(CONTRACTS["health_residents"])
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [asset], instance=instance, resources={"home": CausewayHome(root=str(home.root))}
        )
    assert result.success
    (materialization,) = result.asset_materializations_for_node(asset.op.name)
    metadata = materialization.metadata
    assert metadata["files"].value == 1
    assert (
        metadata["rows_in"].value
        == metadata["rows_loaded"].value + metadata["rows_quarantined"].value
    )
    assert metadata["rows_loaded"].value > 0
    assert not list(home.ingest_dir("health").glob("*.csv"))
    assert list(home.ingest_dir("police").glob("*.csv")), "another source's files are not touched"


@pytest.mark.parametrize("name", ["~$book.xlsx", ".hidden.csv", "x.csv.crdownload", "y.tmp"])
def test_in_progress_names_are_not_pending(tmp_path, name):
    home = Home.resolve(tmp_path).ensure()
    (home.ingest_dir("health") / name).write_text("x")
    assert home.pending_files("health") == []


def test_each_mart_shows_the_tables_its_sql_reads(tmp_path):
    """Lineage in Dagster is read off the mart SQL: a mart depends on what it reads."""
    defs = build_definitions(Home.resolve(tmp_path).ensure())
    graph = defs.resolve_asset_graph()

    def parents(name: str) -> set[str]:
        key = dg.AssetKey(["mart", name])
        return {"/".join(k.path) for k in graph.get(key).parent_keys}

    summary = parents("building_summary")
    assert {"core/incident", "core/building", "mart/vulnerable_residents"} <= summary
    assert not any(p.startswith("staging/") for p in summary)
    assert parents("grid_summary") == {"core/building", "core/incident", "mart/building_summary"}
    assert {f"staging/{c}" for c in load_contracts()} <= parents("person_360")
    assert "core/health_record" in parents("vulnerable_residents")
