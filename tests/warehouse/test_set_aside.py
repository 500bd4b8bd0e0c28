"""A row whose identity is usable is loaded even when other fields fail: the failed values
are NULL in staging, named in `_set_aside`, and kept with their reasons in
quarantine.fields; only identity and structural failures quarantine the whole row."""

import datetime as dt

import duckdb

from connectors.home import Home
from schemas.idnumber import check_char
from warehouse.ingest.intake import process_pending
from warehouse.ops.repair import retract
from warehouse.serve.evacuation_lists import break_glass

HEADER = "登记编号,姓名,性别,出生日期,公民身份号码,联系电话,居住地址,登记日期"
ADDRESS = "北京市西城区柳荫街道柳荫社区3号楼2单元301室"


def _id(first17: str) -> str:
    return first17 + check_char(first17)


def _wrong(first17: str) -> str:
    return first17 + ("1" if check_char(first17) != "1" else "2")


OLD_ID = _id("11010518950101001")  # a valid checksum, but born 1895
GOOD_ID = _id("11010519800101001")
BAD_ID = _wrong("11010519810202001")  # fails its checksum
ROWS = [
    f"P1,王一,男,1980-01-01,{GOOD_ID},13800138000,{ADDRESS},20200101",
    # The ID number fails its checksum: the person is loaded without it.
    f"P2,王二,男,1981-02-02,{BAD_ID},13800138001,{ADDRESS},20200101",
    # A stated birth date 130 years ago: set aside; the ID number gives the birth date.
    f"P3,王三,男,1896-03-03,{GOOD_ID},,{ADDRESS},20200101",
    # An ID number whose checksum passes but implies an age over 120.
    f"P4,王四,女,,{OLD_ID},,{ADDRESS},20200101",
    # A 15-digit number whose birth date contradicts the stated one: the number goes.
    "P5,王五,男,1962-07-07,110105630707001,,{ADDRESS},20200101".replace("{ADDRESS}", ADDRESS),
    # Two bad fields at once (sex code, phone) and one good one.
    f"P6,王六,X,1990-05-05,,12345,{ADDRESS},2020-13-45",
    # No name: the identity is not usable, the row is quarantined with every reason.
    f"P7,,男,1990-05-05,{BAD_ID},13800138001,{ADDRESS},20200101",
    # A birth date in the future.
    f"P8,王八,男,2199-01-01,,,{ADDRESS},20200101",
    # Born after the registration the record states.
    f"P9,王九,女,2021-06-01,,,{ADDRESS},20200101",
]


def _load(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / "police_residents_202611.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    (result,) = process_pending(home)
    return home, result


def _query(home, sql):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_with_a_usable_identity_are_loaded_without_their_bad_values(tmp_path):
    home, result = _load(tmp_path)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (9, 8, 1)
    staged = dict(
        (r[0], r[1:])
        for r in _query(
            home,
            "SELECT record_id, id_number, birth_date, sex, phone, registered_on, _set_aside "
            "FROM staging.police_residents",
        )
    )
    assert staged["P1"] == (
        GOOD_ID,
        dt.date(1980, 1, 1),
        "1",
        "13800138000",
        dt.date(2020, 1, 1),
        [],
    )
    assert staged["P2"][0] is None and staged["P2"][-1] == ["id_number"]
    assert staged["P2"][1:3] == (dt.date(1981, 2, 2), "1"), "the stated values stay"
    assert staged["P3"][:2] == (GOOD_ID, dt.date(1980, 1, 1)), "birth date from the ID number"
    assert staged["P3"][-1] == ["birth_date"]
    assert staged["P4"][:3] == (None, None, "2") and staged["P4"][-1] == ["id_number"]
    assert staged["P5"][:2] == (None, dt.date(1962, 7, 7)) and staged["P5"][-1] == ["id_number"]
    assert staged["P6"][2:5] == (None, None, None)
    assert sorted(staged["P6"][-1]) == ["phone", "registered_on", "sex"]
    assert staged["P8"][1] is None and staged["P8"][-1] == ["birth_date"]
    assert staged["P9"][1:] == (dt.date(2021, 6, 1), "2", None, None, ["registered_on"])


def test_every_set_aside_value_is_kept_with_its_reason_and_counted(tmp_path):
    home, result = _load(tmp_path)
    fields = _query(
        home, "SELECT record_key, field, value, reason FROM quarantine.fields ORDER BY 1, 2"
    )
    assert result.fields_set_aside == len(fields) == 9
    by_key = {(k, f): (v, why) for k, f, v, why in fields}
    assert "fails its checksum" in by_key[("P2", "id_number")][1]
    assert by_key[("P3", "birth_date")] == (
        "1896-03-03",
        "birth_date: '1896-03-03' implies an age over 120 years",
    )
    assert "age over 120" in by_key[("P4", "id_number")][1]
    assert "contradicts birth_date" in by_key[("P5", "id_number")][1]
    assert by_key[("P6", "sex")][0] == "X"
    assert "in the future" in by_key[("P8", "birth_date")][1]
    assert by_key[("P9", "registered_on")] == (
        "20200101",
        "registered_on: '20200101' is before birth_date 2021-06-01",
    )
    audit = _query(
        home,
        "SELECT rows_in, rows_loaded, rows_quarantined, fields_set_aside FROM audit.file_loads",
    )
    assert audit == [(9, 8, 1, 9)]
    (held,) = _query(home, "SELECT row_number, reasons FROM quarantine.rows")
    assert held[0] == 8
    assert held[1][0] == "name is required" and any("checksum" in r for r in held[1])
    receipt = next(home.receipts_dir("police").glob("*.txt")).read_text(encoding="utf-8")
    assert "Values set aside (the row is loaded without them): 9" in receipt


def test_a_retracted_file_takes_its_set_aside_values_with_it(tmp_path):
    home, result = _load(tmp_path)
    retract(home, result.file_id, "sent by mistake")
    assert _query(home, "SELECT count(*) FROM quarantine.fields") == [(0,)]


def test_a_resident_whose_id_number_was_set_aside_is_linked_and_on_the_evacuation_list(
    published,
):
    """In the shared published district: records whose ID number failed reach linking, and
    the vulnerable among those people are on their building's evacuation list."""
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        found = con.execute(
            "SELECT s.record_id, ps.person_id, v.building_id "
            "FROM staging.health_residents_current s "
            "JOIN core.person_source ps ON ps.source = 'health_residents' "
            "AND ps.source_record_id = s.record_id "
            "JOIN mart.vulnerable_residents v ON v.person_id = ps.person_id "
            "WHERE list_contains(s._set_aside, 'id_number') ORDER BY 1"
        ).fetchall()
        unlinked = con.execute(
            "SELECT count(*) FROM staging.health_residents_current s "
            "WHERE list_contains(s._set_aside, 'id_number') AND s.record_id NOT IN "
            "(SELECT source_record_id FROM core.person_source WHERE source = 'health_residents')"
        ).fetchall()[0][0]
    assert found, "the demo's bad ID numbers include vulnerable residents"
    assert unlinked == 0, "every loaded record is a mention of someone"
    _, person_id, building_id = found[0]
    listed = break_glass(published, building_id, reason="test: set-aside ID number")
    assert person_id in [r[listed.columns.index("person_id")] for r in listed.rows]
