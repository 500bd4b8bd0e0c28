"""Households are not people (issue 15): the household rule of the person model, and the
false-merge figures by kind, on hand-written records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from warehouse.linking.comparisons import link_rules
from warehouse.linking.evaluate import false_merges
from warehouse.linking.model import counted_u
from warehouse.linking.names import name_pinyin

D = dt.date


def _given_pinyin(name: str) -> str:
    return " ".join(name_pinyin(name).split()[1:])


@pytest.mark.parametrize(
    ("given_l", "given_r", "born_l", "born_r", "other", "apart"),
    [
        # A household's other members: another given name, whatever the birth dates.
        ("思远", "雨涵", None, None, True, False),
        ("军", "伟明", D(1960, 5, 1), None, True, False),
        # Twins: one birth date, other given names.
        ("子轩", "梓涵", D(2012, 4, 9), D(2012, 4, 9), True, False),
        # A grandfather and a grandson, both 王建国.
        ("建国", "建国", D(1948, 3, 2), D(2012, 9, 15), True, False),
        # A year typed wrong (1985 for 1995): month and day agree, the same person.
        ("建国", "建国", D(1985, 3, 2), D(1995, 3, 2), False, False),
        # A lunar birthday written for the solar one: weeks apart, the same person.
        ("秀英", "秀英", D(1985, 2, 10), D(1985, 3, 21), False, False),
        # Twins, one given name a character of the other's.
        ("琴萍", "萍", D(2010, 1, 29), D(2010, 1, 29), True, False),
        # Typos: a homophone, in a one-character given name or a longer one.
        ("锋", "峰", None, None, False, False),
        # A father and a son: one-character given names that sound otherwise.
        ("钢", "军", None, None, True, False),
        ("伟明", "炜明", None, D(1990, 1, 1), False, False),
        # One character apart: siblings with a generation name, or a look-alike typo
        # (英/荚); the district's own data weighs them (one_apart_u).
        ("霞雯", "霞轩", None, None, True, True),
        ("英可", "荚可", None, None, True, True),
        # ... unless their birth dates are generations apart.
        ("霞雯", "霞轩", D(1950, 2, 1), D(1990, 7, 9), True, False),
        # Nothing to tell: a record without a name is not another person.
        (None, "雨涵", None, None, False, False),
    ],
)
def test_who_is_another_person_of_the_household(given_l, given_r, born_l, born_r, other, apart):
    rules = link_rules()
    pinyin = [
        " ".join(name_pinyin("刘" + g).split()[1:]) if g else None for g in (given_l, given_r)
    ]
    con = duckdb.connect()
    found = con.execute(
        f"SELECT coalesce(({rules.condition('other_person')}), false), "
        f"coalesce({rules.condition('one_apart_level')}, false) "
        "FROM (SELECT ?::VARCHAR AS given_name_l, ?::VARCHAR AS given_name_r, "
        "?::DATE AS birth_date_l, ?::DATE AS birth_date_r, "
        "?::VARCHAR AS given_pinyin_l, ?::VARCHAR AS given_pinyin_r, "
        "'刘' AS surname_l, '刘' AS surname_r)",
        [given_l, given_r, born_l, born_r, *pinyin],
    ).fetchall()[0]
    assert found == (other, apart)


def test_a_phone_or_home_shared_with_another_person_is_no_evidence():
    """The phone and address comparisons each have that level, with m = u fixed, so EM
    cannot give household agreement the weight of personal agreement."""
    other_person = link_rules().condition("other_person")
    levels = {}
    for comparison in link_rules().splink_comparisons():
        spec = comparison.get_comparison("duckdb").as_dict()
        for level in spec["comparison_levels"]:
            if other_person in level["sql_condition"] and level.get("label_for_charts") in (
                "shared with another person",
                "home of another person",
            ):
                levels[spec["output_column_name"]] = level
    assert set(levels) == {"phone", "address"}
    for level in levels.values():
        assert level["m_probability"] == level["u_probability"]
        assert level["fix_m_probability"] and level["fix_u_probability"]


def _one_per_id(rows: list[tuple[str, str, str, str]]) -> duckdb.DuckDBPyConnection:
    """A table of different people: (name, phone, dwelling, birth date)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE people (unique_id INT, surname VARCHAR, given_name VARCHAR, "
        "given_pinyin VARCHAR, phone VARCHAR, dwelling_key VARCHAR, building_key VARCHAR, "
        "birth_date DATE)"
    )
    for i, (name, phone, home, born) in enumerate(rows):
        given = _given_pinyin(name)
        con.execute(
            "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [i, name[0], name[1:], given, phone, home, "B" + home, born],
        )
    return con


