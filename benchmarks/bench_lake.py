"""Lake benchmark: pushing a published district to an Iceberg lake and pulling it into a
new home, against DuckDB writing and reading the same tables as Parquet itself.

A district of CAUSEWAY_BENCH_PERSONS residents (default 250,000) is loaded, linked, marted
and published with `causeway run`. Then, each in a fresh process and in the same run:

- baseline write: DuckDB copies every warehouse and publication table to Parquet files;
- push: `causeway lake push` to a SQLite-catalog lake (every table written);
- push again: nothing changed (fingerprints only, no commit);
- baseline read: DuckDB creates a new database file from those Parquet files;
- pull: `causeway lake pull` into an empty home (warehouse, analytics, outreach, models).

Prints seconds (timed inside each process), peak memory and the ratios push / baseline
write and pull / baseline read, and the sizes of the warehouse file and of the lake. No
target (issue 18 sets none): the ratios say what the Iceberg layer costs over the
engine's own Parquet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import measure

PERSONS = int(os.environ.get("CAUSEWAY_BENCH_PERSONS", "250000"))
SEED = 42
CAUSEWAY = str(Path(sys.executable).with_name("causeway"))

EXPORT = """
import json, sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect()
n = 0
for alias, path in (("w", sys.argv[1]), ("p", sys.argv[2])):
    con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
    for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                            "WHERE database_name = ?", [alias]).fetchall():
        con.execute(f'COPY {alias}."{s}"."{t}" TO \\'{sys.argv[3]}/{alias}.{s}.{t}.parquet\\' '
                    "(FORMAT parquet)")
        n += 1
print(json.dumps({"tables": n, "seconds": time.perf_counter() - started}))
"""
IMPORT = """
import json, sys, glob, os, time, duckdb
started = time.perf_counter()
con = duckdb.connect(sys.argv[2])
for f in sorted(glob.glob(sys.argv[1] + "/*.parquet")):
    alias, s, t = os.path.basename(f)[:-8].split(".")
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{alias}_{s}"')
    con.execute(f'CREATE TABLE "{alias}_{s}"."{t}" AS SELECT * FROM read_parquet(?)', [f])
con.execute("CHECKPOINT")
print(json.dumps({"seconds": time.perf_counter() - started}))
"""
# The lake's own functions, timed inside the process as the baselines are (the CLI's
# imports would add seconds that have nothing to do with the lake).
PUSH = """
import json, sys, time
from connectors.home import Home
from warehouse.lake import push_home
started = time.perf_counter()
r = push_home(Home.resolve(sys.argv[1]).ensure())
print(json.dumps({"seconds": time.perf_counter() - started, "new": r.new,
                  "written": len(r.written), "kept": r.kept}))
"""
PULL = """
import json, sys, time
from connectors.home import Home
from warehouse.lake import pull_home
started = time.perf_counter()
r = pull_home(Home.resolve(sys.argv[1]).ensure())
print(json.dumps({"seconds": time.perf_counter() - started, "tables": r.tables,
                  "rows": r.rows}))
"""


def _size(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="causeway-bench-lake-"))
    try:
        home, other, lake, parquet = root / "a", root / "b", root / "lake", root / "parquet"
        parquet.mkdir()
        env = {**os.environ, "CAUSEWAY_PSEUDONYM_KEY": "bench-lake-key"}
        env.pop("CAUSEWAY_WAREHOUSE", None)
        demo = [CAUSEWAY, "demo", "--home", str(home), "--persons", str(PERSONS)]
        subprocess.run([*demo, "--seed", str(SEED)], check=True, env=env, capture_output=True)
        subprocess.run(
            [CAUSEWAY, "run", "--home", str(home)], check=True, env=env, capture_output=True
        )
        print(
            f"lake benchmark: {PERSONS:,} residents, published; "
            f"warehouse.duckdb {_size(home / 'warehouse.duckdb'):,.0f} MB"
        )

        os.environ.update(env)
        _, base_w_mb, out = measure(
            EXPORT, str(home / "warehouse.duckdb"), str(home / "analytics.duckdb"), str(parquet)
        )
        os.environ["CAUSEWAY_WAREHOUSE"] = f"iceberg:sqlite:///{lake / 'catalog.db'}"
        os.environ["CAUSEWAY_LAKE_DATA"] = str(lake)
        _, push_mb, push = measure(PUSH, str(home))
        _, _, again = measure(PUSH, str(home))
        _, base_r_mb, base_r = measure(IMPORT, str(parquet), str(root / "imported.duckdb"))
        _, pull_mb, pull = measure(PULL, str(other))
        bw, br = out["seconds"], base_r["seconds"]
        print(
            f"  baseline write : DuckDB COPY of {out['tables']} tables to Parquet "
            f"{bw:6.2f} s  peak {base_w_mb:,.0f} MB  ({_size(parquet):,.0f} MB)"
        )
        print(
            f"  push           : {push['seconds']:6.2f} s  peak {push_mb:,.0f} MB  "
            f"{push['seconds'] / bw:5.2f}x baseline  ({push['written']} tables written)"
        )
        print(f"  push, no change: {again['seconds']:6.2f} s  (a commit made: {again['new']})")
        print(
            f"  baseline read  : DuckDB tables from that Parquet {br:6.2f} s  "
            f"peak {base_r_mb:,.0f} MB"
        )
        print(
            f"  pull           : {pull['seconds']:6.2f} s  peak {pull_mb:,.0f} MB  "
            f"{pull['seconds'] / br:5.2f}x baseline  ({pull['tables']} tables, "
            f"{pull['rows']:,} rows)"
        )
        print(f"  lake on disk   : {_size(lake):,.0f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
