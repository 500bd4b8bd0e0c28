"""Every sheet of a workbook is loaded, each by its own header; rows keep their sheet."""

import shutil

import duckdb
import yaml

from connectors.home import Home
from schemas.contracts import REPO_CONTRACTS
from tests.connectors.workbooks import write_workbook
from warehouse.db.connection import open_warehouse
from warehouse.ingest.intake import process_pending

EAST = ["登记编号", "姓名", "社区", "楼栋", "单元", "房号"]
WEST = ["住户姓名", "楼栋", "社区", "登记编号", "联系电话"]  # another order, another alias
NOTES = {"填表说明": (["填表说明"], [["本表由各社区填报"], ["每月底前报送"]])}


def register(rows_east, rows_west):
    return {"东湖社区": (EAST, rows_east), "西湖社区": (WEST, rows_west), **NOTES}


def first_month():
    east = [
        ["H1", "张三", "东湖社区", "3", "1", "101"],
        ["H2", "李四", "东湖社区", "3", "1", "102"],
        ["H3", "王五", "东湖社区", "4", "2", "201"],
    ]
    west = [
        ["赵六", "7", "西湖社区", "H4", "13812345678"],  # row 3, like H1 in the east sheet
        [None, "7", "西湖社区", "H5", None],  # no name: set aside
        ["王五", "8", "西湖社区", "H3", None],  # moved west: this row is the current one
        ["钱七", "8", "西湖社区", "H6", None],
    ]
    return register(east, west)


def query(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def drop(home, name, sheets):
    write_workbook(home.ingest_dir("housing") / name, sheets)
    (result,) = process_pending(home)
    return result


def test_both_sheets_load_with_their_sheet_names_and_nothing_is_lost(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    result = drop(home, "housing_occupants_202601.xlsx", first_month())
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_quarantined) == (
        "partial",
        7,
        6,
        1,
    )
    staged = query(
        home,
        "SELECT _sheet, _row_number, record_id, name, building_no, _valid_to IS NULL "
        "FROM staging.housing_occupants ORDER BY _sheet, _row_number",
    )
    assert staged == [
        ("东湖社区", 3, "H1", "张三", "3", True),
        ("东湖社区", 4, "H2", "李四", "3", True),
        ("东湖社区", 5, "H3", "王五", "4", False),
        ("西湖社区", 3, "H4", "赵六", "7", True),
        ("西湖社区", 5, "H3", "王五", "8", True),
        ("西湖社区", 6, "H6", "钱七", "8", True),
    ]
    held = query(home, "SELECT sheet, row_number, raw->>'登记编号', reasons FROM quarantine.rows")
    assert held == [("西湖社区", 4, "H5", ["name is required"])]
    assert any("'填表说明'" in n and "was not read" in n for n in result.notes)
    receipt = next(home.receipts_dir("housing").glob(f"*{result.file_id}.txt"))
    assert "填表说明" in receipt.read_text(encoding="utf-8")


def test_a_snapshot_keeps_the_records_of_every_sheet_current(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    drop(home, "housing_occupants_202601.xlsx", first_month())
    second = drop(home, "housing_occupants_202602.xlsx", first_month())
    current = query(
        home,
        "SELECT _sheet, record_id FROM staging.housing_occupants_current ORDER BY 1, 2",
    )
    assert current == [
        ("东湖社区", "H1"),
        ("东湖社区", "H2"),
        ("西湖社区", "H3"),
        ("西湖社区", "H4"),
        ("西湖社区", "H6"),
    ]
    files = query(home, "SELECT DISTINCT _file_id FROM staging.housing_occupants_current")
    assert files == [(second.file_id,)]


def test_a_contract_that_names_its_sheets_reads_only_those(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    contract = yaml.safe_load((REPO_CONTRACTS / "housing_occupants.yaml").read_text("utf-8"))
    contract["sheets"] = ["西湖社区"]
    (home.contracts_dir / "housing_occupants.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    result = drop(home, "housing_occupants_202601.xlsx", first_month())
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    sheets = query(home, "SELECT DISTINCT _sheet FROM staging.housing_occupants")
    assert sheets == [("西湖社区",)]
    assert not any("填表说明" in n for n in result.notes)


def test_a_warehouse_made_before_sheets_gets_the_columns_when_opened(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    with open_warehouse(home) as con:
        con.execute("ALTER TABLE staging.housing_occupants DROP COLUMN _sheet")
        con.execute("ALTER TABLE quarantine.rows DROP COLUMN sheet")
    result = drop(home, "housing_occupants_202601.xlsx", first_month())
    assert result.rows_loaded == 6
    assert query(home, "SELECT count(DISTINCT _sheet) FROM staging.housing_occupants") == [(2,)]
    assert query(home, "SELECT sheet FROM quarantine.rows") == [("西湖社区",)]
    shutil.rmtree(home.root / "work", ignore_errors=True)
