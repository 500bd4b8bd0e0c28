"""Source contracts validate against the shared schemas and code tables."""

from pathlib import Path

import pytest
import yaml

from schemas.contracts import ContractError, ExportMode, load_contract, load_contracts

DEMO_SOURCES = {
    "housing_occupants",
    "health_residents",
    "police_residents",
    "police_incidents",
    "civil_affairs_cases",
}


def test_repository_contracts_cover_the_demo_sources():
    contracts = load_contracts()
    assert set(contracts) == DEMO_SOURCES
    assert {c.department for c in contracts.values()} == {
        "housing",
        "health",
        "police",
        "civil_affairs",
    }
    assert contracts["housing_occupants"].mode is ExportMode.SNAPSHOT
    assert contracts["health_residents"].mode is ExportMode.DELTA
    assert contracts["police_incidents"].staging_table == "staging.police_incidents"


def _write(tmp_path: Path, **changes) -> Path:
    raw = yaml.safe_load(
        (Path(__file__).parents[2] / "contracts" / "health_residents.yaml").read_text()
    )
    raw.update(changes)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_target_field_is_named(tmp_path):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    columns = {**base["columns"], "favourite_colour": {"aliases": ["颜色"]}}
    with pytest.raises(ContractError, match="favourite_colour"):
        load_contract(_write(tmp_path, columns=columns))


def test_value_outside_the_code_table_is_named(tmp_path):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    columns = base["columns"]
    columns["sex"]["values"]["未知"] = "X"
    with pytest.raises(ContractError, match=r"values \['X'\] are not codes of table 'sex'"):
        load_contract(_write(tmp_path, columns=columns))


def test_duplicate_alias_is_refused(tmp_path):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    columns = base["columns"]
    columns["phone"]["aliases"] = ["电话", "姓名"]
    with pytest.raises(ContractError, match="header alias '姓名' maps to name and phone"):
        load_contract(_write(tmp_path, columns=columns))


def test_required_field_needs_a_column(tmp_path):
    with pytest.raises(ContractError, match="'due_date' is required but no column maps to it"):
        base = load_contracts()["health_residents"].model_dump(mode="json")
        columns = {k: v for k, v in base["columns"].items() if k != "due_date"}
        load_contract(_write(tmp_path, columns=columns, required=["record_id", "due_date"]))


def test_hostile_source_name_is_refused(tmp_path):
    with pytest.raises(ContractError, match="source"):
        load_contract(_write(tmp_path, source='x"; DROP TABLE y; --'))


def test_site_contract_overrides_the_repository_one(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    override = _write(tmp_path, description="site-specific layout")
    (site / "health_residents.yaml").write_text(
        override.read_text(encoding="utf-8"), encoding="utf-8"
    )
    from schemas.contracts import REPO_CONTRACTS

    contracts = load_contracts([REPO_CONTRACTS, site])
    assert contracts["health_residents"].description == "site-specific layout"


def test_contract_reference_is_current():
    from schemas.contracts import render_contract_reference

    checked_in = (Path(__file__).parents[2] / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert checked_in.rstrip("\n") == render_contract_reference().rstrip("\n"), (
        "docs/contracts.md is stale: run `make dictionary`"
    )


def test_aliases_that_differ_only_in_width_or_spacing_collide(tmp_path):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    columns = base["columns"]
    columns["phone"]["aliases"] = ["电话", "姓 名"]
    with pytest.raises(ContractError, match="maps to name and phone"):
        load_contract(_write(tmp_path, columns=columns))
