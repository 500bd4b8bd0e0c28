"""`causeway evacuation` and `causeway query` on a published district."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.warehouse.published import shared_published_home
from warehouse.db.lock import WriterLock
from warehouse.serve import evacuation_lists
from warehouse.serve.evacuation_lists import BuildingNotFound, find_building

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return shared_published_home(tmp_path_factory, 2500, 8, "evac")


def run(home, *args):
    return runner.invoke(app, [*args, "--home", str(home.root)], catch_exceptions=False)


def _buildings(home):
    """From the outreach file, whose counts are not suppressed (the analytics file's are)."""
    with duckdb.connect(str(home.outreach), read_only=True) as con:
        return con.execute(
            "SELECT building_id, community, building_no, vulnerable_residents "
            "FROM mart.building_summary ORDER BY building_id"
        ).fetchall()


def test_every_building_by_id_and_by_address(home):
    for building_id, community, number, vulnerable in _buildings(home):
        for asked in (building_id, f"{community}{number}号楼", f"东湖街道{community}{number}栋"):
            result = run(home, "evacuation", asked, "--format", "json")
            assert result.exit_code == 0, (asked, result.output)
            rows = json.loads(result.output)
            assert len(rows) == vulnerable
            assert [r["priority_in_building"] for r in rows] == list(range(1, len(rows) + 1))
            scores = [r["priority_score"] for r in rows]
            assert scores == sorted(scores, reverse=True)
            assert all("*" in r["phone"] for r in rows if r["phone"])
            assert all("room_no" not in r for r in rows)


def test_chinese_numerals_and_ambiguity(home):
    community = next(c for _, c, number, _ in _buildings(home) if number == "10")
    result = run(home, "evacuation", f"{community}十号楼二单元")
    assert result.exit_code == 0, result.output
    assert f"{community}10号楼" in result.output.replace("\n", "")
    missing = run(home, "evacuation", "无此社区99号楼")
    assert missing.exit_code == 1 and "no building matches" in missing.output
    ids = sorted(building for building, *_ in _buildings(home))
    unknown = run(home, "evacuation", "BLD9999999")
    said = " ".join(unknown.output.split())
    assert unknown.exit_code == 1
    assert f"no building BLD9999999: the {len(ids):,} buildings are {ids[0]} to {ids[-1]}" in said
    markup = run(home, "evacuation", "[/]无此社区99号楼")
    assert markup.exit_code == 1 and "[/]无此社区99号楼" in markup.output


def test_two_communities_with_the_same_building_number():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA mart")
    con.execute(
        "CREATE TABLE mart.building_summary AS SELECT * FROM (VALUES "
        "('B1', '甲社区3号楼', '朝阳区', '东湖街道', '甲社区', '3', 6, false, 'A', 10, 2, 5), "
        "('B2', '乙社区3号楼', '朝阳区', '东湖街道', '乙社区', '3', 6, false, 'A', 10, 2, 6), "
        "('B3', '竹园小区社区3号楼', '朝阳区', '东湖街道', '竹园小区社区', '3', "
        "6, false, 'A', 10, 2, 7)) "
        "t(building_id, building_address, district, street, community, building_no, floors, "
        "has_elevator, condition, residents, vulnerable_residents, evacuation_rank)"
    )
    assert find_building(con, "乙社区三号楼")["building_id"] == "B2"
    assert find_building(con, "乙3号楼")["building_id"] == "B2", "community without 社区"
    assert find_building(con, "b1")["building_id"] == "B1"
    assert find_building(con, "竹园小区社区3号楼")["building_id"] == "B3", "社区 named 小区"
    with pytest.raises(BuildingNotFound, match="3 buildings match") as ambiguous:
        find_building(con, "3号楼")
    assert [c["building_id"] for c in ambiguous.value.candidates] == ["B1", "B2", "B3"]
    with pytest.raises(BuildingNotFound, match="no building matches"):
        find_building(con, "丙社区3号楼")


def test_break_glass_shows_real_contacts_and_is_logged(home):
    building_id = _buildings(home)[0][0]
    refused = run(home, "evacuation", building_id, "--break-glass")
    assert refused.exit_code == 1 and "--reason" in refused.output
    result = run(
        home, "evacuation", building_id, "--break-glass", "--reason", "fire at B1", "--format",
        "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and all("*" not in (r["phone"] or "") for r in rows)
    assert all(r["room_no"] for r in rows)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        log = con.execute(
            "SELECT user_name, reason, action, target, building_id, rows_shown, person_ids "
            "FROM audit.access_log"
        ).fetchall()
    assert len(log) == 1
    user, reason, action, target, logged_building, shown, ids = log[0]
    assert (reason, action, target, logged_building) == (
        "fire at B1", "evacuation", building_id, building_id
    )  # fmt: skip
    assert user and shown == len(rows) and ids == [r["person_id"] for r in rows]


def test_query_reads_and_refuses_writes(home):
    ok = run(home, "query", "SELECT count(*) AS n FROM mart.grid_summary", "--format", "csv")
    assert ok.exit_code == 0 and ok.output.startswith("n\n")
    data = run(home, "query", "SELECT stage, people FROM mart.island_index", "--format", "json")
    assert data.exit_code == 0 and json.loads(data.output)
    for sql in (
        "DELETE FROM core.building",
        "CREATE TABLE core.x AS SELECT 1",
        "DROP TABLE mart.grid_summary",
    ):
        refused = run(home, "query", sql)
        assert refused.exit_code == 1
        assert "read-only" in refused.output, refused.output
    outside = run(home, "query", f"ATTACH '{home.warehouse}' AS w")
    assert outside.exit_code == 1 and "only the analytics database" in outside.output
    broken = run(home, "query", "SELEC 1")
    assert broken.exit_code == 1 and "Parser" in broken.output


def _logged(home) -> int:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'audit' "
            "AND table_name = 'access_log'"
        ).fetchall()[0][0]
        return (
            con.execute("SELECT count(*) FROM audit.access_log").fetchall()[0][0] if tables else 0
        )


def test_break_glass_exits_3_while_a_run_holds_the_warehouse(home, monkeypatch):
    """A grid worker is told to use the masked list now, and nothing is shown or logged."""
    monkeypatch.setattr(evacuation_lists, "BREAK_GLASS_WAIT", 0.5)
    building = _buildings(home)[0][0]
    logged = _logged(home)
    with WriterLock(home.writer_lock):
        busy = run(home, "evacuation", building, "--break-glass", "--reason", "fire, unit 3")
    assert busy.exit_code == 3, busy.output
    said = " ".join(busy.output.split())
    assert "did not finish within 0.5 s" in said and "Use the masked list" in said
    assert _logged(home) == logged
    masked = run(home, "evacuation", building)  # the masked list needs no lock
    assert masked.exit_code == 0, masked.output
