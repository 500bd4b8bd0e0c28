"""Per-file limits: a zip bomb is refused from its directory, a slow read is interrupted."""

import zipfile

import duckdb
import pytest

from connectors.errors import UnreadableFile
from connectors.limits import LimitsError, check_zip, load_limits, time_budget
from tests.connectors.workbooks import write_workbook, write_zip_bomb


def test_defaults_come_from_the_data_file_and_a_site_overrides_some(tmp_path):
    defaults = load_limits()
    assert defaults.max_uncompressed_mb == 1024 and defaults.max_ratio == 100
    site = tmp_path / "limits.yaml"
    site.write_text("memory_mb: 512\nbase_seconds: 5\n", encoding="utf-8")
    limits = load_limits(site)
    assert (limits.memory_mb, limits.base_seconds) == (512, 5)
    assert limits.max_ratio == defaults.max_ratio
    assert limits.seconds_for(3 << 20) == 5 + 3 * limits.seconds_per_mb


def test_a_limits_file_with_an_unknown_key_is_refused_naming_it(tmp_path):
    site = tmp_path / "limits.yaml"
    site.write_text("memory_gb: 4\n", encoding="utf-8")
    with pytest.raises(LimitsError, match="memory_gb") as caught:
        load_limits(site)
    assert str(site) in str(caught.value)


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_inflated(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", 20)
    assert bomb.stat().st_size < 200_000
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 20_000_000
    with pytest.raises(UnreadableFile, match=r"unzips \d+ times larger .* zip bomb"):
        check_zip(bomb, load_limits())


def test_a_workbook_declaring_more_than_the_total_limit_is_refused(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", 12)
    site = tmp_path / "limits.yaml"
    site.write_text("max_uncompressed_mb: 10\nmax_ratio: 100000\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="unzips to 12 MB, more than the 10 MB"):
        check_zip(bomb, load_limits(site))


def test_an_ordinary_workbook_passes(tmp_path):
    rows = [[f"A{i}", "张三", "1985-03-02"] for i in range(2000)]
    book = write_workbook(tmp_path / "ok.xlsx", {"登记": (["登记编号", "姓名", "出生日期"], rows)})
    check_zip(book, load_limits())


def test_a_duckdb_read_past_its_budget_is_interrupted_and_the_connection_lives_on():
    con = duckdb.connect()
    with pytest.raises(UnreadableFile, match=r"longer than 0\.2 s"), time_budget(con, 0.2):
        con.execute("SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3").fetchall()
    assert con.execute("SELECT 42").fetchall() == [(42,)]


def test_a_read_within_its_budget_is_left_alone():
    con = duckdb.connect()
    with time_budget(con, 600):
        assert con.execute("SELECT 1").fetchall() == [(1,)]
    assert con.execute("SELECT 2").fetchall() == [(2,)]
