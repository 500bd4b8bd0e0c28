"""Table-driven checks of the standardization macros, on a real DuckDB connection."""

import re
from importlib import resources

import pyarrow as pa
import pytest
import yaml

from schemas.base import ID_NUMBER_SHAPE, LANDLINE_PATTERN, MOBILE_PATTERN, MOBILE_SHAPE
from schemas.contracts import REPO_CONTRACTS, SourceContract
from warehouse.db.macros import macro_sql
from warehouse.ingest.addresses import area_sql
from warehouse.ingest.standardize import DEFAULT_DATE_FORMATS, Compiler


def one(con, sql: str, *params):
    return con.execute(f"SELECT {sql}", list(params)).fetchall()[0][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("110105491231002", "11010519491231002X"),  # 15-digit legacy number upgraded
        ("110105-19491231-002x", "11010519491231002X"),
        (" 110105 491231 002 ", "11010519491231002X"),  # 15 digits once spaces are gone
        ("11010549123100a", "11010549123100a"),  # 15 characters, not 15 digits: kept as is
        ("1101051949123100ab", "1101051949123100ab"),  # other letters stay (and fail shape)
        ("-", None),
        (None, None),
    ],
)
def test_id_numbers_normalize(con, raw, expected):
    assert one(con, "cw_id18(cw_id_text(cw_clean(?)))", raw) == expected
    if expected is not None and expected[-1] != "X":
        assert one(con, "cw_id_shape_ok(cw_id18(cw_id_text(?)))", raw) is False


@pytest.mark.parametrize(
    ("number", "shape", "birth", "checksum"),
    [
        ("11010519491231002X", True, True, True),
        ("110105194912310021", True, True, False),
        ("110105194902300021", True, False, None),
        ("1101051949123100", False, None, None),
    ],
)
def test_id_number_checks(con, number, shape, birth, checksum):
    assert one(con, "cw_id_shape_ok(?)", number) is shape
    if birth is not None:
        assert (one(con, "cw_id_birth(?)", number) is not None) is birth
    if checksum is not None:
        assert (one(con, "cw_id_check(substr(?, 1, 17))", number) == number[17]) is checksum


def test_sex_and_birth_from_id(con):
    assert one(con, "cw_id_sex(?)", "11010519491231002X") == "2"
    assert str(one(con, "cw_id_birth(?)", "11010519491231002X")) == "1949-12-31"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-51272414", "010-51272414"),
        ("(010)51272414", "010-51272414"),
        ("010 51272414", "010-51272414"),
        ("51272414", "010-51272414"),  # local number, the contract's area code
        ("+86-10-51272414", "010-51272414"),
        ("0571-88886666", "0571-88886666"),
        ("5718888666", "0571-8888666"),  # a number cell dropped the leading 0
        ("57188886666", "0571-88886666"),
        ("1051272414", "010-51272414"),
        ("+86 571 88886666", "0571-88886666"),
        ("4008123123", None),  # a service number, not a landline without its 0
        ("8008123123", None),
        ("12345", None),
        ("1381234567", None),
    ],
)
def test_phones(con, raw, expected):
    assert one(con, "cw_phone(cw_clean(?), '010')", raw) == expected


def _birth_dates(con, formats: list[str], raws: list[str | None]) -> list[str | None]:
    """Birth dates as the standardization compiles them for a contract's formats."""
    raw = yaml.safe_load((REPO_CONTRACTS / "health_residents.yaml").read_text("utf-8"))
    raw["columns"]["birth_date"]["date_formats"] = formats
    compiler = Compiler(SourceContract.model_validate(raw), None, [])  # type: ignore[arg-type]
    sql = compiler._dates("birth_date", "raw", DEFAULT_DATE_FORMATS, "DATE")
    con.register("_raws", pa.table({"i": list(range(len(raws))), "raw": raws}))
    try:
        rows = con.execute(f"SELECT {sql} FROM _raws ORDER BY i", compiler.params.values).fetchall()
    finally:
        con.unregister("_raws")
    return [str(r[0]) if r[0] else None for r in rows]


def test_dates_in_the_usual_forms_and_impossible_ones_left_empty(con):
    raws = ["1985-03-02", "1985/3/2", "1985.03.02", "1985年3月2日", "19850302",
            "1985/2/30", "1985/13/2", "02/03/1985", "31108", None]  # fmt: skip
    assert _birth_dates(con, [], raws) == ["1985-03-02"] * 5 + [None] * 5


