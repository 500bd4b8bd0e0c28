"""Readers keep every row with the number a clerk uses to find it."""

import datetime as dt
import json

import duckdb
import pytest

from connectors.csv_file import read_csv_file
from connectors.errors import UnreadableFile
from connectors.excel_file import read_excel_file
from connectors.json_file import read_json_file
from demo.xlsx import write_xlsx
from tests.connectors.workbooks import write_workbook


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def rows(con, table="raw"):
    return con.execute(
        f"SELECT coalesce(_row, rowid + 2), _item, * EXCLUDE (_row, _item) FROM {table} "
        "ORDER BY 1, 2"
    ).fetchall()


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_csv_delimiters(tmp_path, con, delimiter):
    path = tmp_path / "f.csv"
    path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2", "3"]) + "\n")
    raw = read_csv_file(con, path, tmp_path, "raw")
    assert raw.headers == ["a", "b", "c"]
    assert rows(con) == [(2, None, "1", "2", "3")]


def test_csv_quoted_newlines_keep_line_numbers(tmp_path, con):
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"x\ny"\n2,z\n3,w\n')
    read_csv_file(con, path, tmp_path, "raw")
    assert rows(con) == [(2, None, "1", "x\ny"), (4, None, "2", "z"), (5, None, "3", "w")]


def test_csv_broken_lines_are_reported_not_dropped(tmp_path, con):
    path = tmp_path / "f.csv"
    path.write_text('a,b,c\n1,2,3\n4,5\n6,"7,8\n9,10,11\n')
    raw = read_csv_file(con, path, tmp_path, "raw")
    assert rows(con) == [(2, None, "1", "2", "3"), (5, None, "9", "10", "11")]
    assert [(m.row_number, m.raw) for m in raw.malformed] == [(3, "4,5"), (4, '6,"7,8')]
    assert "expected 3 fields, found 2" in raw.malformed[0].reason
    assert "unbalanced quote" in raw.malformed[1].reason


@pytest.mark.parametrize("given_lines", [False, True])
def test_csv_late_gbk_bytes_are_found_by_duckdb_and_the_file_transcoded(tmp_path, con, given_lines):
    # The head is plain ASCII, so UTF-8 is tried first and DuckDB alone checks the bytes.
    path = tmp_path / "f.csv"
    path.write_bytes(("a,b\n" + "1,x\n" * 70_000).encode() + "2,张三\n".encode("gbk"))
    lines = (lambda: 70_002) if given_lines else None
    raw = read_csv_file(con, path, tmp_path, "raw", lines)
    assert raw.encoding == "gb18030"
    assert rows(con)[-1] == (70_002, None, "2", "张三")
    assert len(rows(con)) == 70_001


def test_csv_utf8_is_read_without_a_decoding_pass(tmp_path, con, monkeypatch):
    import connectors.csv_file as csv_file

    def no_decoding(*args):
        raise AssertionError("a valid UTF-8 file needs no Python decoding pass")

    monkeypatch.setattr(csv_file, "utf8_copy", no_decoding)
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,张三\n", encoding="utf-8")
    raw = read_csv_file(con, path, tmp_path, "raw")
    assert raw.encoding == "utf-8"
    assert rows(con) == [(2, None, "1", "张三")]


def test_csv_record_longer_than_duckdbs_limit_is_read_whole(tmp_path, con, monkeypatch):
    # DuckDB's line limit is kept low for speed; a longer record must not be cut or lost.
    import connectors.csv_file as csv_file

    monkeypatch.setattr(csv_file, "DUCKDB_MAX_LINE", 1 << 20)
    path = tmp_path / "f.csv"
    long = "长" * 1_000_000  # 3 MB in UTF-8
    path.write_text(f"a,b\n1,x\n2,{long}\n3,y\n", encoding="utf-8")
    raw = read_csv_file(con, path, tmp_path, "raw")
    assert raw.malformed == []
    assert rows(con) == [(2, None, "1", "x"), (3, None, "2", long), (4, None, "3", "y")]


def test_csv_header_only_and_blank_lines(tmp_path, con):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n\n1,2\n\n")
    read_csv_file(con, path, tmp_path, "raw")
    assert rows(con) == [(3, None, "1", "2")]


def test_csv_without_header(tmp_path, con):
    path = tmp_path / "f.csv"
    path.write_text("\n\n")
    with pytest.raises(UnreadableFile, match="header"):
        read_csv_file(con, path, tmp_path, "raw")


def test_excel_title_total_and_note_rows(tmp_path, con):
    path = tmp_path / "f.xlsx"
    write_xlsx(
        path,
        "登记",
        "某某局 住户登记表",
        ["登记编号", "姓名", "出生日期"],
        [["A1", "张三", dt.date(1985, 3, 2)], ["A2", "李四", "1990.01.05"], ["A3", None, 1999]],
        footer=[["合计", "共3人", None], ["制表单位：住房科", None, None]],
    )
    raw = read_excel_file(con, path, tmp_path, "raw", {"登记编号": "record_id", "姓名": "name"})
    assert raw.headers == ["登记编号", "姓名", "出生日期"]
    assert rows(con) == [
        (3, None, "A1", "张三", "1985-03-02"),
        (4, None, "A2", "李四", "1990.01.05"),
        (5, None, "A3", None, "1999"),
    ]
    assert any("title" in n for n in raw.notes)
    assert sum("total or note" in n for n in raw.notes) == 2


