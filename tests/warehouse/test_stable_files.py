"""Only stable files are loaded, and the archive holds exactly what was hashed and staged.

A clerk's copy still in progress is left for the next run; a file that changes while it is
read leaves no load behind; the archived copy is read-only, its own inode, and its hash is
the one `audit.file_loads` recorded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import duckdb

from connectors.home import Home
from warehouse.db.connection import open_warehouse
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import contract_for, process_pending
from warehouse.ingest.load import DEFERRED, load_file

POLICE = "登记编号,姓名,公民身份号码,居住地址"
NAME = "police_residents_1.csv"


def register(rows: int, start: int = 0) -> str:
    return "".join(f"P{i},张三,,柳荫社区{i % 40 + 1}号楼\n" for i in range(start, start + rows))


def query(home: Home, sql: str, params: tuple = ()) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_archive_matches_audit(home: Home, rows: int) -> Path:
    """The one load of the file: its archived copy hashes to the recorded sha256, is
    read-only, and holds the rows staging holds."""
    ((sha, archived, rows_in, loaded),) = query(
        home, "SELECT sha256, archived_as, rows_in, rows_loaded FROM audit.file_loads"
    )
    copy = Path(archived)
    assert sha256(copy) == sha
    assert copy.stat().st_mode & 0o777 == 0o400
    assert rows_in == loaded == rows == copy.read_text(encoding="utf-8").count("\n") - 1
    assert query(home, "SELECT count(*) FROM staging.police_residents") == [(rows,)]
    return copy


def test_a_file_that_grows_after_it_was_listed_waits_for_the_next_run(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / NAME
    path.write_text(POLICE + "\n" + register(2), encoding="utf-8")

    def clerk_still_copying(department: str, listed: Path) -> None:
        with listed.open("a", encoding="utf-8") as f:
            f.write(register(1, start=2))

    assert process_pending(home, progress=clerk_still_copying) == []
    assert path.exists(), "left in its folder"
    assert query(home, "SELECT count(*) FROM audit.file_loads") == [(0,)]
    assert query(home, "SELECT count(*) FROM staging.police_residents") == [(0,)]
    assert not [p for p in home.archive.rglob("*") if p.is_file()]
    (receipt,) = home.receipts_dir("police").glob(f"{NAME}.*.txt")
    text = receipt.read_text(encoding="utf-8")
    assert "changed while it was being read" in text and "Rows loaded: 0" in text

    (result,) = process_pending(home)
    assert (result.status, result.rows_in, result.rows_loaded) == ("loaded", 3, 3)
    assert not path.exists()
    assert_archive_matches_audit(home, 3)


def test_a_file_written_during_its_read_leaves_no_load_that_disagrees_with_the_archive(
    tmp_path,
):
    home = Home.resolve(tmp_path).ensure()
    path = home.ingest_dir("police") / NAME
    path.write_text(POLICE + "\n" + register(20_000), encoding="utf-8")
    writing, appended = threading.Event(), threading.Event()

    def writer() -> None:
        with path.open("a", encoding="utf-8") as f:
            n = 20_000
            while not writing.wait(0.002):
                f.write(register(1, start=n))
                f.flush()
                n += 1
                appended.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        appended.wait()
        contract = contract_for(path, list(home.contracts().values()))
        with WriterLock(home.writer_lock), open_warehouse(home) as con:
            result = load_file(con, home, "police", path, contract)
    finally:
        writing.set()
        thread.join()
    assert result.status == DEFERRED
    assert query(home, "SELECT count(*) FROM audit.file_loads") == [(0,)]
    assert query(home, "SELECT count(*) FROM staging.police_residents") == [(0,)]
    assert not [p for p in home.archive.rglob("*") if p.is_file()]
    assert not list(home.work.glob("F*")), "the copy made for the archive is gone"

    rows = path.read_text(encoding="utf-8").count("\n") - 1
    assert rows > 20_000
    (again,) = process_pending(home)
    assert (again.status, again.rows_in) == ("loaded", rows)
    assert_archive_matches_audit(home, rows)


def test_the_archive_is_a_copy_a_writer_of_the_dropped_file_cannot_change(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    dropped = home.ingest_dir("police") / NAME
    dropped.write_text(POLICE + "\n" + register(5), encoding="utf-8")
    # The clerk's writer keeps the file open: its inode is seen through the open handle (a
    # second hard link, as before, is now refused as a possible file from elsewhere).
    with dropped.open("a", encoding="utf-8") as still_open:
        inode = os.fstat(still_open.fileno()).st_ino
        (result,) = process_pending(home)
        assert result.status == "loaded"
        still_open.write(register(3, start=5))
        still_open.flush()
        whole = Path(f"/proc/self/fd/{still_open.fileno()}").read_text(encoding="utf-8")
    assert not dropped.exists()
    copy = assert_archive_matches_audit(home, 5)
    assert copy.stat().st_ino != inode
    assert whole.count("\n") == 1 + 8, "the clerk's file is whole"
