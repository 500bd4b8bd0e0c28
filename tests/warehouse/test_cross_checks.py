"""Birth date and sex come from the ID number only where the row has none, and a stated
value that disagrees with the number is flagged, never overwritten. A number that fails
its rules is set aside with its field; the row is still loaded."""

import datetime as dt

import duckdb

from connectors.home import Home
from warehouse.ingest.intake import process_pending

POLICE = "登记编号,姓名,性别,出生日期,公民身份号码"
ID = "11010519491231002X"  # born 1949-12-31, a woman (17th digit even)


def test_stated_values_are_kept_and_checked_against_the_id_number(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    lines = [
        POLICE,
        f"A,张一,女,1949-12-31,{ID}",
        f"B,张二,男,1950-01-01,{ID}",
        f"C,张三,,,{ID}",
        "D,张四,女,19491231,110105491231002",
        "E,张五,,,110105194912310021",
    ]
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(
        "\n".join(lines) + "\n", "utf-8"
    )
    (result,) = process_pending(home)
    assert (result.rows_loaded, result.rows_quarantined, result.fields_set_aside) == (5, 0, 1)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        staged = con.execute(
            "SELECT record_id, sex, birth_date, id_number, _flags "
            "FROM staging.police_residents ORDER BY 1"
        ).fetchall()
        set_aside = con.execute(
            "SELECT s._set_aside, f.record_key, f.field, f.value, f.reason "
            "FROM quarantine.fields f JOIN staging.police_residents s "
            "ON s._file_id = f.file_id AND s._row_number = f.row_number"
        ).fetchall()
    born = dt.date(1949, 12, 31)
    assert staged == [
        ("A", "2", born, ID, []),
        (
            "B",
            "1",
            dt.date(1950, 1, 1),
            ID,
            ["birth_date differs from id_number", "sex differs from id_number"],
        ),
        ("C", "2", born, ID, ["birth_date derived from id_number", "sex derived from id_number"]),
        ("D", "2", born, ID, ["id_number upgraded from 15 digits"]),
        ("E", None, None, None, []),
    ]
    assert set_aside == [
        (
            ["id_number"],
            "E",
            "id_number",
            "110105194912310021",
            "id_number: '110105194912310021' fails its checksum",
        )
    ]
