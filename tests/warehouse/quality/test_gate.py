"""Done-when cases: the demo passes every blocking check; the injected faults do not."""

import duckdb
import pytest

from tests.warehouse.quality.conftest import drop_next_snapshot, map_phone_onto_id_number
from warehouse.ingest.intake import process_pending
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
    assert not outcome.blocking_failures and not outcome.held
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


def _current(home, table):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            f"SELECT _file_id, count(*) FROM staging.{table}_current GROUP BY 1 ORDER BY 1"
        ).fetchall()


GATE_SQL = "SELECT gate FROM audit.file_loads WHERE file_id = ?"


def _audit(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_phone_mapped_onto_id_number_holds_that_load_back(fresh_home):
    before = _current(fresh_home, "police_residents")
    map_phone_onto_id_number(fresh_home)
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    # Every row with its identity loads; the ID numbers (phones) are set aside.
    assert loaded.rows_quarantined < loaded.rows_in / 10
    assert loaded.fields_set_aside > loaded.rows_in / 2
    outcome = check_table(fresh_home, "staging.police_residents", dagster_run_id=None)
    (held,) = outcome.held
    assert (held.file_id, held.rows) == (loaded.file_id, loaded.rows_loaded)
    failed = {o.expectation: o for o in outcome.blocking_failures}
    share = failed["each load sets aside one field in at most 25% of its rows"]
    (example,) = share.examples
    assert example["file_id"] == loaded.file_id and example["set_aside_share"] > 0.5
    assert outcome.passed_blocking, "what stays in staging is the last good state"
    assert _current(fresh_home, "police_residents") == before
    gate = _audit(fresh_home, GATE_SQL, [held.file_id])
    assert gate == [("held",)]
    actions = _audit(fresh_home, "SELECT file_id, action, reason FROM audit.file_actions")
    assert actions[0][:2] == (held.file_id, "hold") and "sets aside one field" in actions[0][2]
    stored = {r[0]: r for r in _results(fresh_home, "staging.police_residents") if not r[2]}
    row = stored["each load sets aside one field in at most 25% of its rows"]
    assert row[1] == "blocking" and row[3] == 1
    # Judged once: the next gate has nothing new to judge, and holds nothing again.
    again = check_table(fresh_home, "staging.police_residents")
    assert (again.judged, again.held, again.outcomes) == (0, [], [])


def test_a_site_may_lower_a_rule_to_a_warning(fresh_home):
    (fresh_home.root / "quality.yaml").write_text(
        "kinds:\n  set_aside_share: {severity: warning}\n", encoding="utf-8"
    )
    map_phone_onto_id_number(fresh_home)
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    outcome = check_table(fresh_home, "staging.police_residents")
    assert outcome.held == [] and outcome.blocking_failures == []
    assert [o.rule for o in outcome.warnings] == ["set_aside_share"]
    assert [f for f, _ in _current(fresh_home, "police_residents")] == [loaded.file_id]


def _excel_saved(home, path):
    """The snapshot as Excel saves a CSV whose ID numbers were number cells: 15 digits."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    column = next(i for i, h in enumerate(rows[0]) if h in ("公民身份号码", "身份证号"))
    for row in rows[1:]:
        if row[column].isdigit() and len(row[column]) == 18:
            row[column] = f"{float(row[column]):.14E}"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


def test_ids_damaged_by_a_spreadsheet_warn_and_never_hold_the_load(fresh_home):
    """A whole ID column of number cells is the source's known defect, not a broken
    mapping: its residents still load and link on their other fields."""
    _excel_saved(fresh_home, drop_next_snapshot(fresh_home))
    (loaded,) = process_pending(fresh_home)
    assert loaded.fields_set_aside > loaded.rows_in / 2
    outcome = check_table(fresh_home, "staging.police_residents")
    assert outcome.held == [] and outcome.blocking_failures == []
    assert [o.rule for o in outcome.warnings] == ["spreadsheet_damage_share"]
    assert [f for f, _ in _current(fresh_home, "police_residents")] == [loaded.file_id]


def test_old_rows_never_block_a_new_load(fresh_home):
    check_table(fresh_home, "staging.police_residents")
    # Rows of a judged load that today's rules refuse (made by an older version, say).
    with duckdb.connect(str(fresh_home.warehouse)) as con:
        con.execute("UPDATE staging.police_residents SET sex = '9'")
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    outcome = check_table(fresh_home, "staging.police_residents")
    assert (outcome.judged, outcome.held) == (1, [])
    assert outcome.blocking_failures == []
    gate = _audit(fresh_home, GATE_SQL, [loaded.file_id])
    assert gate == [("passed",)]


def test_a_tenth_of_the_usual_snapshot_is_held_and_named_on_its_run(fresh_home):
    drop_next_snapshot(fresh_home, share=0.1)
    (loaded,) = process_pending(fresh_home)
    outcome = check_table(fresh_home, "staging.police_residents", check_name="x:gate")
    (failed,) = outcome.blocking_failures
    assert failed.rule == "snapshot_rows" and failed.severity is Severity.BLOCKING
    assert failed.examples[0]["ratio_to_previous"] < 0.2
    assert [h.file_id for h in outcome.held] == [loaded.file_id]
    runs = _audit(
        fresh_home,
        "SELECT run_id, status, failed_checks, message FROM audit.runs WHERE run_id = "
        "(SELECT run_id FROM audit.file_loads WHERE file_id = ?)",
        [loaded.file_id],
    )
    ((run_id, status, checks, message),) = runs
    assert (status, checks) == ("blocked", ["x:gate"])
    assert loaded.file_id in message and "causeway gate release" in message
    ratio = failed.examples[0]["ratio_to_previous"]
    assert f"snapshot has 0.8-1.25× the previous snapshot's rows ({ratio:.2g})" in message
    first = _audit(fresh_home, "SELECT status FROM audit.runs WHERE run_id <> ?", [run_id])
    assert first == [("completed",)]


def test_a_usual_next_snapshot_passes(fresh_home):
    drop_next_snapshot(fresh_home)
    process_pending(fresh_home)
    assert check_table(fresh_home, "staging.police_residents").passed_blocking


def test_a_clerks_two_row_supplement_is_not_judged_by_shares(fresh_home):
    """One duplicate in two rows is half the file, and says nothing about the mapping."""
    row = (
        "MZ2026900001,刘建国,1,1941/3/2,,13911112222,柳荫社区4-1-101,特困人员供养,在册,"
        "2026/10/8,,1800.00,Y"
    )
    header = (
        "case_no,xingming,xingbie,chusheng_riqi,shenfenzheng_hao,lianxi_dianhua,jiating_zhuzhi,"
        "case_type,zhuangtai,start_date,end_date,monthly_amount,lives_alone"
    )
    path = fresh_home.ingest_dir("civil_affairs") / "civil_affairs_cases_202610_补报.csv"
    path.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    (loaded,) = process_pending(fresh_home)
    assert (loaded.rows_loaded, loaded.rows_quarantined) == (1, 1)
    outcome = check_table(fresh_home, "staging.civil_affairs_cases")
    assert outcome.held == [] and outcome.blocking_failures == []