STRANGERS = [
    (f"{s}{g}明", f"1390000000{i}", f"D{i}", "1990-01-01")
    for i, (s, g) in enumerate(zip("王李张刘陈杨赵黄周吴", "国建伟华军东庆荣贤飞", strict=True))
]
# The name level's sampled u: of the 45 pairs of ten people, 4.5 are named one character
# apart.
SAMPLED = {
    "comparisons": [
        {
            "output_column_name": "name",
            "comparison_levels": [
                {"label_for_charts": "one character differs", "u_probability": 0.1}
            ],
        }
    ]
}


def one_apart_u(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    return counted_u(con, "people", SAMPLED, link_rules())


def test_one_apart_u_is_the_districts_share_of_such_people_sharing_a_home():
    """Where siblings carry a generation name, different people one character apart
    often share a home, and sharing one says little; where none do, it says much."""
    alone = one_apart_u(_one_per_id(STRANGERS))
    siblings = [
        *STRANGERS[:4],
        ("叶霞雯", "0571-1", "H1", "1990-01-01"),
        ("叶霞轩", "0571-1", "H1", "1992-03-04"),
        ("俞锦飞", "0571-2", "H2", "1985-05-05"),
        ("俞锦良", "0571-2", "H2", "1987-06-06"),
        # Generations apart, they are another person (not the level), but their names
        # count: a record without a birth date says nothing of generations.
        ("金海龙", "0571-3", "H3", "1950-02-01"),
        ("金海虎", "0571-3", "H3", "1990-07-09"),
    ]
    shared = one_apart_u(_one_per_id(siblings))
    # None share a home: counted as one pair, the most the data allows. The phone level
    # counts only pairs who share a phone but not the home (the home says it then).
    assert alone == pytest.approx({"phone": 1 / 4.5, "address": 1 / 4.5})
    assert shared == pytest.approx({"phone": 1 / 4.5, "address": 3 / 4.5})
    # Two of the pairs left home, and kept the phone: the phone level counts them.
    moved = {"俞锦良": "H5", "金海虎": "H4"}
    elsewhere = [(n, p, moved.get(n, h), b) for n, p, h, b in siblings]
    apart = one_apart_u(_one_per_id(elsewhere))
    assert apart == pytest.approx({"phone": 2 / 4.5, "address": 1 / 4.5})


PEOPLE = """true_person_id,name,birth_date,dwelling_id
P1,王建国,1948-03-02,D1
P2,王建国,2012-09-15,D1
P3,张子轩,2012-04-09,D2
P4,张梓涵,2012-04-09,D2
P5,李秀英,1950-01-01,D2
P6,赵敏,1980-06-06,D3
P7,钱丽,1981-07-07,D4
"""
# Record, true person, the person Causeway placed it in.
RECORDS = [
    ("r1", "P1", "A"),
    ("r2", "P2", "A"),  # grandson merged into grandfather
    ("r3", "P2", "A"),
    ("r4", "P3", "B"),
    ("r5", "P4", "B"),  # twins merged
    ("r6", "P5", "C"),
    ("r7", "P6", "D"),
    ("r8", "P7", "D"),  # strangers merged (other dwellings)
    ("r9", "P6", "D"),
]


def test_false_merges_are_counted_by_kind(tmp_path: Path):
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    lines = ["source,source_record_id,true_person_id,true_dwelling_id"]
    lines += [f"health,{r},{p}," for r, p, _ in RECORDS]
    (tmp_path / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.person_source (person_id VARCHAR, source VARCHAR, "
        "source_record_id VARCHAR)"
    )
    con.executemany(
        "INSERT INTO core.person_source VALUES (?, 'health', ?)",
        [(ours, r) for r, _, ours in RECORDS],
    )
    found = false_merges(con, tmp_path)
    # A: r1 with r2 and r3 (2 pairs); B: r4-r5 (1); D: r8 with r7 and r9 (2).
    assert (found.pairs, found.household, found.twins, found.namesakes) == (5, 3, 1, 2)
    assert (found.person_pairs, found.household_persons) == (3, 2)