def test_a_contracts_own_formats_come_first(con):
    """A source writing day first says so; its 02/03/1985 is 2 March, and only a source
    that declares spreadsheet serial numbers has 31108 read as a date."""
    raws = ["02/03/1985", "1985-03-02", "31108"]
    assert _birth_dates(con, ["%d/%m/%Y", "excel_serial"], raws) == ["1985-03-02"] * 3
    assert _birth_dates(con, ["%m/%d/%Y"], raws[:1]) == ["1985-02-03"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张 三 ", "张三"),
        ("王\u3000芳", "王芳"),
        ("John  Smith", "John Smith"),
        ("李\x07四", "李四"),
        ("", None),
    ],
)
def test_names(con, raw, expected):
    assert one(con, "cw_name(cw_clean(?))", raw) == expected


@pytest.mark.parametrize(
    ("address", "district", "street", "community", "building", "unit", "room"),
    [
        (
            "北京市朝阳区东湖街道柳荫社区3号楼2单元301室",
            "朝阳区",
            "东湖街道",
            "柳荫社区",
            "3",
            "2",
            "301",
        ),
        ("朝阳区东湖街道柳荫社区3栋2单元301室", "朝阳区", "东湖街道", "柳荫社区", "3", "2", "301"),
        ("柳荫社区三号楼二单元301", None, None, "柳荫社区", "3", "2", "301"),
        ("紫荆花园社区9-4-402", None, None, "紫荆花园社区", "9", "4", "402"),
        # A community named 小区 or 园区 is not a district (found by the dwelling link).
        ("光明小区社区5-1-101", None, None, "光明小区社区", "5", "1", "101"),
        ("科技园区社区7号楼1单元202", None, None, "科技园区社区", "7", "1", "202"),
        ("朝阳区光明小区社区5-1-101", "朝阳区", None, "光明小区社区", "5", "1", "101"),
        ("东湖街道紫荆花园社区十二号楼", None, "东湖街道", "紫荆花园社区", "12", None, None),
        ("玉泉家园社区二十一号楼二单元2705", None, None, "玉泉家园社区", "21", "2", "2705"),
        ("柳荫社区３号楼２单元３０１室", None, None, "柳荫社区", "3", "2", "301"),
        ("东湖街道柳荫社区3幢1门502号", None, "东湖街道", "柳荫社区", "3", "1", "502"),
    ],
)
def test_addresses(con, address, district, street, community, building, unit, room):
    area = con.execute(
        area_sql("(SELECT cw_clean(?) AS clean)", "clean", ()), [address]
    ).fetchall()[0][0]
    assert (area["district"], area["street"], area["community"]) == (district, street, community)
    premises = one(con, "cw_premises(?)", area["rest"])
    assert one(con, "cw_number(nullif(?, ''))", premises["building"]) == building
    assert one(con, "cw_number(nullif(?, ''))", premises["unit"]) == unit
    assert (premises["room"] or None) == room


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3号楼", "3"),
        ("三号楼", "3"),
        ("3栋", "3"),
        ("十号楼", "10"),
        ("2单元", "2"),
        ("二单元", "2"),
        ("2", "2"),
        ("301", "301"),
        ("两单元", "2"),
    ],
)
def test_parts_in_their_own_column(con, raw, expected):
    assert one(con, "cw_part_no(cw_clean(?))", raw) == expected


def test_the_macros_take_the_id_and_mobile_shapes_from_the_schema():
    """One definition: the macro file names the shapes, the schema gives them."""
    template = (resources.files("warehouse.db") / "macros.sql").read_text(encoding="utf-8")
    assert "{id_number}" in template and "{mobile}" in template
    for shape in (ID_NUMBER_SHAPE, MOBILE_SHAPE):
        written = shape.replace("{", "{{").replace("}", "}}")
        assert written not in template, f"macros.sql spells {shape} itself"
        assert shape in macro_sql()


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "010-51272414", "51272414"])
def test_a_standardized_phone_has_a_shape_the_schema_accepts(con, raw):
    phone = one(con, "cw_phone(cw_clean(?), '010')", raw)
    assert re.fullmatch(MOBILE_PATTERN, phone) or re.fullmatch(LANDLINE_PATTERN, phone)
