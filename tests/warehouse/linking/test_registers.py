"""Register completion: a row its register leaves over at a home joins the one resident
that register lacks there, and nothing else does."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.linking.assign import CREATE
from warehouse.linking.registers import LEVEL, complete_registers, register_sources
from warehouse.linking.settings import load_settings

RULE = load_settings().registers
THRESHOLD = 0.5
HOME = "翠苑一区|9|2|704"

# unique_id, source, id_number, dwelling_key, cluster_key, how
PEOPLE = [
    # 邵云艳: household register and health file, no housing row of her own.
    (1, "hukou", "330106200405066443", HOME, "id:A", "id"),
    (2, "health", "330106200405066443", HOME, "id:A", "id"),
    # Her father, listed by both registers.
    (3, "hukou", "330106197501016410", HOME, "id:B", "id"),
    (4, "housing", "330106197501016410", HOME, "id:B", "id"),
    # The housing row 邵玲艳: no ID number, no birth date, matched nobody.
    (5, "housing", None, HOME, "n:5", "alone"),
]


def _con(people: list[tuple], edges: list[tuple[int, int, float]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE link_mentions (unique_id BIGINT, source VARCHAR, id_number VARCHAR,"
        " has_id BOOLEAN, dwelling_key VARCHAR, at_event BOOLEAN DEFAULT false)"
    )
    con.execute(CREATE)
    for unique_id, source, id_number, home, cluster_key, how in people:
        con.execute(
            "INSERT INTO link_mentions VALUES (?, ?, ?, ?, ?, false)",
            [unique_id, source, id_number, id_number is not None, home],
        )
        con.execute(
            "INSERT INTO link_assign (unique_id, cluster_key, how) VALUES (?, ?, ?)",
            [unique_id, cluster_key, how],
        )
    con.execute(
        "CREATE TEMP TABLE link_edges (unique_id_l BIGINT, unique_id_r BIGINT,"
        " match_probability DOUBLE, match_weight DOUBLE,"
        " evidence STRUCT(comparison VARCHAR, level VARCHAR, weight DOUBLE)[])"
    )
    for left, right, weight in edges:
        con.execute(
            "INSERT INTO link_edges VALUES (?, ?, 1 / (1 + pow(2, -?)), ?,"
            " [{'comparison': 'name', 'level': 'one character differs', 'weight': 3.0}])",
            [left, right, weight, weight],
        )
    return con


def _registers(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """Makes `sources` registers by the data: enough people, each listed once."""
    rows = [
        (100 + i, source, f"ID{i:05d}", f"other|{i}", f"id:X{i}", "id")
        for source in sources
        for i in range(RULE.min_id_numbers)
    ]
    for unique_id, source, id_number, home, cluster_key, how in rows:
        con.execute(
            "INSERT INTO link_mentions VALUES (?, ?, ?, true, ?, false)",
            [unique_id + 1000 * sources.index(source), source, id_number, home],
        )
        con.execute(
            "INSERT INTO link_assign (unique_id, cluster_key, how) VALUES (?, ?, ?)",
            [unique_id + 1000 * sources.index(source), cluster_key, how],
        )


def _cluster(con: duckdb.DuckDBPyConnection, unique_id: int) -> tuple:
    return con.execute(
        "SELECT cluster_key, how, round(weight, 2), evidence[-1].level FROM link_assign"
        " WHERE unique_id = ?",
        [unique_id],
    ).fetchall()[0]


def test_the_row_left_over_joins_the_one_resident_its_register_lacks():
    con = _con(PEOPLE, [(1, 5, -3.0), (3, 5, -9.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 1
    assert _cluster(con, 5) == ("id:A", "register", -3.0 + RULE.weight, LEVEL)


def test_a_row_whose_own_evidence_is_far_below_the_threshold_stays_apart():
    """Another given name (胡鑫 for 胡永, −13 bits) is not completed by the register."""
    con = _con(PEOPLE, [(1, 5, -13.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 0
    assert _cluster(con, 5)[:2] == ("n:5", "alone")


def test_two_residents_the_register_lacks_leave_the_row_apart():
    sister = [
        (6, "hukou", "330106200811116420", HOME, "id:C", "id"),
        (7, "health", "330106200811116420", HOME, "id:C", "id"),
    ]
    con = _con(PEOPLE + sister, [(1, 5, -3.0), (6, 5, -4.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 0
    assert _cluster(con, 5)[1] == "alone"


def test_two_rows_left_over_for_one_resident_stay_apart():
    twin = [(8, "housing", None, HOME, "n:8", "alone")]
    con = _con(PEOPLE + twin, [(1, 5, -3.0), (1, 8, -2.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 0


def test_a_resident_the_register_already_lists_takes_no_second_row():
    con = _con(PEOPLE, [(3, 5, -1.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 0


def test_a_resident_of_another_home_is_not_completed():
    moved = [
        (p[0], p[1], p[2], "翠苑一区|3|1|101" if p[0] in (1, 2) else p[3], p[4], p[5])
        for p in PEOPLE
    ]
    con = _con(moved, [(1, 5, -3.0)])
    _registers(con, ["hukou", "health", "housing"])
    assert complete_registers(con, RULE, THRESHOLD) == 0


@pytest.mark.parametrize("repeats", [0, 1])
def test_a_source_is_a_register_when_its_id_numbers_do_not_repeat_at_a_home(repeats):
    """A case file lists one person many times at their home: it is no register."""
    con = _con(PEOPLE, [])
    _registers(con, ["hukou", "health", "housing"])
    for i in range(repeats * RULE.min_id_numbers):
        con.execute(
            "INSERT INTO link_mentions VALUES (?, 'housing', ?, true, ?, false)",
            [5000 + i, f"ID{i:05d}", f"other|{i}"],
        )
    expected = ["health", "housing", "hukou"] if not repeats else ["health", "hukou"]
    assert register_sources(con, RULE) == expected


def test_an_owner_of_two_homes_listed_at_each_leaves_a_register_a_register():
    con = _con(PEOPLE, [])
    _registers(con, ["housing"])
    for i in range(RULE.min_id_numbers):
        con.execute(
            "INSERT INTO link_mentions VALUES (?, 'housing', ?, true, ?, false)",
            [5000 + i, f"ID{i:05d}", f"second home|{i}"],
        )
    assert register_sources(con, RULE) == ["housing"]


def test_an_incident_log_is_no_register():
    """Its address is where something happened, not a list of who lives there."""
    con = _con(PEOPLE, [])
    _registers(con, ["hukou", "incidents"])
    con.execute("UPDATE link_mentions SET at_event = true WHERE source = 'incidents'")
    assert register_sources(con, RULE) == ["hukou"]
