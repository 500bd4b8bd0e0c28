"""The marts: flags, scores and summaries for the demo's as-of date; islands shrink."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from schemas.marts import MARTS
from warehouse.db.connection import open_warehouse
from warehouse.db.lock import WriterLock
from warehouse.marts.build import build_marts, default_as_of


def _rows(home, sql, params=None):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_as_of_is_the_demo_date(published):
    meta = json.loads((published.demo_truth / "meta.json").read_text())
    assert default_as_of(published) == dt.date.fromisoformat(meta["as_of"])
    dates = _rows(published, "SELECT DISTINCT as_of FROM mart.vulnerable_residents")
    assert dates == [(dt.date.fromisoformat(meta["as_of"]),)]


def test_every_mart_has_rows(published):
    for model in MARTS:
        count = _rows(published, f"SELECT count(*) FROM {model.table_name}")[0][0]
        assert count > 0, model.table_name


FLAGS_AGAINST_TRUTH = """
WITH records AS (SELECT * FROM read_csv($records, all_varchar = true)),
people AS (SELECT * FROM read_csv($people, all_varchar = true) WHERE resident = 'True'),
ours AS (
    SELECT t.true_person_id, mode(ps.person_id) AS person_id
    FROM core.person_source ps JOIN records t USING (source, source_record_id) GROUP BY 1
),
dwellings AS (
    SELECT ps.dwelling_id, mode(t.true_dwelling_id) AS true_dwelling_id
    FROM core.person_source ps JOIN records t USING (source, source_record_id)
    WHERE ps.dwelling_id IS NOT NULL GROUP BY 1
),
homes AS (
    -- Whether linking put each resident at their true home: a mover's two records that
    -- disagree (one department still has the old home) cannot be told apart by the data.
    SELECT p.true_person_id, p.dwelling_id,
           coalesce(d.true_dwelling_id = p.dwelling_id, false) AS home_right
    FROM people p LEFT JOIN ours o USING (true_person_id)
    LEFT JOIN core.person cp ON cp.person_id = o.person_id
    LEFT JOIN dwellings d ON d.dwelling_id = cp.dwelling_id
),
settled AS (
    SELECT true_person_id FROM homes h
    WHERE NOT EXISTS (
        SELECT 1 FROM homes x WHERE x.dwelling_id = h.dwelling_id AND NOT x.home_right
    )
)
SELECT
    count(*) FILTER (WHERE t.power_dependent = 'True' AND NOT v.power_dependent IS TRUE),
    count(*) FILTER (WHERE t.power_dependent = 'False' AND v.power_dependent),
    count(*) FILTER (WHERE v.living_alone AND t.lives_alone = 'False'
                     AND t.true_person_id IN (SELECT true_person_id FROM settled)),
    count(*) FILTER (WHERE v.living_alone AND t.lives_alone = 'False'),
    count(*)
