"""Quality gates in Dagster and the CLI: a failed blocking check stops what follows."""

import dagster as dg
import duckdb
from typer.testing import CliRunner

from connectors.home import Home
from pipelines.cli import EXIT_BLOCKED, app
from pipelines.defs.quality import BLOCKING_CHECK, quality_checks_for
from pipelines.defs.resources import CausewayHome
from pipelines.defs.staging import staging_asset, staging_key
from schemas.contracts import load_contracts
from tests.warehouse.quality.conftest import (
    drop_next_snapshot,
    loaded_home,
    map_phone_onto_id_number,
)

KEY = staging_key("police_residents")


@dg.asset(deps=[KEY])
def downstream() -> None:
    """Stands for the core and mart assets that a blocking check protects."""


def test_a_blocking_failure_stops_downstream_and_explains_itself(tmp_path):
    home = loaded_home(tmp_path / "home")
    map_phone_onto_id_number(home)
    drop_next_snapshot(home)
    contract = home.contracts()["police_residents"]
    checks = quality_checks_for(KEY, "staging.police_residents")
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [staging_asset(contract), checks, downstream],
            instance=instance,
            resources={"home": CausewayHome(root=str(home.root))},
            raise_on_error=False,
        )
    assert not result.success
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    assert KEY in done and dg.AssetKey("downstream") not in done
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    blocking = evaluations[BLOCKING_CHECK]
    assert not blocking.passed and blocking.severity == dg.AssetCheckSeverity.ERROR
    table = blocking.metadata["failed_expectations"].value
    assert "each load quarantines at most 10% of its rows" in table
    assert "not an 18-digit ID number" in table


def test_the_factory_names_checks_per_asset():
    checks = quality_checks_for(dg.AssetKey(["core", "person"]), "core.person")
    names = {key.name for key in checks.check_keys}
    assert names == {"quality_blocking", "quality_warnings"}
    assert len(load_contracts()) == 5


def _published_at(home: Home):
    if not home.analytics.exists():
        return None
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        return con.execute("SELECT published_at FROM meta.publication").fetchall()


def test_causeway_run_exits_4_listing_failed_checks_and_does_not_publish(tmp_path):
    runner = CliRunner()
    home = tmp_path / "home"
    runner.invoke(app, ["demo", "--home", str(home), "--persons", "500", "--seed", "3"])
    first = runner.invoke(app, ["run", "--home", str(home)])
    assert first.exit_code == 0, first.output
    docs = runner.invoke(app, ["docs", "--home", str(home)])
    assert docs.exit_code == 0 and docs.output.strip().endswith("index.html")
    place = Home.resolve(home)
    published = _published_at(place)
    assert published is not None, "the first run published the analytics file"
    drop_next_snapshot(place, share=0.1)
    second = runner.invoke(app, ["run", "--home", str(home)])
    assert second.exit_code == EXIT_BLOCKED, second.output
    assert _published_at(place) == published, "a blocking failure stops publication"
    text = " ".join(second.output.split())
    assert "staging/police_residents:quality_blocking" in text
    assert "the previous snapshot's rows" in text
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        failed = con.execute(
            "SELECT failed_checks FROM audit.runs WHERE scope = 'police_residents' "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchall()
    assert failed == [(["staging/police_residents:quality_blocking"],)]
