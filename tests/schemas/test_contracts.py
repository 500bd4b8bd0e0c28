"""Source contracts validate against the shared schemas and code tables."""

import re
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


DATABASE = {"url_env": "CAUSEWAY_HEALTH_DB", "table": "health.residents", "cursor": {"column": "t"}}


def _database_contract(tmp_path: Path, **database) -> Path:
    raw = yaml.safe_load(
        (Path(__file__).parents[2] / "contracts" / "health_residents.yaml").read_text()
    )
    raw.pop("file_patterns")
    raw["database"] = {**DATABASE, **database}
    path = tmp_path / "db.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_database_contract_loads_with_defaults(tmp_path):
    contract = load_contract(_database_contract(tmp_path))
    assert contract.database is not None
    assert contract.database.batch_size == 50_000
    assert contract.database.schedule == "0 * * * *"
    assert contract.database.relation == "health.residents"
    assert contract.file_patterns == ()


@pytest.mark.parametrize(
    ("database", "message"),
    [
        ({"url_env": "postgresql+psycopg://u:secret@h/db"}, "NAME of an environment variable"),
        ({"url_env": None, "url": "postgresql://u:secret@h/db"}, "holds a password"),
        ({"url_env": None, "url": "postgresql://u@h/db?password=secret"}, "holds a password"),
        ({"url": "postgresql://h/db"}, "exactly one of `url_env` or `url`"),
        ({"url_env": None}, "exactly one of `url_env` or `url`"),
        ({"query": "SELECT 1"}, "exactly one of `table` or `query`"),
        ({"table": None}, "exactly one of `table` or `query`"),
        ({"batch_size": 0}, "batch_size"),
        ({"schedule": "hourly"}, "schedule"),
        ({"cursor": {}}, "cursor.column"),
    ],
)
def test_database_section_errors_are_clear(tmp_path, database, message):
    with pytest.raises(ContractError, match=re.escape(message)):
        load_contract(_database_contract(tmp_path, **database))


def test_a_password_less_url_may_be_written(tmp_path):
    path = _database_contract(tmp_path, url_env=None, url="postgresql+psycopg:///health")
    assert load_contract(path).database.url == "postgresql+psycopg:///health"


def test_file_and_database_sources_are_exclusive(tmp_path):
    raw = yaml.safe_load(_database_contract(tmp_path).read_text(encoding="utf-8"))
    raw["file_patterns"] = ["*.csv"]
    (tmp_path / "both.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(ContractError, match="reads no files"):
        load_contract(tmp_path / "both.yaml")
    with pytest.raises(ContractError, match="needs `file_patterns`"):
        load_contract(_write(tmp_path, file_patterns=[]))


def _site_contract(folder: Path, source: str, patterns: list[str]) -> None:
    raw = yaml.safe_load(
        (Path(__file__).parents[2] / "contracts" / "health_residents.yaml").read_text()
    )
    raw.update(source=source, file_patterns=patterns)
    folder.mkdir(exist_ok=True)
    (folder / f"{source}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")


def test_two_contracts_of_one_folder_whose_patterns_overlap_are_refused(tmp_path):
    # `health_clinic_*.csv` and `*健康档案*.csv` both match `health_clinic_健康档案.csv`.
    _site_contract(tmp_path / "site", "health_clinic", ["health_clinic_*.csv"])
    _site_contract(tmp_path / "site", "health_files", ["*健康档案*.csv"])
    with pytest.raises(ContractError) as refused:
        load_contracts([Path(__file__).parents[2] / "contracts", tmp_path / "site"])
    message = str(refused.value)
    assert "health_files" in message and "health_clinic" in message
    assert "'health_clinic_*.csv' and '*健康档案*.csv'" in message


def test_a_sites_contract_reads_a_file_the_repositorys_would_match_too(tmp_path):
    """A new district writes `*健康档案*.csv` for its own layout without renaming the
    demo's contracts: its own folder comes first for the files both match."""
    from warehouse.ingest.intake import contract_for

    _site_contract(tmp_path / "site", "xh_health", ["*健康*.csv"])
    found = load_contracts([Path(__file__).parents[2] / "contracts", tmp_path / "site"])
    mine = [c for c in found.values() if c.department == "health"]
    assert contract_for(Path("西湖区健康档案2026.csv"), mine).source == "xh_health"
    assert contract_for(Path("health_residents_2026.csv"), mine).source == "health_residents"


def test_disjoint_patterns_and_an_override_of_the_same_source_are_not_overlaps(tmp_path):
    site = tmp_path / "site"
    _site_contract(site, "health_clinic", ["clinic_[0-9]*.xlsx"])
    _site_contract(site, "health_residents", ["health_residents_*.csv"])
    found = load_contracts([Path(__file__).parents[2] / "contracts", site])
    assert found["health_clinic"].file_patterns == ("clinic_[0-9]*.xlsx",)


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ({"field": "medical_equipment", "code": "OXYGEN"}, r"code 'OXYGEN' is not in table"),
        ({"field": "oxygen"}, r"'oxygen' is not a field"),
        ({"field": "medical_equipment"}, r"code None is not in table 'medical_equipment'"),
        ({"field": "pregnant", "code": "1"}, r"'pregnant' takes no code"),
        ({"field": "due_date"}, r"'due_date' takes no code; use a boolean"),
    ],
)
def test_a_flag_names_a_field_and_a_code_it_can_take(tmp_path, flag, message):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    columns = {**base["columns"], "home_suction": {"aliases": ["吸痰器"], "flag": flag}}
    with pytest.raises(ContractError, match=message):
        load_contract(_write(tmp_path, columns=columns))


def test_a_flag_column_is_not_named_as_a_field_and_reads_only_yes_or_no(tmp_path):
    base = load_contracts()["health_residents"].model_dump(mode="json")
    flag = {"field": "medical_equipment", "code": "SUCT"}
    named = {**base["columns"], "mobility": {"aliases": ["吸痰器"], "flag": flag}}
    with pytest.raises(ContractError, match="flag column 'mobility' is named as a field"):
        load_contract(_write(tmp_path, columns=named))
    mapped = {
        **base["columns"],
        "suction": {"aliases": ["吸痰器"], "flag": flag, "values": {"用": "SUCT"}},
    }
    with pytest.raises(ContractError, match="flag column 'suction' reads yes or no"):
        load_contract(_write(tmp_path, columns=mapped))
