"""Numbers in workbook cells read as the text the workbook shows, never with invented digits.

Every workbook here is a real .xlsx written by openpyxl (numeric cells, number formats),
read by the real reader in its child process.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from connectors import workbook_child
from connectors.excel_file import read_excel_file
from connectors.workbook_child import text

FIELDS = {"登记编号": "record_id", "姓名": "name", "身份证号": "id_number", "电话": "phone"}


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (123.0, "123"),
        (13812345678.0, "13812345678"),
        (330110590221123.0, "330110590221123"),  # a legacy 15-digit number: exact
        (999999999999999.0, "999999999999999"),
        (3.30110195902211e17, "3.30110195902211E+17"),  # what Excel kept of 18 digits
        (330110195902211234.0, "3.3011019590221126E+17"),  # a double's nearest, 17 digits
        (1e15, "1E+15"),
        (-2.5e20, "-2.5E+20"),
        (1234567890123456.0, "1.234567890123456E+15"),
        (12.5, "12.5"),
    ],
)
def test_whole_numbers_past_15_digits_keep_their_scientific_form(value, shown):
    assert text(value) == shown
    assert float(shown) == value  # nothing lost, nothing invented


def _sheet_values(con, path: Path, tmp_path: Path) -> list[tuple]:
    read_excel_file(con, path, tmp_path / "work", "raw", FIELDS)
    return con.execute("SELECT * EXCLUDE (_row, _item) FROM raw ORDER BY _row").fetchall()


def test_id_numbers_stored_as_numbers_read_as_excel_stored_them(tmp_path, con):
    path = tmp_path / "ids.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["登记编号", "姓名", "身份证号", "电话"])
    sheet.append(["A1", "张三", 3.30110195902211e17, 13812345678])  # as Excel keeps it
    sheet.append(["A2", "李四", 330110195902211234, 13812345679])  # an int openpyxl writes
    sheet.append(["A3", "王五", 330110590221123, None])  # legacy, held exactly
    sheet.append(["A4", "赵六", "33011019590221123X", None])  # typed as text: untouched
    book.save(path)
    assert _sheet_values(con, path, tmp_path) == [
        ("A1", "张三", "3.30110195902211E+17", "13812345678"),
        ("A2", "李四", "3.301101959022113E+17", "13812345679"),  # openpyxl wrote 16 digits
        ("A3", "王五", "330110590221123", None),
        ("A4", "赵六", "33011019590221123X", None),
    ]


def test_zero_padded_number_formats_keep_their_zeros(tmp_path, con):
    """Record IDs and phones typed as numbers in a column formatted `000000` show their
    zeros in Excel: the reader gives what the clerk saw. A text format (`@`) applied after
    the number was typed cannot bring zeros back: the number reads as it is."""
    path = tmp_path / "padded.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    # Data starting in column B and row 3, as a sheet with a margin and a title does.
    sheet["B1"] = "住户登记表"
    for column, header in zip("BCDE", FIELDS, strict=True):
        sheet[f"{column}2"] = header
    rows = [(123, "张三", None, 5718888666), (4567, "李四", None, 13812345678), ("000089", "王五")]
    for r, values in enumerate(rows, start=3):
        for column, value in zip("BCDE", values, strict=False):
            sheet[f"{column}{r}"] = value
    for r in (3, 4):
        sheet[f"B{r}"].number_format = "000000"
    sheet["E3"].number_format = "00000000000"
    sheet["E4"].number_format = "@"
    book.save(path)
    assert _sheet_values(con, path, tmp_path) == [
        ("000123", "张三", None, "05718888666"),
        ("004567", "李四", None, "13812345678"),
        ("000089", "王五", None, None),
    ]


def test_padded_cells_are_found_however_the_sheet_is_cut_into_pieces(tmp_path, monkeypatch):
    """The sheet XML is scanned in pieces to keep memory flat; with 100-byte pieces most
    cells straddle a cut, and every one is still found once."""
    path = tmp_path / "many.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["登记编号", "姓名"])
    for i in range(1, 1001):
        sheet.append([i, f"人{i}"])
        sheet.cell(row=i + 1, column=1).number_format = "000000"
    book.save(path)
    monkeypatch.setattr(workbook_child, "CHUNK", 100)
    with zipfile.ZipFile(path) as archive:
        styles = workbook_child.padded_styles(archive)
        assert set(styles.values()) == {6}
        found = workbook_child.padded_cells(archive, "xl/worksheets/sheet1.xml", styles)
    assert found == {row: [(0, 6)] for row in range(2, 1002)}


def test_a_workbook_without_padded_formats_is_not_scanned(tmp_path):
    path = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["登记编号", 123])
    book.active["B1"].number_format = "0.00"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert workbook_child.padded_styles(archive) == {}
