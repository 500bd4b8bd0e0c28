"""The communities a register names replace those parsed from other sources' address texts.

Hand-written rows of another district: the housing register names 翠苑一区社区 and
西溪花园社区 in a column of their own; health and police write addresses with a road in
front (学院路翠苑一区…), a space, traditional characters or no 社区, which rules alone
read as other communities.
"""

from __future__ import annotations

import duckdb
import pytest

from schemas.contracts import load_contracts
from schemas.registry import entity
from warehouse.db.macros import install_macros
from warehouse.linking.features import BUILDING_KEY, DWELLING_KEY
from warehouse.linking.gazetteer import known_communities_sql, registers
from warehouse.linking.mentions import mentions_sql, person_sources

# 文新社区 shares its name with 文新街道, as real communities often do with their street.
REGISTER = ["翠苑一区社区", "西溪花园社区", "翠苑二区社区", "文新社区", "翠苑社区"]
# (address as written, what rules alone read as its community, the register's community)
ADDRESSES = [
    ("西湖区学院路翠苑一区3幢2单元501", "学院路翠苑一区社区", "翠苑一区社区"),
    ("文新街道翠苑一区 社区3-2-501", "翠苑一区社区", "翠苑一区社区"),
    ("杭州市西湖区西溪花園社區2棟1單元1002", "西溪花园社区", "西溪花园社区"),
    ("古墩路西溪花园2#1-1002", "古墩路西溪花园社区", "西溪花园社区"),
    ("翠苑二区7#2-601", "翠苑二区社区", "翠苑二区社区"),
    ("文新街道学院路翠苑一区3幢2单元501", "学院路翠苑一区社区", "翠苑一区社区"),
    ("文新街道文新社区1-1-101", "文新社区", "文新社区"),
    # A community the register does not know keeps what the rules read.
    ("三里亭社区5-1-101", "三里亭社区", "三里亭社区"),
]


def _columns(contract) -> list[str]:
    names: set[str] = {"_record_key", "_valid_from"}
    for e in contract.entities:
        names |= set(entity(e).model_fields)
    return sorted(names)


@pytest.fixture()
def con():
    """Staging views holding the hand-written rows, every other field NULL."""
    contracts = load_contracts()
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE SCHEMA staging")
    for c in person_sources(contracts.values()):
        cols = _columns(c)
        con.execute(
            f'CREATE TABLE staging."{c.source}_current" ('
            + ", ".join(f'"{n}" VARCHAR' for n in cols)
            + ")"
        )
    rows = [(f"h{i}", name) for i, name in enumerate(REGISTER)]
    con.executemany(
        'INSERT INTO staging."housing_occupants_current" ("_record_key", community) VALUES (?, ?)',
        rows,
    )
    area = "SELECT cw_address_area(cw_clean(?)) AS a"
    for i, (address, _, _) in enumerate(ADDRESSES):
        parsed = con.execute(area, [address]).fetchone()[0]
        premises = con.execute("SELECT cw_premises(?)", [parsed["rest"]]).fetchone()[0]
        con.execute(
            'INSERT INTO staging."health_residents_current" ("_record_key", address, street, '
            "community, building_no, unit_no, room_no) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                f"r{i}",
                address,
                parsed["street"],
                parsed["community"],
                premises["building"],
                premises["unit"],
                premises["room"],
            ],
        )
    yield con, contracts
    con.close()


def test_rules_alone_misread_some_communities(con):
    db, _ = con
    got = dict(
        db.execute('SELECT address, community FROM staging."health_residents_current"').fetchall()
    )
    assert got == {a: rules for a, rules, _ in ADDRESSES}


def test_the_register_names_the_community_of_every_address(con):
    db, contracts = con
    got = dict(
        db.execute(
            f"SELECT source_record_id, community FROM ({mentions_sql(contracts.values())}) "
            "WHERE source = 'health_residents'"
        ).fetchall()
    )
    assert got == {f"r{i}": known for i, (_, _, known) in enumerate(ADDRESSES)}


def test_a_register_and_an_address_give_one_building_key(con):
    db, contracts = con
    db.execute(
        "UPDATE staging.\"housing_occupants_current\" SET building_no = '3', unit_no = '2', "
        "room_no = '501' WHERE community = '翠苑一区社区'"
    )
    keys = db.execute(
        f"SELECT DISTINCT {BUILDING_KEY}, {DWELLING_KEY} FROM ({mentions_sql(contracts.values())}) "
        "WHERE community LIKE '翠苑一区%' AND building_no = '3'"
    ).fetchall()
    assert keys == [("翠苑一区|3", "翠苑一区|3|2|501")]


def test_without_a_register_the_rules_stand(con):
    db, contracts = con
    db.execute('DELETE FROM staging."housing_occupants_current"')
    assert (
        db.execute(
            f"SELECT count(*) FROM ({known_communities_sql(contracts.values())})"
        ).fetchone()[0]
        == 0
    )
    got = dict(
        db.execute(
            f"SELECT source_record_id, community FROM ({mentions_sql(contracts.values())}) "
            "WHERE source = 'health_residents'"
        ).fetchall()
    )
    assert got == {f"r{i}": rules for i, (_, rules, _) in enumerate(ADDRESSES)}


def test_registers_are_the_sources_with_a_community_column():
    contracts = load_contracts()
    assert [c.source for c in registers(contracts.values())] == ["housing_occupants"]