FROM people t
LEFT JOIN ours o USING (true_person_id)
LEFT JOIN mart.vulnerable_residents v ON v.person_id = o.person_id
"""


def test_flags_agree_with_the_truth(published):
    missed_power, false_power, false_alone, unsettled, residents = _rows(
        published,
        FLAGS_AGAINST_TRUTH,
        {
            "records": str(published.demo_truth / "persons.csv"),
            "people": str(published.demo_truth / "people.csv"),
        },
    )[0]
    assert false_power == 0
    assert missed_power <= 5, "power-dependent residents whose health file was quarantined"
    # Where linking put a household at its true home, "living alone" is exact; the rest
    # are movers whose stale and current records tie (measured by the linking benchmark).
    assert false_alone == 0
    assert unsettled <= residents * 0.002


def test_priority_score_follows_the_documented_weights(published):
    rows = _rows(
        published,
        "SELECT needs, priority_score, floor, has_elevator, needs_help OR aged_80_plus OR "
        "disability OR power_dependent FROM mart.vulnerable_residents",
    )
    weights = {
        "power_dependent": 30, "needs_help": 25, "disabled": 15, "aged_80_plus": 15,
        "elderly_alone": 10, "pregnant": 10, "child": 5, "chronic_illness": 5, "low_income": 5,
    }  # fmt: skip
    for needs, score, floor, elevator, frail in rows:
        stairs = min(2 * (floor - 2), 20) if frail and not elevator and (floor or 0) >= 3 else 0
        assert score == sum(weights[n] for n in needs) + stairs
        assert needs == sorted(needs, key=lambda n: (-weights[n], n))


def test_buildings_rank_and_count(published):
    rows = _rows(
        published,
        "SELECT b.building_id, b.vulnerable_residents, count(v.person_id), b.evacuation_rank "
        "FROM mart.building_summary b LEFT JOIN mart.vulnerable_residents v USING (building_id) "
        "GROUP BY ALL ORDER BY b.evacuation_rank",
    )
    assert all(summary == counted for _, summary, counted, _ in rows)
    assert [r[3] for r in rows] == list(range(1, len(rows) + 1))
    grids = _rows(published, "SELECT sum(buildings), sum(residents) FROM mart.grid_summary")
    buildings = _rows(published, "SELECT count(*), sum(residents) FROM mart.building_summary")
    assert grids == buildings


def test_islands_shrink_after_linking(published):
    rows = dict(
        ((stage, n), people)
        for stage, n, people in _rows(
            published,
            "SELECT stage, departments, people FROM mart.island_index "
            "WHERE breakdown = 'departments'",
        )
    )
    assert rows[("linked", 1)] < rows[("id_number_only", 1)] / 3
    assert rows[("linked", 4)] > rows[("id_number_only", 4)]
    before = sum(v for (s, _), v in rows.items() if s == "id_number_only")
    after = sum(v for (s, _), v in rows.items() if s == "linked")
    assert after < before, "linking joins records exact ID matching cannot"


def test_marts_are_deterministic(published):
    snapshot = "SELECT * FROM mart.{} ORDER BY ALL"
    names = ("vulnerable_residents", "building_summary", "grid_summary", "island_index")
    first = {n: _rows(published, snapshot.format(n)) for n in names}
    with WriterLock(published.writer_lock), open_warehouse(published) as con:
        build_marts(con, default_as_of(published), list(published.contracts().values()))
    assert {n: _rows(published, snapshot.format(n)) for n in names} == first


def test_without_linking_the_marts_are_empty_with_a_reason(tmp_path):
    from connectors.home import Home

    home = Home.resolve(tmp_path).ensure()
    with open_warehouse(home) as con:
        report = build_marts(con, dt.date(2026, 9, 30), list(home.contracts().values()))
        assert report.note and "linking has not run" in report.note
        count = con.execute("SELECT count(*) FROM mart.vulnerable_residents").fetchall()
    assert count == [(0,)]


def test_every_mart_is_written_by_one_sql_file_from_tables_that_exist():
    from schemas.registry import LINKED
    from warehouse.marts import STAGING, mart_inputs

    inputs = mart_inputs()
    assert set(inputs) == {m.table_name for m in MARTS}
    known = {m.table_name for m in (*LINKED, *MARTS)} | {STAGING}
    for table, sources in inputs.items():
        assert sources and sources <= known, (table, sorted(sources - known))
    # The flags of a department record come from its fields: the marts that use them
    # depend on the record's core table, though the SQL reads the flagged temp table.
    assert {"core.health_record", "core.welfare_case"} <= inputs["mart.vulnerable_residents"]


def test_each_flag_is_read_as_its_field_declares_it(published):
    """Power-dependent and needs-help come from the code tables the fields name, through
    the publication's own rule; the mart SQL names no code table for them."""
    from schemas.classification import field_specs
    from schemas.code_tables import code_table
    from schemas.health import HealthRecord
    from warehouse.marts.build import mart_sql

    declared = {
        s.generalize_to.name: s
        for s in field_specs(HealthRecord)
        if s.generalize_to and s.generalize_to.name in ("power_dependent", "needs_help")
    }
    assert set(declared) == {"power_dependent", "needs_help"}
    for _, sql in mart_sql():
        for spec in declared.values():
            assert f"'{spec.codes}'" not in sql, "a code table named in mart SQL"
    power = [c.code for c in code_table("medical_equipment").codes if c.flag("power_dependent")]
    help_ = [c.code for c in code_table("mobility").codes if c.flag("needs_help")]
    with WriterLock(published.writer_lock), open_warehouse(published) as con:
        build_marts(con, default_as_of(published), list(published.contracts().values()))
        found = con.execute(
            "SELECT count(*) FILTER (WHERE power_dependent), "
            "count(*) FILTER (WHERE list_has_any(medical_equipment, ?)), "
            "count(*) FILTER (WHERE needs_help), "
            "count(*) FILTER (WHERE list_contains(?, mobility)) "
            "FROM mart_health_record",
            [power, help_],
        ).fetchall()[0]
        people = con.execute(
            "SELECT count(DISTINCT person_id) FILTER (WHERE power_dependent) "
            "FROM mart_health_record WHERE person_id IS NOT NULL"
        ).fetchall()[0][0]
    assert found[0] == found[1] > 0 and found[2] == found[3] > 0
    living = _rows(
        published, "SELECT count(*) FROM mart.vulnerable_residents WHERE power_dependent"
    )
    assert 0 < living[0][0] <= people
