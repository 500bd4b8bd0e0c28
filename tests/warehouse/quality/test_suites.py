"""Suites come from the schemas, the contracts and domain.yaml, each rule with a severity."""

import datetime as dt

from schemas import ENTITIES
from schemas.base import ID_NUMBER_PATTERN
from schemas.code_tables import code_table
from schemas.contracts import load_contracts
from warehouse.quality.rules import Severity, domain_rules, settings
from warehouse.quality.suites import staging_suites, suites_for

CONTRACTS = load_contracts()
TODAY = dt.date(2026, 11, 28)


def _by_name(suite):
    return {e.name: e for e in suite.expectations}


def test_staging_suite_from_schema_and_contract():
    records, loads = staging_suites(CONTRACTS["police_residents"], TODAY, "F0000007")
    rules = _by_name(records)
    assert rules["record_id is filled"].gx_type == "ExpectColumnValuesToNotBeNull"
    assert rules["name is filled"].severity is Severity.BLOCKING
    assert rules["id_number is an ID number"].kwargs["regex"] == ID_NUMBER_PATTERN
    assert rules["phone is a mobile or landline number"].kwargs["match_on"] == "any"
    sex = rules["sex is in code table sex"]
    assert sex.kwargs["value_set"] == code_table("sex").values
    birth = rules["birth_date is not in the future and at most 120 years ago"]
    assert birth.kwargs["min_value"] == dt.datetime(1906, 11, 28)
    assert birth.kwargs["max_value"] == dt.datetime(2026, 11, 28)
    assert rules["one current row per record id"].kwargs["column"] == "_record_key"
    assert "police_residents_current" in records.query
    assert "_file_id = 'F0000007'" in records.query, "a load's suite judges that load"
    assert "file_id = 'F0000007'" in loads.query
    load_rules = {e.rule: e for e in loads.expectations}
    assert load_rules["snapshot_rows"].kwargs["min_value"] == 0.8
    assert load_rules["quarantined_share"].kwargs["max_value"] == settings().max_quarantined_share
    assert load_rules["set_aside_share"].kwargs["max_value"] == settings().max_set_aside_share


def test_delta_sources_carry_their_own_bounds():
    _, loads = staging_suites(CONTRACTS["health_residents"], TODAY, "F0000001")
    rows = {e.rule: e for e in loads.expectations}["delta_rows"]
    assert (rows.kwargs["min_value"], rows.kwargs["max_value"]) == (1, 2_000_000)
    assert "snapshot_rows" not in {e.rule for e in loads.expectations}


def test_list_codes_and_schema_ranges():
    (records, _) = staging_suites(CONTRACTS["health_residents"], TODAY, "F0000001")
    rules = _by_name(records)
    listed = rules["chronic_conditions items are in code table chronic_condition"]
    assert "'HTN'" in listed.kwargs["unexpected_rows_query"]
    assert rules["disability_grade is within 1..4"].kwargs == {
        "column": "disability_grade",
        "min_value": 1,
        "max_value": 4,
    }


def test_core_suites_have_unique_keys_and_domain_rules():
    for model in ENTITIES:
        if not model.table_name:
            continue
        (suite,) = suites_for(model.table_name, TODAY)
        assert any(e.rule == "unique_key" for e in suite.expectations), model.table_name
        assert all(e.severity in Severity for e in suite.expectations)
    (members,) = suites_for("core.household_member", TODAY)
    key = {e.rule: e for e in members.expectations}["unique_key"]
    assert key.kwargs["column_list"] == ["household_id", "person_id"]
    for rule in domain_rules():
        source = rule.table.removeprefix("staging.")
        if source in CONTRACTS:
            (suite, *_) = staging_suites(CONTRACTS[source], TODAY, "F0000001")
        else:
            (suite, *_) = suites_for(rule.table, TODAY)
        assert rule.name in _by_name(suite)


def test_a_table_without_a_schema_runs_its_hand_written_rules_only():
    (suite,) = suites_for("mart.unknown", TODAY)
    assert suite.expectations == ()
