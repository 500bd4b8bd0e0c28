"""Addresses in the forms real exports take, parsed into the district's hierarchy.

The cases are hand-written (tests/warehouse/data/addresses.tsv), not drawn from the demo:
spaces anywhere, hyphenated building-unit-room with any dash, 幢/栋/座/号楼/#, units and
rooms without 单元/室, no city or district in front, traditional characters, and community
names that contain 区/村/苑/里/园. Each is parsed by the same expressions staging uses.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from warehouse.db.macros import install_macros
from warehouse.ingest.addresses import area_sql
from warehouse.ingest.standardize import ADDRESS_AREA, ADDRESS_PARTS, Compiler
from warehouse.linking.features import DWELLING_KEY

CASES = Path(__file__).parent / "data" / "addresses.tsv"
FIELDS = ("district", "street", "community", "building_no", "unit_no", "room_no")


def labelled() -> list[dict[str, str | None]]:
    """The labelled addresses, '' read as no value."""
    lines = [line for line in CASES.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows = csv.DictReader(lines, delimiter="\t")
    return [{k: (v or None) for k, v in row.items()} for row in rows]


def parse_sql(table: str) -> str:
    """Every labelled address of `table` (column `raw`) parsed as `Compiler._places` does."""
    parts = ", ".join(f"{Compiler._place_part(n)} AS {n}" for n in (*ADDRESS_AREA, *ADDRESS_PARTS))
    return (
        f"SELECT raw, {parts} FROM (SELECT raw, area, cw_premises(area.rest) AS premises FROM "
        f"({area_sql(f'(SELECT raw, cw_clean(raw) AS clean FROM {table})', 'clean', ('raw',))}))"
    )


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, str | None]]:
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE TABLE cases (raw VARCHAR)")
    con.executemany("INSERT INTO cases VALUES (?)", [[c["address"]] for c in labelled()])
    cur = con.execute(parse_sql("cases"))
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cur.fetchall()}


@pytest.mark.parametrize("case", labelled(), ids=lambda c: c["address"])
def test_address_forms(parsed, case):
    got = parsed[case["address"]]
    expected = {
        "district": case["district"],
        "street": case["street"],
        "community": case["community"],
        "building_no": case["building"],
        "unit_no": case["unit"],
        "room_no": case["room"],
    }
    assert {f: got[f] for f in FIELDS} == expected


def test_community_key_joins_spellings():
    """A register's 学院路社区, an address's 学院路 and a traditional 學院路社區 are one."""
    con = duckdb.connect()
    install_macros(con)
    keys = {
        con.execute("SELECT cw_community_key(?)", [c]).fetchone()[0]
        for c in ["学院路社区", "学院路", "學院路社區", " 学院路 社区", "学院路居委会"]
    }
    assert keys == {"学院路"}


def test_many_cases():
    assert len(labelled()) >= 50


def test_the_single_address_macro_reads_as_staging_does():
    """cw_address_area (evacuation look-ups) chains the same steps as `area_sql`."""
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE TABLE cases (raw VARCHAR)")
    con.executemany("INSERT INTO cases VALUES (?)", [[c["address"]] for c in labelled()])
    chained = area_sql("(SELECT raw, cw_clean(raw) AS clean FROM cases)", "clean", ("raw",))
    differ = con.execute(
        f"SELECT raw FROM ({chained}) WHERE area IS DISTINCT FROM cw_address_area(cw_clean(raw))"
    ).fetchall()
    assert differ == []


# One dwelling per group, written as different departments write it.
SAME_DWELLING = [
    [
        "浙江省杭州市西湖区文新街道翠苑一区社区2幢1单元101室",
        "西湖区 翠苑一区社区 2-1-101",
        "翠苑一区社區2棟1單元101",
        "翠苑一区2#1-101室",
        "文新街道翠苑一区 社区 2—1—101",
        "翠苑一区社区二幢一单元101",
    ],
    ["翠苑二区社区2幢1单元101室", "西湖区翠苑二区2-1-101", "翠苑二區社區2－1－101"],
    ["西溪花园社区2-1-101室", "西溪花園社區2號樓1單元101", "杭州市西湖区西溪花园2栋1 101"],
    ["骆家庄村社区12幢2单元302", "骆家庄村12-2-302", "西湖区骆家庄村 12幢 2单元 302室"],
    ["三里亭社区5号楼1单元1201", "三里亭5-1-1201", "三里亭社区 5座 1单元 1201室"],
    ["三里亭社区5号楼2单元1201", "三里亭5-2-1201"],
]


def test_spellings_of_one_dwelling_give_one_key_and_others_another():
    """Dwelling keys (warehouse/linking/features.py) of hand-written spellings: every group
    has one key, and no two groups share one (precision and recall 1 on these lists)."""
    con = duckdb.connect()
    install_macros(con)
    rows = [(g, a) for g, group in enumerate(SAME_DWELLING) for a in group]
    con.execute("CREATE TABLE cases (grp INTEGER, raw VARCHAR)")
    con.executemany("INSERT INTO cases VALUES (?, ?)", rows)
    parts = ", ".join(f"{Compiler._place_part(n)} AS {n}" for n in (*ADDRESS_AREA, *ADDRESS_PARTS))
    chained = area_sql("(SELECT grp, cw_clean(raw) AS clean FROM cases)", "clean", ("grp",))
    keys = con.execute(
        f"SELECT grp, {DWELLING_KEY} FROM (SELECT grp, {parts} FROM (SELECT grp, area, "
        f"cw_premises(area.rest) AS premises FROM ({chained})))"
    ).fetchall()
    by_group: dict[int, set[str]] = {}
    for g, key in keys:
        by_group.setdefault(g, set()).add(key)
    assert all(len(k) == 1 and None not in k for k in by_group.values()), by_group
    assert len({next(iter(k)) for k in by_group.values()}) == len(SAME_DWELLING)
