"""Done-when cases: the demo passes every blocking check; the injected faults do not."""

import json

import duckdb
import pytest

from tests.warehouse.quality.conftest import drop_next_snapshot, map_phone_onto_id_number
from warehouse.ingest import process_pending
from warehouse.quality.gate import check_table, docs_index
from warehouse.quality.rules import Severity

STAGING = [
    "staging.civil_affairs_cases",
    "staging.health_residents",
    "staging.housing_occupants",
    "staging.police_incidents",
    "staging.police_residents",
]
CORE = ["core.person", "core.dwelling", "core.household_member", "core.incident"]


def _results(home, table):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT expectation, severity, success, unexpected_count, observed_value, examples "
            "FROM audit.quality_results WHERE table_name = ? ORDER BY checked_at",
            [table],
        ).fetchall()


@pytest.mark.parametrize("table", STAGING + CORE)
def test_the_demo_district_passes_every_blocking_check(demo_home, table):
    outcome = check_table(demo_home, table, run_id="demo")
    assert outcome.outcomes, "every table has expectations"
    assert outcome.passed_blocking, [o.summary() for o in outcome.blocking_failures]
    assert not [o for o in outcome.outcomes if o.error], "every expectation ran"
    stored = _results(demo_home, table)
    assert len(stored) >= len(outcome.outcomes)
    assert {s[1] for s in stored} <= {"blocking", "warning"}
    assert docs_index(demo_home).is_file()


def test_an_empty_core_table_only_warns(demo_home):
    outcome = check_table(demo_home, "core.person")
    assert outcome.passed_blocking
    assert [o.expectation for o in outcome.warnings] == ["the table has rows"]


def test_data_docs_render_every_suite(demo_home):
    check_table(demo_home, "staging.police_residents")
    site = docs_index(demo_home).parent
    index = docs_index(demo_home).read_text(encoding="utf-8")
    assert "staging.police_residents" in index
    assert list((site / "validations").rglob("*.html"))


def test_phone_mapped_onto_id_number_fails_a_blocking_check(fresh_home):
    map_phone_onto_id_number(fresh_home)
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    assert loaded.status == "partial", "rows without a phone still load, with no ID number"
    outcome = check_table(fresh_home, "staging.police_residents", dagster_run_id=None)
    failed = {o.expectation: o for o in outcome.blocking_failures}
    share = failed["each load quarantines at most 10% of its rows"]
    (example,) = share.examples
    assert example["file_id"] == loaded.file_id and example["quarantined_share"] > 0.5
    assert "is not an 18-digit ID number" in example["top_reasons"][0]
    stored = {r[0]: r for r in _results(fresh_home, "staging.police_residents") if not r[2]}
    row = stored["each load quarantines at most 10% of its rows"]
    assert row[1] == "blocking" and row[3] == 1
    assert "not an 18-digit ID number" in json.loads(row[5])[0]["top_reasons"][0]


def test_a_tenth_of_the_usual_snapshot_fails_a_blocking_check_named_on_the_run(fresh_home):
    drop_next_snapshot(fresh_home, share=0.1)
    process_pending(fresh_home)
    with duckdb.connect(str(fresh_home.warehouse)) as con:
        con.execute("UPDATE audit.runs SET dagster_run_id = 'd1'")
    outcome = check_table(
        fresh_home, "staging.police_residents", dagster_run_id="d1", check_name="x:gate"
    )
    (failed,) = outcome.blocking_failures
    assert failed.rule == "snapshot_rows" and failed.severity is Severity.BLOCKING
    assert failed.examples[0]["ratio_to_previous"] < 0.2
    with duckdb.connect(str(fresh_home.warehouse), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT failed_checks FROM audit.runs").fetchall()
    assert rows == [(["x:gate"],)]


def test_a_usual_next_snapshot_passes(fresh_home):
    drop_next_snapshot(fresh_home)
    process_pending(fresh_home)
    assert check_table(fresh_home, "staging.police_residents").passed_blocking
