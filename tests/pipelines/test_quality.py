"""Quality gates in Dagster and the CLI: a load that fails a blocking rule is held back
alone, and the rest of the district goes on to be linked and published."""

from pathlib import Path

import dagster as dg
import duckdb
from typer.testing import CliRunner

from connectors.home import Home
from pipelines.cli import app
from pipelines.defs.quality import (
    BLOCKING_CHECK,
    HELD_CHECK,
    layer_quality_checks,
    staging_quality_checks,
)
from pipelines.defs.resources import CausewayHome
from pipelines.defs.staging import staging_asset, staging_assets, staging_key
from pipelines.exit_codes import ExitCode
from schemas.contracts import load_contracts
from tests.warehouse.quality.conftest import (
    drop_next_snapshot,
    loaded_home,
    map_phone_onto_id_number,
)
from warehouse.ingest.intake import process_pending

KEY = staging_key("police_residents")


@dg.asset(deps=[KEY])
def downstream() -> None:
    """Stands for the core and mart assets that a blocking check protects."""


def test_a_failing_load_is_held_back_and_downstream_still_runs(tmp_path):
    home = loaded_home(tmp_path / "home")
    map_phone_onto_id_number(home)
    drop_next_snapshot(home)
    contract = home.contracts()["police_residents"]
    checks = layer_quality_checks("police", {KEY: "staging.police_residents"}, per_load=True)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [staging_asset(contract), checks, downstream],
            instance=instance,
            resources={"home": CausewayHome(root=str(home.root))},
            raise_on_error=False,
        )
    assert result.success
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {KEY, dg.AssetKey("downstream")} <= done, "what is left in staging goes on"
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations[BLOCKING_CHECK].passed
    table = evaluations[BLOCKING_CHECK].metadata["failed_expectations"].value
    assert "each load sets aside one field in at most 25% of its rows" in table
    held = evaluations[HELD_CHECK]
    assert not held.passed and held.severity == dg.AssetCheckSeverity.ERROR
    (line,) = held.metadata["failures"].value
    assert "police_residents_202610.csv" in line and "sets aside one field" in line


def _gates(home: Home) -> dict[str, list[str | None]]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT source, list(gate ORDER BY loaded_at, file_id) FROM audit.file_loads "
            "GROUP BY source"
        ).fetchall()
    return dict(rows)


def test_one_step_checks_the_layer_and_a_run_checks_only_what_it_selects(tmp_path):
    home = loaded_home(tmp_path / "home")
    # A second, healthy police snapshot: two loads of one table judged in one step.
    drop_next_snapshot(home)
    process_pending(home)
    contracts = list(home.contracts().values())
    (layer,) = staging_quality_checks(contracts)
    resources = {"home": CausewayHome(root=str(home.root))}
    with dg.DagsterInstance.ephemeral() as instance:
        police_only = dg.materialize(
            [*staging_assets(contracts), layer],
            instance=instance,
            resources=resources,
            selection=dg.AssetSelection.checks_for_assets(KEY),
        )
        assert {e.asset_key for e in police_only.get_asset_check_evaluations()} == {KEY}
        gates = _gates(home)
        assert gates.pop("police_residents") == ["passed", "passed"]
        assert all(g == [None] for g in gates.values()), "the others wait for their own run"
        everything = dg.materialize(
            [*staging_assets(contracts), layer],
            instance=instance,
            resources=resources,
            selection=dg.AssetSelection.all_asset_checks(),
        )
    judged = {e.asset_key for e in everything.get_asset_check_evaluations()}
    assert judged == {staging_key(c.source) for c in contracts}
    assert all(g == ["passed"] for s, g in _gates(home).items() if s != "police_residents")


def test_the_factory_names_checks_per_asset():
    checks = layer_quality_checks("person", {dg.AssetKey(["core", "person"]): "core.person"})
    names = {key.name for key in checks.check_keys}
    assert names == {"quality_blocking", "quality_warnings"}
    staging = layer_quality_checks("police", {KEY: "staging.police_residents"}, per_load=True)
    assert {key.name for key in staging.check_keys} == {*names, HELD_CHECK}
    assert len(load_contracts()) == 5


def _published_at(home: Home):
    if not home.analytics.exists():
        return None
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        return con.execute("SELECT published_at FROM meta.publication").fetchall()


def _loads(home: Path):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT file_id, source, gate FROM audit.file_loads WHERE retracted_at IS NULL "
            "ORDER BY file_id"
        ).fetchall()


def _police(home: Path):
    """(current police records, how many are linked, the files they come from)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT count(*), count(*) FILTER (WHERE record_id IN (SELECT source_record_id "
            "FROM core.person_source WHERE source = 'police_residents')), "
            "list(DISTINCT _file_id) FROM staging.police_residents_current"
        ).fetchall()[0]


def test_a_held_load_beside_three_healthy_departments_publishes_the_three(tmp_path):
    runner = CliRunner()
    home = tmp_path / "home"
    runner.invoke(app, ["demo", "--home", str(home), "--persons", "500", "--seed", "3"])
    first = runner.invoke(app, ["run", "--home", str(home)])
    assert first.exit_code == 0, first.output
    place = Home.resolve(home)
    published = _published_at(place)
    assert published is not None, "the first run published the analytics file"
    police_before = _police(home)
    assert police_before[0] == police_before[1], "every current record is linked"
    loaded_before = {f for f, _, _ in _loads(home)}
    runner.invoke(app, ["demo", "--home", str(home), "--batch", "2"])
    for path in place.ingest_dir("police").glob("police_residents_*"):
        path.unlink()
    drop_next_snapshot(place, share=0.1)
    second = runner.invoke(app, ["run", "--home", str(home)])
    assert second.exit_code == ExitCode.HELD, second.output
    after_hold = _published_at(place)
    assert after_hold != published, "the healthy departments were published"
    text = " ".join(second.output.split())
    assert "1 load(s) held back by the quality gate" in text
    assert "police_residents_202610.csv" in text and "previous snapshot's rows" in text
    assert "causeway gate release" in text
    new = [(f, s, g) for f, s, g in _loads(home) if f not in loaded_before]
    held = [f for f, _, g in new if g == "held"]
    assert len(held) == 1
    others = {s: g for _, s, g in new if s != "police_residents"}
    assert len(others) >= 3 and set(others.values()) == {"passed"}, new
    assert _police(home) == police_before, "police keeps its last good state"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (status,) = con.execute(
            "SELECT r.status FROM audit.runs r JOIN audit.file_loads f USING (run_id) "
            "WHERE f.file_id = ?",
            held,
        ).fetchall()[0]
    assert status == "blocked"

    released = runner.invoke(
        app, ["gate", "release", held[0], "--reason", "a pilot station", "--home", str(home)]
    )
    assert released.exit_code == 0, released.output
    current, linked, files = _police(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        action = con.execute(
            "SELECT action, reason, new_file_id FROM audit.file_actions WHERE file_id = ? "
            "ORDER BY acted_at",
            held,
        ).fetchall()
    assert [a[:2] for a in action] == [("hold", action[0][1]), ("release", "a pilot station")]
    assert files == [action[-1][2]] and current < police_before[0], "the released rows stand"
    assert linked == current, "and are linked"
    assert _published_at(place) != after_hold, "and published"
    refused = runner.invoke(
        app, ["gate", "release", held[0], "--reason", "again", "--home", str(home)]
    )
    assert refused.exit_code == 1 and "already retracted" in refused.output
