"""Evacuation benchmark: a 250k-resident district, the grid worker's query, two ways.

Builds the district (demo, load, linking, marts,
publication), then times the evacuation lookup in-process (find the building by address
text and list its residents; target < 100 ms median) and as a whole `causeway evacuation`
CLI call, each as a ratio to `SELECT count(*)` on the same analytics file in the same run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import median_ms
from tests.warehouse.published import published_home
from warehouse.serve.evacuation_lists import evacuation

PERSONS = 250_000
REPEATS = 20
CLI_REPEATS = 5
TARGET_MS = 100.0


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        home = published_home(Path(folder) / "home", PERSONS, 3)
        print(
            f"district of {PERSONS:,} built and published in {time.perf_counter() - started:.0f} s"
        )
        with duckdb.connect(str(home.outreach), read_only=True) as con:
            rows = con.execute(
                "SELECT building_id, building_address FROM mart.building_summary "
                "ORDER BY vulnerable_residents DESC LIMIT 1"
            ).fetchall()
        building_id, address = rows[0]

        def baseline() -> None:
            with duckdb.connect(str(home.outreach), read_only=True) as con:
                con.execute("SELECT count(*) FROM mart.vulnerable_residents").fetchall()

        base = median_ms(baseline, REPEATS)
        by_id = median_ms(lambda: evacuation(home.outreach, building_id), REPEATS)
        by_text = median_ms(lambda: evacuation(home.outreach, address), REPEATS)
        cli = [sys.executable, "-m", "pipelines.cli", "evacuation", address, "--home",
               str(home.root), "--format", "csv"]  # fmt: skip
        whole = median_ms(lambda: subprocess.run(cli, check=True, capture_output=True), CLI_REPEATS)
        print(f"baseline: open + SELECT count(*)            {base:8.1f} ms")
        for label, ms in (("evacuation by building id", by_id), ("evacuation by address", by_text)):
            verdict = "meets" if ms < TARGET_MS else "MISSES"
            print(
                f"{label:<42} {ms:8.1f} ms  ({ms / base:.1f}x baseline; "
                f"{verdict} the {TARGET_MS:.0f} ms target)"
            )
        print(
            f"whole CLI call (causeway evacuation <address>) {whole:8.1f} ms  ({whole / base:.0f}x)"
        )


if __name__ == "__main__":
    main()
