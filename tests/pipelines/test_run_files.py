"""`causeway run` on a real Dagster instance: a file still being written is left and named,
the others load; a killed run's leftovers go even when nothing is new."""

from __future__ import annotations

import threading

import duckdb
from typer.testing import CliRunner

from connectors.home import Home
from demo import generate
from pipelines.cli import app
from tests.warehouse.hostile_corpus import HEADER, row


def run(home: Home):
    return CliRunner().invoke(app, ["run", "--home", str(home.root)], catch_exceptions=False)


def test_a_file_still_being_written_is_left_and_named_while_the_others_load(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 3, 1)
    demo_files = sorted(p.name for p in home.ingest.glob("*/*.*"))
    growing = home.ingest_dir("civil_affairs") / "civil_affairs_cases_1.csv"
    growing.write_text(HEADER + "\n", encoding="utf-8")
    done = threading.Event()

    def clerk_copying() -> None:
        with growing.open("a", encoding="utf-8") as f:
            n = 0
            while not done.wait(0.005):
                f.write(row(f"MZ{n}") + "\n")
                f.flush()
                n += 1

    writer = threading.Thread(target=clerk_copying)
    writer.start()
    try:
        result = run(home)
    finally:
        done.set()
        writer.join()
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "still being written civil_affairs/civil_affairs_cases_1.csv" in output
    assert "left for the next run" in output
    assert growing.exists()
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        loads = con.execute("SELECT file_name FROM audit.file_loads ORDER BY 1").fetchall()
    assert [name for (name,) in loads] == demo_files, "every other file loaded"

    again = run(home)
    assert again.exit_code == 0, again.output
    assert not growing.exists(), "stable now: loaded by the next run"


def test_a_run_with_nothing_new_still_removes_a_killed_runs_leftovers(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    draft = home.analytics_draft(4242)
    draft.write_bytes(b"half a database")
    (home.work / "F0000001").mkdir(parents=True)
    result = run(home)
    assert result.exit_code == 0 and "nothing to do" in result.output
    assert home.leftovers() == []
