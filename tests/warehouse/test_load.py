"""The demo district loads with nothing lost; history, reruns, receipts and re-drops."""

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from connectors.home import Home
from demo import generate
from warehouse.ingest.intake import process_pending
from warehouse.ingest.quarantine import export_quarantine

SOURCES = [
    "civil_affairs_cases",
    "health_residents",
    "housing_occupants",
    "police_incidents",
    "police_residents",
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A 3,000-resident district, month 1 then month 2, each loaded by its own run."""
    root = tmp_path_factory.mktemp("load")
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, 3000, 5, 1)
    first = process_pending(home)
    generate(home.ingest, home.demo_truth, 3000, 5, 2)
    second = process_pending(home)
    return home, first, second


def query(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_every_demo_file_loads_and_the_invariant_holds(loaded):
    home, first, second = loaded
    assert sorted(r.source for r in first) == SOURCES
    for result in first + second:
        assert result.status in ("loaded", "partial"), (result.file_name, result.reason)
        assert result.rows_in == result.rows_loaded + result.rows_quarantined
        assert result.rows_loaded > 0
    rows = query(
        home, "SELECT sum(rows_in), sum(rows_loaded), sum(rows_quarantined) FROM audit.file_loads"
    )
    assert rows[0][0] == rows[0][1] + rows[0][2]


def test_quarantine_and_staging_account_for_every_row(loaded):
    home, first, second = loaded
    for result in first + second:
        staged = query(
            home,
            f"SELECT count(*) FROM staging.{result.source} WHERE _file_id = ?",
            [result.file_id],
        )[0][0]
        held = query(
            home, "SELECT count(*) FROM quarantine.rows WHERE file_id = ?", [result.file_id]
        )
        assert staged == result.rows_loaded
        assert held[0][0] == result.rows_quarantined


def test_lineage_points_back_to_the_clerks_row(loaded):
    """`_file_id` and `_row_number` find the very line of the archived file a row came
    from: the clerk's own record number is on it (line 1 is the header)."""
    home, first, _ = loaded
    police = next(r for r in first if r.source == "police_residents")
    ((archived,),) = query(
        home, "SELECT archived_as FROM audit.file_loads WHERE file_id = ?", [police.file_id]
    )
    data = Path(archived).read_bytes()
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("gb18030")
    lines = text.splitlines()
    rows = query(
        home,
        "SELECT _row_number, record_id FROM staging.police_residents WHERE _file_id = ? "
        "ORDER BY _row_number",
        [police.file_id],
    )
    assert len(rows) == police.rows_loaded and rows[0][0] >= 2
    for number, record_id in rows[:: max(1, len(rows) // 50)]:
        cells = next(csv.reader([lines[number - 1]]))
        assert record_id in [c.strip() for c in cells], (number, record_id, cells)


def test_standardized_values(loaded):
    home, _, _ = loaded
    bad = query(
        home,
        "SELECT count(*) FROM staging.police_residents_current WHERE "
        "NOT regexp_full_match(id_number, '[0-9]{17}[0-9X]') OR "
        "NOT regexp_full_match(phone, '1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}')",
    )
    assert bad[0][0] == 0
    parsed = query(
        home,
        "SELECT count(*), count(community), count(building_no), count(room_no) "
        "FROM staging.health_residents_current",
    )[0]
    assert parsed[1] == parsed[0] and parsed[2] > 0.95 * parsed[0] and parsed[3] > 0.9 * parsed[0]
    sexes = query(home, "SELECT DISTINCT sex FROM staging.civil_affairs_cases")
    assert {s[0] for s in sexes} <= {"1", "2"}


def test_snapshot_history_and_current_view(loaded):
    home, _, second = loaded
    police = next(r for r in second if r.source == "police_residents")
    current_from_second = query(
        home,
        "SELECT count(*) FROM staging.police_residents_current WHERE _file_id = ?",
        [police.file_id],
    )[0][0]
    assert (
        current_from_second
        == police.rows_loaded
        - query(
            home,
            "SELECT count(*) - count(DISTINCT _record_key) FROM staging.police_residents "
            "WHERE _file_id = ?",
            [police.file_id],
        )[0][0]
    )
    # A snapshot closes every earlier record, except those it sent again but that failed
    # validation this time: their last valid version stays current.
    stale = query(
        home,
        "SELECT _record_key FROM staging.police_residents_current WHERE _file_id <> ? EXCEPT "
        "SELECT json_extract_string(raw, '$.\"登记编号\"') FROM quarantine.rows WHERE file_id = ?",
        [police.file_id, police.file_id],
    )
    assert stale == []
    closed = query(
        home, "SELECT count(*) FROM staging.police_residents WHERE _valid_to IS NOT NULL"
    )
    assert closed[0][0] > 0


def test_delta_keeps_unchanged_records_current(loaded):
    home, first, _ = loaded
    health_1 = next(r for r in first if r.source == "health_residents")
    current_1 = query(
        home,
        "SELECT count(*) FROM staging.health_residents_current WHERE _file_id = ?",
        [health_1.file_id],
    )[0][0]
    assert current_1 > 0.9 * health_1.rows_loaded
    keys = query(
        home, "SELECT count(*), count(DISTINCT _record_key) FROM staging.health_residents_current"
    )
    assert keys[0][0] == keys[0][1]


def test_rerun_changes_nothing_and_same_content_is_a_duplicate(loaded):
    home, _, _ = loaded
    before = query(home, "SELECT count(*) FROM staging.police_residents")
    assert process_pending(home) == []
    archived = next(home.archive.rglob("police_residents_202609.csv"))
    shutil.copy(archived, home.ingest_dir("police") / "police_residents_202609.csv")
    again = process_pending(home)
    assert [r.status for r in again] == ["duplicate"]
    assert query(home, "SELECT count(*) FROM staging.police_residents") == before


def test_receipts_for_every_file(loaded):
    home, first, second = loaded
    for result in first + second:
        receipts = list(home.receipts_dir(result.department).glob(f"*.{result.file_id}.txt"))
        assert len(receipts) == 1
        text = receipts[0].read_text(encoding="utf-8")
        assert f"Rows received: {result.rows_in}" in text


def test_quarantined_rows_can_be_fixed_and_dropped_again(loaded, tmp_path):
    home, first, _ = loaded
    civil = next(r for r in first if r.source == "civil_affairs_cases")
    exported = dict(export_quarantine(home, tmp_path, civil.file_id))
    path = next(iter(exported))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[-2:] == ["original_row", "reasons"]
    fixed = home.ingest_dir("civil_affairs") / "civil_affairs_cases_fixed.csv"
    keep = [i for i, h in enumerate(header) if h not in ("original_row", "reasons")]
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header[i] for i in keep])
    for row in rows[1:]:
        cells = [row[i] for i in keep]
        cells[header.index("chusheng_riqi")] = ""  # the clerk blanks the impossible dates
        cells[header.index("shenfenzheng_hao")] = ""  # and the mistyped ID numbers
        writer.writerow(cells)
    fixed.write_text(out.getvalue(), encoding="utf-8")
    result = process_pending(home)[0]
    assert result.rows_loaded > 0
    assert result.rows_in == len(rows) - 1


def test_runs_are_recorded(loaded):
    home, first, second = loaded
    runs = query(home, "SELECT status, files, rows_loaded FROM audit.runs ORDER BY started_at")
    assert runs[0] == ("completed", len(first), sum(r.rows_loaded for r in first))
    assert runs[1] == ("completed", len(second), sum(r.rows_loaded for r in second))


def test_data_duckdb_cannot_take_refuses_the_file_whole_and_loses_nothing(tmp_path, monkeypatch):
    """A value that makes the standardizing statement itself fail (simulated: no value
    known today does) rolls the file back and quarantines every row with the reason."""
    from warehouse.ingest.standardize import Compiler

    statement = Compiler.statement

    def failing(self, raw_table, where=None):
        inner = statement(self, raw_table, where)
        return f"SELECT * REPLACE (CAST('x' || _row AS INTEGER)::VARCHAR AS name) FROM ({inner})"

    monkeypatch.setattr(Compiler, "statement", failing)
    home = Home.resolve(tmp_path).ensure()
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(
        "登记编号,姓名,公民身份号码,居住地址\nA,张三,11010519491231002X,柳荫社区3号楼\nB,李四,,柳荫社区4号楼\n",
        "utf-8",
    )
    (result,) = process_pending(home)
    assert result.status == "rejected"
    assert result.reason.startswith("the file could not be processed: Conversion Error")
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (2, 0, 2)
    assert query(home, "SELECT count(*) FROM staging.police_residents")[0][0] == 0
    held = query(home, "SELECT row_number, reasons FROM quarantine.rows ORDER BY 1")
    assert [r[0] for r in held] == [2, 3]
    assert all(r[1] == [result.reason] for r in held)
    kept = home.rejected / f"{result.file_id}_police_residents_1.csv"
    assert kept.exists()
    assert kept.with_name(kept.name + ".reason.txt").read_text("utf-8").strip() == result.reason
