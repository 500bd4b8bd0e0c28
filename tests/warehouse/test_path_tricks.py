"""No path tricks: what a clerk can place in an ingest folder (a link, a hard link, a
symlinked folder, a name with a newline or an escape) never makes the pipeline read, move
or write anything outside the home, and is refused with a reason while the rest loads."""

from __future__ import annotations

import json

import duckdb

from connectors.home import Home
from tests.warehouse.hostile_corpus import HEADER, row
from warehouse.ingest.intake import process_pending

POLICE = "登记编号,姓名,公民身份号码,居住地址\nA,张三,11010519491231002X,柳荫社区3号楼\n"
CIVIL = f"{HEADER}\n{row('MZ1')}\n"
SECRET = "登记编号,姓名,公民身份号码,居住地址\nS,秘密,110105194912310038,外面\n"


def query(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_link_planted_in_the_receipts_folder_is_replaced_not_written_through(tmp_path):
    """The receipt's name and its temporary's are predictable: links planted under both
    neither overwrite the file they point at nor create one where they point."""
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    receipts = home.receipts_dir("police")
    (receipts / "police_residents_1.csv.F0000001.txt").symlink_to(victim)
    (receipts / "police_residents_1.csv.F0000001.tmp").symlink_to(outside / "created.txt")
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, "utf-8")
    (result,) = process_pending(home)
    assert (result.file_id, result.status) == ("F0000001", "loaded")
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    receipt = receipts / "police_residents_1.csv.F0000001.txt"
    assert not receipt.is_symlink()
    assert "Rows loaded: 1" in receipt.read_text(encoding="utf-8")


def test_a_symlinked_department_folder_is_refused_and_nothing_outside_moves(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "police_residents_1.csv").write_text(SECRET, encoding="utf-8")
    police = home.ingest_dir("police")
    for path in police.rglob("*"):
        path.rmdir()
    police.rmdir()
    police.symlink_to(outside, target_is_directory=True)
    (home.ingest_dir("civil_affairs") / "civil_affairs_cases_1.csv").write_text(CIVIL, "utf-8")
    Home.resolve(home.root).ensure()
    results = process_pending(home)
    assert [(r.department, r.status) for r in results] == [("civil_affairs", "loaded")]
    assert sorted(p.name for p in outside.iterdir()) == ["police_residents_1.csv"]
    assert (outside / "police_residents_1.csv").read_text(encoding="utf-8") == SECRET
    assert list(home.rejected.iterdir()) == []
    assert query(home, "SELECT count(*) FROM staging.police_residents") == [(0,)]
    refused = home.refused_folders()
    assert list(refused) == ["police"] and "ingest/police is a symbolic link" in refused["police"]


def test_a_symlinked_receipts_folder_refuses_its_department_and_writes_nothing_there(
    tmp_path,
):
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    home.receipts_dir("police").rmdir()
    home.receipts_dir("police").symlink_to(outside, target_is_directory=True)
    dropped = home.ingest_dir("police") / "police_residents_1.csv"
    dropped.write_text(POLICE, encoding="utf-8")
    (home.ingest_dir("civil_affairs") / "civil_affairs_cases_1.csv").write_text(CIVIL, "utf-8")
    results = process_pending(home)
    assert [r.department for r in results] == ["civil_affairs"]
    assert list(outside.iterdir()) == []
    assert dropped.read_text(encoding="utf-8") == POLICE, "left as it was for a fixed folder"
    refused = home.refused_folders()
    assert list(refused) == ["police"]
    assert refused["police"].startswith("ingest/police/receipts is a symbolic link")


def test_a_hard_linked_file_is_refused_unread_and_its_other_name_kept(tmp_path):
    """A hard link in an ingest folder is another name for a file that may be outside the
    home (an owner-only one the clerk could not read): it is not read, so nothing of it
    reaches quarantine, staging or the archive; only that name is removed."""
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "outside" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(SECRET, encoding="utf-8")
    outside.chmod(0o600)
    dropped = home.ingest_dir("police") / "police_residents_1.csv"
    dropped.hardlink_to(outside)
    (result,) = process_pending(home)
    assert result.status == "rejected" and "hard links" in result.reason
    assert result.rows_in == 0
    assert query(home, "SELECT count(*) FROM quarantine.rows") == [(0,)]
    assert query(home, "SELECT count(*) FROM staging.police_residents") == [(0,)]
    assert not [p for p in home.archive.rglob("*") if p.is_file()]
    assert not dropped.exists() and outside.read_text(encoding="utf-8") == SECRET
    assert outside.stat().st_nlink == 1
    kept = [p.name for p in home.rejected.iterdir()]
    assert sorted(kept) == [
        f"{result.file_id}_police_residents_1.csv.link-removed",
        f"{result.file_id}_police_residents_1.csv.link-removed.reason.txt",
    ]
    for path in [*home.rejected.iterdir(), *home.receipts_dir("police").iterdir()]:
        assert "秘密" not in path.read_text(encoding="utf-8")


def test_a_name_with_a_newline_and_an_ansi_escape_is_shown_escaped(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    name = "police_residents_\x1b[2J\x1b[31mred\nRows loaded: 999.csv"
    (home.ingest_dir("police") / name).write_text(POLICE, encoding="utf-8")
    (result,) = process_pending(home)
    assert result.status == "loaded" and result.file_name == name, "the audit keeps it"
    shown = "police_residents_\\x1b[2J\\x1b[31mred\\nRows loaded: 999.csv"
    (receipt,) = home.receipts_dir("police").iterdir()
    assert receipt.name.isprintable() and not receipt.name.startswith(".")
    lines = receipt.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"File: {shown}"
    assert [line for line in lines if line.startswith("Rows loaded")] == ["Rows loaded: 1"]
    snapshot = json.loads(home.status_snapshot.read_text(encoding="utf-8"))
    assert snapshot["last_file"]["file_name"] == shown


def test_a_long_chinese_name_is_shortened_by_bytes_and_the_run_goes_on(tmp_path):
    """85 Chinese characters are a legal name (255 bytes); with a receipt number and
    `.reason.txt` around it, it was too long for the file system and failed the run."""
    home = Home.resolve(tmp_path / "home").ensure()
    name = "户籍资料" * 20 + "附件.csv"  # 82 characters, 246 bytes, no contract matches
    (home.ingest_dir("police") / name).write_text("a,b\n1,2\n", encoding="utf-8")
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, "utf-8")
    results = {r.file_name: r.status for r in process_pending(home)}
    assert results == {name: "rejected", "police_residents_1.csv": "loaded"}
    assert len(list(home.rejected.glob("*.reason.txt"))) == 1
    assert len(list(home.receipts_dir("police").iterdir())) == 2
