"""The faster forms of standardization give exactly what the plain forms give.

Phones take their digits from a column computed once, the ID checksum is integer
arithmetic, and addresses are parsed once per distinct value and joined back: each is
checked here against the per-value macro or the Python reference.
"""

import random

import pytest

from connectors.home import Home
from schemas.idnumber import check_char
from warehouse.db.connection import open_warehouse
from warehouse.ingest.load import load_file

PHONES = [
    "13812345678",
    "+86 13812345678",
    "8613812345678",
    "138-1234-5678",
    "１３８１２３４５６７８",
    "010-51272414",
    "(010)51272414",
    "51272414",
    "+86-10-51272414",
    "0571-88886666",
    "12345",
    "",
    None,
]
HEADER = ",".join(
    [
        "登记编号",
        "户号",
        "姓名",
        "性别",
        "出生日期",
        "公民身份号码",
        "与户主关系",
        "人口类型",
        "联系电话",
        "居住地址",
        "登记日期",
        "注销日期",
    ]
)
ADDRESSES = [
    "东湖街道碧水苑社区5号楼1单元1201室",
    "东湖街道碧水苑社区5号楼1单元1201室",  # a household: the same address again
    "东湖街道碧水苑社区５号楼１单元１２０１室",  # the same, full-width before cleaning
    "北京市朝阳区东湖街道柳荫社区三号楼二单元301",
    "紫荆花园社区9-4-402",
    "东湖街道紫荆花园社区十二号楼",
    "柳荫社区3栋",
    "  ",
    "",
    "没有小区的地址",
]


@pytest.mark.parametrize("raw", PHONES)
def test_phone_with_digits_computed_once_matches_cw_phone(con, raw):
    rows = con.execute(
        "SELECT cw_phone(s, '010'), cw_phone_from(s, cw_phone_digits_unless_plain(s), '010') "
        "FROM (SELECT cw_clean(?) AS s)",
        [raw],
    ).fetchall()
    assert rows[0][0] == rows[0][1]


def test_id_checksum_matches_the_reference_for_random_numbers(con):
    rng = random.Random(11643)
    numbers = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(2000)] + [
        "0" * 17,
        "9" * 17,
    ]
    got = con.execute(
        "SELECT list_transform(?::VARCHAR[], lambda n: cw_id_check(n))", [numbers]
    ).fetchall()[0][0]
    assert got == [check_char(n) for n in numbers]


