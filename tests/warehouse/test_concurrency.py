"""One writer at a time: concurrent runs queue, readers never hit a lock error, and a
killed writer never blocks the next."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from connectors.home import Home
from demo import generate
from tests.warehouse.published import published_home
from warehouse.db.lock import WriterLock

ROOT = Path(__file__).parents[2]
CAUSEWAY = [sys.executable, "-m", "pipelines.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def causeway(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CAUSEWAY, *args], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_two_runs_started_together_load_each_file_once(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 9, 1)
    # One run as cron would start it, one as on a terminal (Rich takes FORCE_COLOR as one).
    plain = subprocess.Popen(
        [*CAUSEWAY, "run", "--home", str(home.root)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    terminal = subprocess.Popen(
        [*CAUSEWAY, "run", "--home", str(home.root)],
        env={**ENV, "FORCE_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    runs = [plain, terminal]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # Not on a terminal: a timestamped line per step (and per file) before the summary; on
    # a terminal, none: a bar per step with its elapsed time, gone at the end.
    steps = [re.findall(r"^\d\d:\d\d:\d\d  step (\S+) (started|done)$", o, re.M) for o in outputs]
    assert ("analytics__published", "done") in steps[0] and steps[1] == [], outputs
    assert steps[0].index(("link_people_and_places", "started")) < steps[0].index(
        ("link_people_and_places", "done")
    )
    assert outputs[0].index("step analytics__published done") < outputs[0].index("Quality:")
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", outputs[1]).replace("\r", "\n")
    bars = [line for line in shown.splitlines() if "━" in line]
    assert any(re.search(r"^\S+ step \S+ ━+ +\d+:\d\d:\d\d", line) for line in bars), shown
    assert "Quality:" in shown and not re.search(r"^\d\d:\d\d:\d\d  step", shown, re.M)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        files = con.execute(
            "SELECT file_name, count(*) FROM audit.file_loads GROUP BY 1"
        ).fetchall()
        statuses = con.execute("SELECT DISTINCT status FROM audit.runs").fetchall()
    assert len(files) == 5 and all(count == 1 for _, count in files)
    assert statuses == [("completed",)]
    # The two runs may share the files between them (the pool serializes each step, not
    # each run), but neither may fail on DuckDB's lock.
    assert not any("failed" in out.lower() for out in outputs), outputs


def test_status_while_a_run_holds_the_warehouse(tmp_path):
    home = published_home(tmp_path, 300, 9)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); "
            "print('holding', flush=True); time.sleep(30)",
            str(home.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        status = causeway("status", "--home", str(home.root))
        out = status.communicate(timeout=120)[0]
        assert status.returncode == 0, out
        assert "a run is in progress" in out
        quarantine = causeway("quarantine", "--reason", "fixing exports", "--home", str(home.root))
        out = quarantine.communicate(timeout=120)[0]
        assert quarantine.returncode == 3 and "busy with a run" in out
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_writer_releases_the_lock(tmp_path):
    lock = tmp_path / "warehouse.lock"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from warehouse.db.lock import WriterLock\n"
            "with WriterLock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)",
            str(lock),
        ],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "locked"
    waited = []
    started = time.monotonic()
    child.send_signal(signal.SIGKILL)
    with WriterLock(lock, timeout=10, on_wait=waited.append):
        pass
    child.wait()
    assert time.monotonic() - started < 10
