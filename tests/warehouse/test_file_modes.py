"""What the warehouse side writes is owner-only by construction, even when it is called
without the `causeway` CLI and the process umask is the common 022: the WAL DuckDB creates
while the warehouse is open, receipts, rejected files and their reasons, the archive, the
status snapshot and quarantine exports. Only what docs/file_modes.md lists is shared."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from connectors.home import Home
from warehouse.ingest.intake import process_pending
from warehouse.ingest.quarantine import export_fields, export_quarantine

POLICE = (
    "登记编号,姓名,公民身份号码,联系电话,居住地址\n"
    "A,张三,11010519491231002X,13800138000,柳荫社区3号楼\n"
    "B,,110105194912310038,13800138001,柳荫社区4号楼\n"
)
# Shared on purpose (docs/file_modes.md): the way to the published file, and that file.
SHARED = {".": 0o755, "ingest": 0o755, "analytics.duckdb": 0o644}
WAL_CHILD = """
import os, stat, sys
os.umask(0o022)
from connectors.home import Home
from warehouse.db.connection import open_warehouse
home = Home.resolve(sys.argv[1])
with open_warehouse(home) as con:
    con.execute("CREATE TABLE main.t AS SELECT range AS i, md5(range::VARCHAR) FROM range(50000)")
    wal = home.root / (home.warehouse.name + ".wal")
    print(oct(stat.S_IMODE(os.stat(wal).st_mode)) if wal.exists() else "no wal")
"""


def shared_bits(home: Home) -> dict[str, str]:
    """Every file and folder under the home whose mode lets group or others in, beyond
    the documented allow-list."""
    found = {}
    for path in [home.root, *home.root.rglob("*")]:
        name = str(path.relative_to(home.root))
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        if mode & 0o077 and mode != SHARED.get(name):
            found[name] = oct(mode)
    return found


def test_the_wal_is_owner_only_while_the_warehouse_is_open(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", WAL_CHILD, str(home.root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "0o600", done.stdout + done.stderr


def test_a_load_without_the_cli_leaves_nothing_group_or_world_readable(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, encoding="utf-8")
    (home.ingest_dir("police") / "notes_for_police.csv").write_text("a,b\n1,2\n", "utf-8")
    results = {r.file_name: r for r in process_pending(home)}
    assert results["police_residents_1.csv"].status == "partial"
    assert results["notes_for_police.csv"].status == "rejected"
    assert list(home.rejected.iterdir()) and list(home.archive.rglob("*.csv"))
    assert len(list(home.receipts_dir("police").iterdir())) == 2
    assert home.status_snapshot.exists()
    assert shared_bits(home) == {}


def test_quarantine_exports_are_owner_only(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(POLICE, encoding="utf-8")
    (result,) = process_pending(home)
    out = tmp_path / "export"
    written = [path for path, _ in export_quarantine(home, out, result.file_id)]
    assert written, "the row without a name is quarantined"
    fields = export_fields(home, out)
    for path in [*written, *([fields] if fields else [])]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