def test_non_ascii_dates_are_still_parsed_by_their_formats(tmp_path):
    """The cast is skipped for text DuckDB could never cast; its formats still apply."""
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / "police_residents_202609.csv"
    rows = [
        "DJ1,H1,张三,男,1961年3月13日,,户主,户籍人口,,,2014-09-23,",
        "DJ2,H2,李四,女,１９６１-０３-１３,,户主,户籍人口,,,20140923,",
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    con = open_warehouse(home)
    try:
        contract = home.contracts()["police_residents"]
        result = load_file(con, home, "police", path, contract)
        births = con.execute(
            "SELECT name, birth_date::VARCHAR FROM staging.police_residents ORDER BY name"
        ).fetchall()
    finally:
        con.close()
    assert result.rows_in == result.rows_loaded + result.rows_quarantined
    assert ("张三", "1961-03-13") in births and ("李四", "1961-03-13") in births


def test_addresses_parsed_once_each_match_the_per_row_macros(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / "police_residents_202609.csv"
    lines = [HEADER]
    for i, address in enumerate(ADDRESSES):
        lines.append(f"DJ{i:04d},H{i:04d},张{i},男,1961-03-13,,户主,户籍人口,,{address},,")
    lines.append("DJ9999,H9999,王五,男,1961-03-13,,户主,户籍人口,,,,")  # no address
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = open_warehouse(home)
    try:
        contract = home.contracts()["police_residents"]
        result = load_file(con, home, "police", path, contract)
        assert result.rows_in == len(ADDRESSES) + 1 == result.rows_loaded
        staged = con.execute(
            "SELECT _row_number, address, district, street, community, building_no, unit_no, "
            "room_no FROM staging.police_residents ORDER BY _row_number"
        ).fetchall()
        expected = []
        for row, raw in enumerate([*ADDRESSES, None], start=2):
            clean, area, building, unit, room = con.execute(
                "SELECT a, area, coalesce(cw_number(nullif(p.building, '')), "
                "cw_building_no(area.rest)), coalesce(cw_number(nullif(p.unit, '')), "
                "cw_unit_no(area.rest)), nullif(p.room, '') FROM (SELECT a, area, "
                "cw_premises(area.rest) AS p FROM (SELECT a, cw_address_area(a) AS area "
                "FROM (SELECT cw_clean(?) AS a)))",
                [raw],
            ).fetchall()[0]
            expected.append(
                (
                    row,
                    clean,
                    area["district"],
                    area["street"],
                    area["community"],
                    building,
                    unit,
                    room,
                )
            )
    finally:
        con.close()
    assert staged == expected


@pytest.mark.parametrize(
    ("cells", "dirty", "trim"),
    [
        (["张三", "DJ0001", "东湖街道、柳荫社区", None], [], False),  # U+3001 is not cleaned
        (["张三", "１３８"], [1], False),  # full-width digits
        (["Ａlice", "Bob", "ｃ"], [0, 2], False),  # full-width letters
        (["张\u3000三"], [0], False),  # ideographic space
        ([None, "", "a\x01b"], [2], True),  # the row after an empty cell
        (["a\tb", "ab\t"], [0, 1], False),
        (["a\x7fb"], [0], False),
        (["line\nbreak"], [0], False),
        (["ｱ"], [0], False),  # half-width katakana: wider than cw_clean, never narrower
        ([" 张三"], [], True),
        (["张三 "], [], True),
        (["张三", ""], [], True),  # an empty cell becomes NULL
        (["\u00a0x"], [], True),
        (["x\u00a0"], [], True),
        (["x\u2003"], [], True),
        (["\u205fx"], [], True),
        (["x\u1680"], [], True),
        ([" １ "], [0], True),
        (["张 三", "a b"], [], False),  # inner spaces stay (names are handled by cw_name)
        (["\u00a1", "\u2010", "\u2060x", "x\u200b"], [], False),  # near spaces, not spaces
        ([None, None], [], False),
        ([], [], False),
    ],
)
def test_byte_scan_finds_the_cells_that_need_cleaning(con, cells, dirty, trim):
    from warehouse.ingest.dirt import DIRT, cleaning_needed

    con.execute("CREATE OR REPLACE TEMP TABLE cells (c0 VARCHAR)")
    if cells:
        con.executemany("INSERT INTO cells VALUES (?)", [[c] for c in cells])
    found = cleaning_needed(con, "cells", ["c0"])
    assert found.full == ({"c0"} if dirty else set())
    assert found.trim == ({"c0"} if trim else set())
    flagged = con.execute(f"SELECT rid FROM {DIRT} WHERE c0 ORDER BY 1").fetchall() if dirty else []
    rowids = con.execute("SELECT rowid FROM cells ORDER BY rowid").fetchall()
    assert flagged == [rowids[i] for i in dirty]


def test_byte_scan_never_passes_a_cell_that_cleaning_would_change(con):
    """Random columns of characters around every edge of the tested ranges, checked
    against cw_clean itself: each cell as the scan has it cleaned equals the cell fully
    cleaned. Batches are small here, so cells are found across many of them."""
    import warehouse.ingest.dirt as dirt

    rng = random.Random(3000)
    near = [0x00, 0x09, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xA0, 0xA1, 0x167F, 0x1680, 0x1681]
    near += [0x1FFF, 0x2000, 0x200A, 0x200B, 0x202F, 0x205F, 0x2060, 0x2FFF, 0x3000, 0x3001]
    near += [0xFEFF, 0xFF00, 0xFF01, 0xFF5E, 0xFF5F, 0xFFFD, 0x5F20, 0x4E09, 0x1F600]
    plain = ["张", "三", "a", "1", " ", "社区", ""]
    batch_rows = dirt.BATCH_ROWS
    dirt.BATCH_ROWS = 7
    try:
        for trial in range(300):
            width = rng.randint(1, 6)
            columns = [f"c{i}" for i in range(width)]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE cells ("
                + ", ".join(f"{c} VARCHAR" for c in columns)
                + ")"
            )
            rows = []
            for _ in range(rng.randint(1, 30)):
                row = []
                for _ in columns:
                    picks = [rng.choice(plain) for _ in range(rng.randint(0, 4))]
                    if rng.random() < 0.05:
                        picks.insert(rng.randint(0, len(picks)), chr(rng.choice(near)))
                    row.append("".join(picks) if rng.random() > 0.1 else None)
                rows.append(row)
            con.executemany(f"INSERT INTO cells VALUES ({', '.join('?' * width)})", rows)
            found = dirt.cleaning_needed(con, "cells", columns)
            join = f" LEFT JOIN {dirt.DIRT} d ON d.rid = r.rowid" if found.full else ""
            same = [
                f"bool_and({found.cleaned(c, 'r', 'd')} IS NOT DISTINCT FROM cw_clean(r.{c}))"
                for c in columns
            ]
            result = con.execute(f"SELECT {', '.join(same)} FROM cells r{join}").fetchall()[0]
            assert all(result), (trial, found, rows)
    finally:
        dirt.BATCH_ROWS = batch_rows


def test_a_file_cleaned_column_by_column_stages_what_full_cleaning_stages(tmp_path):
    """The demo's messy register (full-width names and ID numbers, spaces) through the
    statement with and without the byte scan: the same rows, value for value."""
    from connectors.readers import read_file
    from demo import generate
    from warehouse.ingest.dirt import cleaning_needed
    from warehouse.ingest.load import RAW
    from warehouse.ingest.mapping import explode_keys, known_headers, map_headers
    from warehouse.ingest.standardize import Compiler

    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 2000, 7, 1)
    path = next(home.ingest_dir("police").glob("police_residents_*.csv"))
    # Padded cells in two columns the demo keeps tidy: those columns need a trim only.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for n in (1, 5, 9):
        cells = lines[n].split(",")
        cells[1], cells[6] = f" {cells[1]}", f"{cells[6]}\u3000"
        lines[n] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = open_warehouse(home)
    try:
        contract = home.contracts()["police_residents"]
        raw = read_file(con, path, tmp_path, RAW, known_headers(contract), explode_keys(contract))
        mapping = map_headers(raw.headers, contract)
        cells = [raw.column(i) for f, i in mapping.columns.items() if f != "address"]
        found = cleaning_needed(con, RAW, cells)
        # Some columns need cleaning, some a trim, and some nothing.
        assert "c1" in found.trim and "c1" not in found.full
        assert {"c2", "c5", "c6"} <= found.full and found.full | found.trim != set(cells)
        outputs = []
        for cleaning in (None, found):
            compiler = Compiler(contract, mapping, raw.headers, cleaning)
            for statement in compiler.helpers(RAW):
                con.execute(statement)
            outputs.append(
                con.execute(
                    f"SELECT * EXCLUDE (_rid) FROM ({compiler.statement(RAW)}) ORDER BY _row",
                    compiler.params.values,
                ).fetchall()
            )
    finally:
        con.close()
    assert outputs[0] == outputs[1]
