"""A later row with the same record ID supersedes the earlier one; staging keeps the history."""

import duckdb

from connectors.home import Home
from tests.warehouse.hostile_corpus import HEADER, row
from warehouse.ingest.intake import process_pending

POLICE = "登记编号,姓名,公民身份号码,居住地址"


def versions(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_delta_supersedes_within_and_across_files(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    folder = home.ingest_dir("civil_affairs")
    (folder / "civil_affairs_cases_1.csv").write_text(
        f"{HEADER}\n{row('MZ1', name='张一')}\n{row('MZ2')}\n{row('MZ1', name='张二')}\n", "utf-8"
    )
    process_pending(home)
    (folder / "civil_affairs_cases_2.csv").write_text(
        f"{HEADER}\n{row('MZ1', name='张三')}\n", "utf-8"
    )
    process_pending(home)
    rows = versions(
        home,
        "SELECT name, _valid_to IS NULL FROM staging.civil_affairs_cases "
        "WHERE case_id = 'MZ1' ORDER BY _valid_from, _row_number",
    )
    assert rows == [("张一", False), ("张二", False), ("张三", True)]
    current = versions(
        home, "SELECT case_id, name FROM staging.civil_affairs_cases_current ORDER BY 1"
    )
    assert current == [("MZ1", "张三"), ("MZ2", "张三")]


A_AT_3, A_AT_5 = (
    "A,张三,11010519491231002X,柳荫社区3号楼",
    "A,张三,11010519491231002X,柳荫社区5号楼",
)
B_AT_4 = "B,李四,,柳荫社区4号楼"


def drop_police(home, number, *rows):
    """`police_residents_<number>.csv` with these rows under the police header."""
    (home.ingest_dir("police") / f"police_residents_{number}.csv").write_text(
        "\n".join([POLICE, *rows]) + "\n", "utf-8"
    )


def two_snapshots(home):
    """A and B, then a snapshot with A moved and without B."""
    drop_police(home, 1, A_AT_3, B_AT_4)
    process_pending(home)
    drop_police(home, 2, A_AT_5)
    process_pending(home)


def test_snapshot_closes_records_it_no_longer_has(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    two_snapshots(home)
    current = versions(home, "SELECT record_id, building_no FROM staging.police_residents_current")
    assert current == [("A", "5")]
    closed = versions(
        home, "SELECT count(*) FROM staging.police_residents WHERE _valid_to IS NOT NULL"
    )
    assert closed[0][0] == 2


def test_progress_snapshot_names_the_last_file(tmp_path):
    from warehouse.db.snapshot import progress

    home = Home.resolve(tmp_path).ensure()
    assert progress(home) == (0, None)
    drop_police(home, 1, A_AT_3)
    (result,) = process_pending(home)
    count, last = progress(home)
    assert count == 1
    assert last == {
        "file_id": result.file_id,
        "department": "police",
        "file_name": "police_residents_1.csv",
        "status": "loaded",
    }


def test_a_snapshot_row_in_quarantine_does_not_close_its_record(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    drop_police(home, 1, A_AT_3, B_AT_4)
    process_pending(home)
    # B is still in the register, but this export's row for B has lost its name.
    drop_police(home, 2, A_AT_5, "B,,11010519491231002X,柳荫社区4号楼")
    (second,) = process_pending(home)
    assert (second.rows_loaded, second.rows_quarantined) == (1, 1)
    current = versions(
        home, "SELECT record_id, building_no FROM staging.police_residents_current ORDER BY 1"
    )
    assert current == [("A", "5"), ("B", "4")]


def test_exact_duplicate_rows_are_quarantined_pointing_at_the_first_copy(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    a, b = A_AT_3, B_AT_4
    drop_police(home, 1, a, b, a, "A,张三丰,11010519491231002X,柳荫社区3号楼", a, f"{b} ")
    (result,) = process_pending(home)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (6, 4, 2)
    held = versions(home, "SELECT row_number, reasons FROM quarantine.rows ORDER BY 1")
    assert held == [
        (4, ["duplicate row (same as row 2)"]),
        (6, ["duplicate row (same as row 2)"]),
    ]
    # Not exact copies: a changed name, and a trailing space (the raw text differs).
    staged = versions(home, "SELECT _row_number FROM staging.police_residents ORDER BY 1")
    assert staged == [(2,), (3,), (5,), (7,)]


def test_a_staging_table_that_stores_its_record_key_still_gets_it(tmp_path):
    """Tables made before `_record_key` was computed store it: loads keep writing it."""
    from warehouse.db.connection import open_warehouse

    home = Home.resolve(tmp_path).ensure()
    con = open_warehouse(home)
    con.execute("CREATE TABLE staging.old AS SELECT * FROM staging.police_residents LIMIT 0")
    con.execute("DROP VIEW staging.police_residents_current")
    con.execute("DROP TABLE staging.police_residents")
    con.execute("ALTER TABLE staging.old RENAME TO police_residents")
    con.close()
    two_snapshots(home)
    stored = versions(
        home,
        "SELECT column_default IS NULL FROM duckdb_columns() "
        "WHERE table_name = 'police_residents' AND column_name = '_record_key'",
    )
    assert stored == [(True,)]  # no generating expression: the key is stored
    rows = versions(
        home,
        "SELECT _record_key, building_no, _valid_to IS NULL FROM staging.police_residents "
        "ORDER BY _valid_from, _record_key",
    )
    assert rows == [("A", "3", False), ("B", "4", False), ("A", "5", True)]
