"""ID numbers and phones that went through a spreadsheet's number cell, in the forms real
exports carry them: .xlsx number cells, and CSVs saved from Excel (E notation, padded
zeros). A damaged ID number is set aside with its reason and the record still loads;
nothing that a double holds exactly is lost."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from connectors.home import Home
from schemas.idnumber import check_char
from warehouse.ingest.intake import process_pending

HEADER = "登记编号,姓名,性别,出生日期,公民身份号码,联系电话,居住地址,登记日期"
ADDRESS = "北京市西城区柳荫街道柳荫社区3号楼2单元301室"
DAMAGED = "is damaged by a spreadsheet"


def _id(first17: str) -> str:
    return first17 + check_char(first17)


def _valid_ending_000() -> str:
    """A genuine, checksum-valid number ending in 000 (about 1 in 1,100 are): sequence
    number X00 and check digit 0."""
    for month, day, first in itertools.product(range(1, 13), range(1, 29), range(10)):
        first17 = f"1101051980{month:02d}{day:02d}{first}00"
        if check_char(first17) == "0":
            return first17 + "0"
    raise AssertionError("no such number")


GOOD = _id("11010519800101001")
GOOD_000 = _valid_ending_000()


def _padded(first17: str) -> str:
    """What a `0`-formatted number cell exports for this number: 15 digits, then 000."""
    return _id(first17)[:15] + "000"


def _load_csv(tmp_path: Path, rows: list[str]):
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / "police_residents_202611.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (result,) = process_pending(home)
    return home, result


def _query(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _row(key: str, id_number: str, phone: str = "13800138000", birth: str = "1980-01-01"):
    return f"{key},王{key},男,{birth},{id_number},{phone},{ADDRESS},20200101"


def test_csv_forms_of_a_damaged_id_number_are_set_aside_and_the_rows_load(tmp_path):
    legacy = "110105800101001"  # 15 digits, written in full in E notation below
    rows = [
        _row("P1", GOOD),
        _row("P2", "1.10105198001010E+17"),  # Excel's text for a number cell
        _row("P3", "1.10105198001010e17"),
        _row("P4", f"{legacy[0]}.{legacy[1:]}E+14"),  # all 15 digits: exact
        _row("P5", "3.30111E+17"),  # General format in a narrow column
        _row("P6", GOOD_000),  # genuine, and this file shows no padding: kept
    ]
    home, result = _load_csv(tmp_path, rows)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (6, 6, 0)
    staged = dict(
        _query(home, "SELECT record_id, id_number FROM staging.police_residents ORDER BY 1")
    )
    assert staged == {
        "P1": GOOD,
        "P2": None,
        "P3": None,
        "P4": GOOD,  # the legacy number upgraded
        "P5": None,
        "P6": GOOD_000,
    }
    reasons = dict(
        _query(home, "SELECT record_key, reason FROM quarantine.fields WHERE field = 'id_number'")
    )
    assert set(reasons) == {"P2", "P3", "P5"}
    assert all(DAMAGED in why for why in reasons.values())
    receipt = next(home.receipts_dir("police").glob("*.txt")).read_text(encoding="utf-8")
    assert f"3 value(s): id_number: a value {DAMAGED}" in receipt


def test_trailing_zeros_are_damage_only_where_the_column_shows_the_padding(tmp_path):
    """Numbers padded with 000 fail their checksum 10 times in 11; once two do, every
    number ending in 000 in that file is damage, the one that passes by chance too."""
    lucky = next(
        p
        for p in (_padded(f"110105198003{d:02d}00{s}") for d in range(1, 29) for s in range(10))
        if check_char(p[:17]) == "0"
    )
    unlucky = [
        p
        for p in (_padded(f"110105198004{d:02d}00{s}") for d in range(1, 29) for s in range(10))
        if check_char(p[:17]) != "0"
    ][:2]
    rows = [_row("P1", GOOD), _row("P2", lucky), _row("P3", unlucky[0]), _row("P4", unlucky[1])]
    home, result = _load_csv(tmp_path, rows)
    assert result.rows_loaded == 4
    staged = dict(
        _query(home, "SELECT record_id, id_number FROM staging.police_residents ORDER BY 1")
    )
    assert staged == {"P1": GOOD, "P2": None, "P3": None, "P4": None}
    reasons = dict(
        _query(home, "SELECT record_key, reason FROM quarantine.fields WHERE field = 'id_number'")
    )
    assert set(reasons) == {"P2", "P3", "P4"}
    assert all(DAMAGED in why for why in reasons.values())


def test_one_number_ending_in_000_that_fails_is_only_a_failed_checksum(tmp_path):
    unlucky = next(
        p
        for p in (_padded(f"110105198004{d:02d}00{s}") for d in range(1, 29) for s in range(10))
        if check_char(p[:17]) != "0"
    )
    home, _ = _load_csv(tmp_path, [_row("P1", GOOD_000), _row("P2", unlucky)])
    staged = dict(_query(home, "SELECT record_id, id_number FROM staging.police_residents"))
    assert staged == {"P1": GOOD_000, "P2": None}
    (why,) = _query(home, "SELECT reason FROM quarantine.fields")
    assert "fails its checksum" in why[0]


def test_landlines_that_lost_their_leading_zero_get_it_back_and_the_clerk_is_told(tmp_path):
    rows = [
        _row("P1", "", "5718888666"),  # 0571-8888666 from a number cell
        _row("P2", "", "1051272414"),  # 010-51272414
        _row("P3", "", "51272414"),  # a local number: the contract's area code, no flag
        _row("P4", "", "4008123123"),  # a 400 service number: not a landline
        _row("P5", "", "+86 571 88886666"),  # international form: no 0 was lost
    ]
    home, result = _load_csv(tmp_path, rows)
    staged = {
        k: (phone, flags)
        for k, phone, flags in _query(
            home, "SELECT record_id, phone, _flags FROM staging.police_residents"
        )
    }
    restored = "phone: leading 0 restored"
    assert staged["P1"] == ("0571-8888666", [restored])
    assert staged["P2"] == ("010-51272414", [restored])
    assert staged["P3"] == ("010-51272414", [])
    assert staged["P4"] == (None, [])
    assert staged["P5"] == ("0571-88886666", [])
    assert any(n.startswith("2 phone number(s) had lost their leading 0") for n in result.notes)
    receipt = next(home.receipts_dir("police").glob("*.txt")).read_text(encoding="utf-8")
    assert "2 phone number(s) had lost their leading 0" in receipt


def _housing_workbook(path: Path, rows: list[list[object]], formats: dict[str, str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某区 住户登记表"])
    sheet.append(["登记编号", "姓名", "性别", "出生日期", "身份证号码", "联系电话", "社区", "楼栋"])
    for row in rows:
        sheet.append(row)
    for cell, number_format in formats.items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


def test_a_workbook_with_id_numbers_in_number_cells(tmp_path):
    """18-digit numbers in number cells never pass as valid, whichever digits the writer
    kept; a legacy 15-digit number cell is exact and upgraded; a record ID under a `000000`
    format keeps its zeros; each record loads."""
    home = Home.resolve(tmp_path).ensure()
    damaged = _id("33011019590221123")
    rows = [
        [1, "张一", "男", "1959-02-21", float(damaged[:15] + "000"), 13800138000, "柳荫社区", "3"],
        [2, "张二", "男", "1959-02-21", int(damaged[:17] + "0"), 5718888666, "柳荫社区", "3"],
        [3, "张三", "男", "1980-01-01", 110105800101001, None, "柳荫社区", "3"],
        [4, "张四", "男", "1980-01-01", GOOD, None, "柳荫社区", "3"],
    ]
    _housing_workbook(
        home.ingest_dir("housing") / "housing_occupants_202611.xlsx",
        rows,
        {f"A{r}": "000000" for r in range(3, 7)},
    )
    (result,) = process_pending(home)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    staged = dict(
        _query(home, "SELECT record_id, id_number FROM staging.housing_occupants ORDER BY 1")
    )
    assert staged == {
        "000001": None,
        "000002": None,
        "000003": _id("11010519800101001"),
        "000004": GOOD,
    }
    fields = _query(home, "SELECT record_key, value, reason FROM quarantine.fields ORDER BY 1")
    assert [(k, v) for k, v, _ in fields] == [
        ("000001", "3.30110195902211E+17"),
        ("000002", "3.301101959022112E+17"),
    ]
    assert all(DAMAGED in why for _, _, why in fields)
    assert not [n for n in result.notes if "shorter than" in n]  # the format kept the zeros


@pytest.mark.parametrize(
    ("text", "sci", "digits"),
    [
        ("3.30110195902211E+17", True, "3.30110195902211E+17"),
        ("3.30110195902211e+17", True, "3.30110195902211e+17"),
        ("3.3E17", True, "3.3E17"),
        ("3.30110590221123E+14", False, "330110590221123"),  # all 15 digits: exact
        ("3.3011059022112E+14", True, "3.3011059022112E+14"),  # one digit padded
        ("33011019590221123X", False, "33011019590221123X"),
        ("E12345678901234567", False, "E12345678901234567"),  # a letter, not a number
    ],
)
def test_scientific_notation_macros(con, text, sci, digits):
    unsci = con.execute("SELECT cw_id_unsci(?)", [text]).fetchone()[0]
    assert unsci == digits
    assert con.execute("SELECT cw_id_sci(?)", [unsci]).fetchone()[0] is sci


def test_demo_records_damaged_by_a_spreadsheet_load_without_a_valid_id_and_still_link(
    published,
):
    """In the shared published district (3,000 residents), every housing record whose ID
    number the register holds in a number cell is loaded, has no ID number, says why, and
    is linked to other records of its true person (most have some)."""
    damage = pd.read_csv(published.demo_truth / "spreadsheet_ids.csv", dtype=str)
    truth = pd.read_csv(published.demo_truth / "persons.csv", dtype=str)
    assert len(damage) >= 30
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        con.register("damage", damage)
        con.register("truth", truth)
        damaged, loaded, valid, explained = con.execute(
            "SELECT count(*), count(s.record_id), count(s.id_number), count(*) FILTER "
            "(WHERE q.reason LIKE ?) FROM damage d "
            "LEFT JOIN staging.housing_occupants_current s ON s.record_id = d.source_record_id "
            "LEFT JOIN quarantine.fields q ON q.source = 'housing_occupants' "
            "AND q.record_key = d.source_record_id AND q.field = 'id_number'",
            [f"%{DAMAGED}%"],
        ).fetchone()
        with_others, linked = con.execute(
            "WITH m AS (SELECT t.source, t.source_record_id, t.true_person_id, ps.person_id "
            "FROM truth t JOIN core.person_source ps USING (source, source_record_id)), "
            "d AS (SELECT m.* FROM m SEMI JOIN damage USING (source, source_record_id)) "
            "SELECT count(DISTINCT d.source_record_id), count(DISTINCT d.source_record_id) "
            "FILTER (WHERE o.person_id = d.person_id) FROM d JOIN m o "
            "ON o.true_person_id = d.true_person_id AND o.source_record_id <> d.source_record_id"
        ).fetchone()
    assert (loaded, valid, explained) == (damaged, 0, damaged)
    assert with_others >= 0.8 * damaged
    assert linked >= 0.95 * with_others


def test_json_numbers_for_id_numbers(tmp_path):
    """A JSON export whose system kept ID numbers as numbers: a double (E form) is damaged,
    an exact integer is judged as the number it is."""
    home = Home.resolve(tmp_path).ensure()
    people = [
        {"姓名": "张一", "身份证号": 1.10105198001010e17, "身份": "报警人"},
        {"姓名": "张二", "身份证号": int(GOOD), "身份": "受害人"},
    ]
    incident = {"警情编号": "JQ1", "警情类别": "火灾", "发生地址": ADDRESS, "涉及人员": people}
    path = home.ingest_dir("police") / "police_incidents_202611.jsonl"
    path.write_text(json.dumps(incident, ensure_ascii=False) + "\n", encoding="utf-8")
    (result,) = process_pending(home)
    assert result.rows_loaded == 2
    staged = dict(
        _query(home, "SELECT mention_id, id_number FROM staging.police_incidents ORDER BY 1")
    )
    assert staged == {"JQ1#1": None, "JQ1#2": GOOD}
    ((value, why),) = _query(home, "SELECT value, reason FROM quarantine.fields")
    assert value == "1.1010519800101e+17" and DAMAGED in why


def test_record_ids_that_lost_their_zeros_are_reported_and_loaded_as_written(tmp_path):
    rows = [_row("000101", GOOD), _row("000102", ""), _row("103", ""), _row("104", "")]
    home, result = _load_csv(tmp_path, rows)
    assert result.rows_loaded == 4
    (note,) = [n for n in result.notes if "shorter than" in n]
    assert note.startswith("2 record_id value(s) are shorter than the 6-digit ones")
    assert "(e.g. 103)" in note
    keys = [k for (k,) in _query(home, "SELECT record_id FROM staging.police_residents")]
    assert sorted(keys) == ["000101", "000102", "103", "104"]
    receipt = next(home.receipts_dir("police").glob("*.txt")).read_text(encoding="utf-8")
    assert "2 record_id value(s) are shorter" in receipt


def test_record_ids_of_one_width_or_without_zeros_are_not_reported(tmp_path):
    _, result = _load_csv(tmp_path, [_row("101", GOOD), _row("1020", ""), _row("A0003", "")])
    assert not [n for n in result.notes if "shorter than" in n]