def test_excel_that_is_not_a_workbook(tmp_path, con):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UnreadableFile, match="workbook"):
        read_excel_file(con, path, tmp_path, "raw", {})


def test_json_lines_explode_nested_persons(tmp_path, con):
    path = tmp_path / "f.jsonl"
    lines = [
        {"id": "J1", "persons": [{"name": "张三"}, {"name": "李四"}]},
        "not json",
        {"id": "J2", "persons": []},
    ]
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x for x in lines)
        + "\n",
        encoding="utf-8",
    )
    raw = read_json_file(con, path, "raw", {"persons"})
    assert raw.headers == ["id", "persons.name"]
    assert rows(con) == [(1, 1, "J1", "张三"), (1, 2, "J1", "李四"), (3, None, "J2", None)]
    assert [(m.row_number, m.raw) for m in raw.malformed] == [(2, "not json")]


def test_json_array_uses_the_index(tmp_path, con):
    path = tmp_path / "f.json"
    path.write_text(json.dumps([{"a": 1}, {"a": 2, "b": {"c": 3}}]), encoding="utf-8")
    read_json_file(con, path, "raw", set())
    assert rows(con) == [(0, None, "1", None), (1, None, "2", '{"c": 3}')]


FIELDS = {"登记编号": "record_id", "姓名": "name", "住户姓名": "name", "出生日期": "birth_date"}


def sheet_rows(con, raw):
    """(sheet, row, cells…) of every raw row, as the warehouse derives the sheet."""
    params: list = []

    def bind(value):
        params.append(value)
        return "?"

    sheet = raw.sheet_sql("rowid", bind)
    return con.execute(
        f"SELECT {sheet}, _row, * EXCLUDE (_row, _item) FROM raw ORDER BY rowid", params
    ).fetchall()


def test_excel_every_sheet_is_read_by_its_own_header(tmp_path, con):
    path = write_workbook(
        tmp_path / "f.xlsx",
        {
            "一社区": (["登记编号", "姓名", "出生日期"], [["A1", "张三", "1985-03-02"]]),
            # another order, another alias for the name, a column the first sheet lacks
            "二社区": (
                ["姓名", "备用电话", "登记编号"],
                [["李四", "139", "B1"], ["王五", None, "B2"]],
            ),
        },
    )
    raw = read_excel_file(con, path, tmp_path, "raw", FIELDS, needed=2)
    assert raw.headers == ["登记编号", "姓名", "出生日期", "备用电话"]
    assert sheet_rows(con, raw) == [
        ("一社区", 3, "A1", "张三", "1985-03-02", None),
        ("二社区", 3, "B1", "李四", None, "139"),
        ("二社区", 4, "B2", "王五", None, None),
    ]
    assert sum("title row" in n for n in raw.notes) == 2
    assert sum("total or note" in n for n in raw.notes) == 2


def test_excel_sheets_that_are_not_data_are_named_in_the_notes(tmp_path, con):
    path = write_workbook(
        tmp_path / "f.xlsx",
        {
            "说明": (["填表说明"], [["本表由社区填报"], ["每月更新"]]),
            "登记": (["登记编号", "姓名"], [["A1", "张三"]]),
            "空白": ([], []),
            "联系人": (["姓名", "电话"], [["李四", "139"]]),
        },
        title=None,
    )
    raw = read_excel_file(con, path, tmp_path, "raw", FIELDS, needed=2)
    assert sheet_rows(con, raw) == [("登记", 2, "A1", "张三")]
    assert any("'说明' (4 row(s)) was not read: its header matches none" in n for n in raw.notes)
    assert any(
        "'联系人'" in n and "matches 1 of the contract's columns, fewer than 2" in n
        for n in raw.notes
    )
    assert any("sheet '空白' is empty" in n for n in raw.notes)


def test_excel_only_the_sheets_a_contract_names_are_read(tmp_path, con):
    header = ["登记编号", "姓名"]
    path = write_workbook(
        tmp_path / "f.xlsx",
        {"2025": (header, [["A1", "张三"]]), "2026": (header, [["A2", "李四"]]), "x": (header, [])},
    )
    raw = read_excel_file(con, path, tmp_path, "raw", FIELDS, sheets=["2026", "2027"])
    assert sheet_rows(con, raw) == [("2026", 3, "A2", "李四")]
    assert any("not in the workbook: 2027" in n for n in raw.notes)


def test_excel_with_no_matching_sheet_is_read_for_its_missing_columns_to_be_named(tmp_path, con):
    path = write_workbook(tmp_path / "f.xlsx", {"S": (["编号", "名字"], [["A1", "张三"]])})
    raw = read_excel_file(con, path, tmp_path, "raw", FIELDS, needed=2)
    assert raw.headers == ["编号", "名字"]
    assert sheet_rows(con, raw) == [("S", 3, "A1", "张三")]
