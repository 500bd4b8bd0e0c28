"""Readers benchmark: every department's staging step on Dagster's multiprocess executor,
with the shared reader (the single-writer pool: one step at a time) and with per-source
readers (staging.yaml `readers: per_source`: the steps read in parallel, each into a
DuckDB file of its own, and commit one at a time).

The same demo exports of CAUSEWAY_BENCH_PERSONS residents (default 100,000) are copied
into two fresh homes; each home's staging job runs once, in a process of its own, and
the wall time of the run is read from Dagster's run record. Prints both, their ratio
(per_source / shared, under 1 when the parallel reads pay) and checks that both
warehouses hold the same staged and set-aside rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, measure

PERSONS = int(os.environ.get("CAUSEWAY_BENCH_PERSONS", "100000"))
SEED = 42
CAUSEWAY = str(Path(sys.executable).with_name("causeway"))

RUN = """
import json, os, sys, dagster as dg
os.dup2(os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o600), 2)  # Dagster's event log
from connectors.home import Home
from pipelines.headless import instance
from benchmarks.bench_readers import staging_everything
home = Home.resolve(sys.argv[1]).ensure()
with instance(home) as dagster:
    result = dg.execute_job(dg.reconstructable(staging_everything), dagster)
    stats = dagster.get_run_stats(result.run_id)
print(json.dumps({"success": result.success, "seconds": stats.end_time - stats.start_time}))
"""
ROWS = """
SELECT (SELECT count(*) FROM audit.file_loads),
       (SELECT sum(rows_loaded) FROM audit.file_loads),
       (SELECT sum(rows_quarantined) FROM audit.file_loads),
       (SELECT count(*) FROM quarantine.rows)
"""


def staging_everything():
    """The job the child runs: loaded there, after CAUSEWAY_HOME names its home."""
    from pipelines.staging_job import staging_job

    return staging_job("bench_staging")


def _rows(home: Path) -> tuple:
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(ROWS).fetchone()


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="causeway-bench-readers-"))
    try:
        demo = root / "demo"
        subprocess.run(
            [CAUSEWAY, "demo", "--home", str(demo), "--persons", str(PERSONS), "--seed", str(SEED)],
            check=True,
            capture_output=True,
        )
        files = sum(1 for p in (demo / "ingest").rglob("*") if p.is_file())
        print(f"readers benchmark: {PERSONS:,} residents, {files} files, multiprocess executor")
        timings = {}
        for readers in ("shared", "per_source"):
            home = root / readers
            home.mkdir()
            shutil.copytree(demo / "ingest", home / "ingest")
            (home / "staging.yaml").write_text(f"readers: {readers}\n", encoding="utf-8")
            os.environ.update(
                CAUSEWAY_HOME=str(home), DAGSTER_HOME=str(home / "dagster"), PYTHONPATH=REPO
            )
            log = home / "dagster.log"
            try:
                wall, peak_mb, out = measure(RUN, str(home), str(log))
            except RuntimeError:
                print(log.read_text(encoding="utf-8")[-4000:])
                raise
            if not out.get("success"):
                print(log.read_text(encoding="utf-8")[-4000:])
                raise SystemExit(f"the {readers} staging run failed")
            timings[readers] = out["seconds"]
            print(
                f"  {readers:<10}: {out['seconds']:6.1f} s run ({wall:6.1f} s with start-up), "
                f"largest process {peak_mb:,.0f} MB"
            )
        ratio = timings["per_source"] / timings["shared"]
        print(f"  per_source / shared: {ratio:4.2f}x")
        same = _rows(root / "shared") == _rows(root / "per_source")
        print(f"  same files, rows and set-aside rows in both warehouses: {same}")
        if not same:
            raise SystemExit("the two readers loaded different rows")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
