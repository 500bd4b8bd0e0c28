"""What a killed run leaves (analytics drafts, work folders) is removed by the next run,
and only when no other run is alive."""

from __future__ import annotations

from connectors.home import Home
from warehouse.db.leftovers import tidy
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import process_pending

POLICE = "登记编号,姓名,公民身份号码,居住地址\nA,张三,,柳荫社区3号楼\n"


def killed_run_leftovers(home: Home) -> list:
    """The files a run killed while loading, reprocessing, rebuilding and publishing left."""
    draft = home.analytics_draft(4242)
    made = [draft, draft.with_name(draft.name + ".wal")]
    for folder in ("F0000007", "reprocess-F0000003", "rebuild"):
        (home.work / folder / "sub").mkdir(parents=True)
        (home.work / folder / "sub" / "copy.csv").write_text("personal data", encoding="utf-8")
        made.append(home.work / folder)
    for path in made[:2]:
        path.write_bytes(b"half a database")
    return made


def kept(home: Home) -> list:
    """What must survive: the published file, the spill folder, a clerk's files."""
    (home.work / "spill").mkdir(parents=True, exist_ok=True)
    home.analytics.write_bytes(b"published")
    notes = home.ingest_dir("police") / "notes.tmp"
    notes.write_text("in progress", encoding="utf-8")
    return [home.analytics, home.work / "spill", notes]


def test_the_next_run_removes_a_killed_runs_leftovers(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    leftovers, others = killed_run_leftovers(home), kept(home)
    assert sorted(leftovers) == home.leftovers()
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, encoding="utf-8")
    (result,) = process_pending(home)
    assert result.status == "loaded"
    assert [p for p in leftovers if p.exists()] == []
    assert all(p.exists() for p in others)


def test_nothing_is_removed_while_another_run_holds_the_writer_lock(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    leftovers = killed_run_leftovers(home)
    with WriterLock(home.writer_lock):  # a run alive: these may be its own
        assert tidy(home) == []
    assert all(p.exists() for p in leftovers)
    assert tidy(home) == sorted(leftovers)
    assert home.leftovers() == []


def test_a_killed_runs_transcoded_copy_and_duckdb_spill_files_go_with_the_next_run(tmp_path):
    """A run killed mid-load leaves its UTF-8 work copy (plain health records) and DuckDB's
    spill files, which DuckDB itself never removes on the next open; the next run, holding
    the writer lock, removes both and keeps the spill folder."""
    home = Home.resolve(tmp_path).ensure()
    work_copy = home.work / "F123" / "utf8.txt"
    work_copy.parent.mkdir(parents=True)
    work_copy.write_text("档案号,姓名\nH1,张三\n", encoding="utf-8")
    home.spill.mkdir(parents=True, exist_ok=True)
    spilled = home.spill / "duckdb_temp_4242_0_storage_DEFAULT-0.tmp"
    spilled.write_bytes(b"rows of a killed run")
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, encoding="utf-8")
    (result,) = process_pending(home)
    assert result.status == "loaded"
    assert not work_copy.parent.exists()
    assert not spilled.exists()
    assert home.spill.is_dir()
