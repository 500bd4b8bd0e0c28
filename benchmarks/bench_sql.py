"""Database-source benchmark: a 1M-row PostgreSQL table → staging, against PostgreSQL's COPY.

Starts its own PostgreSQL on loopback (as the tests do), fills `health.residents` with
the demo's health records repeated under new record IDs, then prints the full extract
into staging (read, standardize, validate, quarantine, stage, audit, cursor) as a ratio
to `COPY (SELECT * FROM health.residents) TO STDOUT` through psql, measured in the same
run, with peak memory. Target: ≤ 3×. The reader alone (no warehouse) is timed too, so
the cost of reading is told apart from standardization, which is the same for files.
The machine is shared and its speed wanders, so this runs in rounds, each load compared
with the baseline of its own round; the ratios printed are medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import measure
from connectors.home import Home
from demo import generate, health_db
from tests.postgres_server import PostgresServer, start_postgres

ROWS = 1_000_000
ROUNDS = 3  # the machine is shared: each round is compared with its own baseline
BASE_PERSONS = 30_000
TABLE = f"{health_db.SCHEMA}.{health_db.TABLE}"
CAUSEWAY_EXTRACT = """
import json, sys, time
from connectors.home import Home
from warehouse.ingest.extracts import pull_database
home = Home.resolve(sys.argv[1])
t = time.perf_counter()
results = pull_database(home, "health_residents")
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "batches": len(results),
                  "rows_in": sum(r.rows_in for r in results),
                  "loaded": sum(r.rows_loaded for r in results),
                  "quarantined": sum(r.rows_quarantined for r in results)}))
"""


READER_ONLY = """
import json, sys, time
from connectors.home import Home
from connectors.sql_source import SqlSource, resolve_url
contract = Home.resolve(sys.argv[1]).contracts()["health_residents"]
t = time.perf_counter()
with SqlSource(contract.database, resolve_url(contract.database), "bench") as source:
    rows = sum(b.rows.num_rows for b in source.batches("dabh", None))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""


def fill(server: PostgresServer, folder: Path) -> int:
    """The demo's health table, repeated with new record IDs and later timestamps."""
    generate(folder / "ingest", folder / "truth", BASE_PERSONS, 1, health_db=server.url())
    columns = ", ".join(health_db.COLUMNS.values())
    rest = ", ".join(c for c in health_db.COLUMNS.values() if c != "dabh")
    server.psql(
        f"CREATE TABLE base AS SELECT * FROM {TABLE}; TRUNCATE {TABLE}; "
        f"INSERT INTO {TABLE} ({columns}, updated_at) "
        f"SELECT dabh || lpad(k::text, 3, '0'), {rest}, updated_at + k * interval '1 day' "
        f"FROM base, generate_series(1, ceil({ROWS}::numeric / (SELECT count(*) FROM base))::int) "
        "AS k "
        f"ORDER BY k, updated_at, dabh LIMIT {ROWS}; DROP TABLE base"
    )
    server.psql(f"VACUUM ANALYZE {TABLE}")
    return int(server.psql(f"SELECT count(*) FROM {TABLE}", tuples_only=True).strip())


def copy_baseline(server: PostgresServer) -> float:
    """psql's COPY of the whole table to /dev/null: PostgreSQL's own export speed."""
    command = server.psql_command(f"COPY (SELECT * FROM {TABLE}) TO STDOUT")
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, env=server.env, check=True)
    return time.perf_counter() - started


def report(runs: list[tuple[float, float, float, float, dict]], rows: int) -> None:
    """Each round's reader and extract against the COPY baseline of the same round."""
    bases = [r[0] for r in runs]
    print(
        f"  baseline psql COPY (SELECT * FROM {TABLE}) TO STDOUT: best {min(bases):.2f} s "
        f"(all: {', '.join(f'{b:.2f}' for b in bases)})"
    )
    reads = [r[1] / r[0] for r in runs]
    print(
        f"  reader alone (COPY → Arrow batches, no warehouse): median "
        f"{statistics.median(reads):.2f}× its round's baseline (all: "
        f"{', '.join(f'{r[1]:.2f} s' for r in runs)}), peak {max(r[2] for r in runs):.0f} MB"
    )
    ratios = [r[4]["seconds"] / r[0] for r in runs]
    extracts = ", ".join(f"{r[4]['seconds']:.2f} s" for r in runs)
    out = runs[-1][4]
    holds = all(r[4]["rows_in"] == r[4]["loaded"] + r[4]["quarantined"] == rows for r in runs)
    print(
        f"  causeway extract → staging: median {statistics.median(ratios):.2f}× its round's "
        f"baseline (target ≤ 3×; all: {extracts}), "
        f"peak {max(r[3] for r in runs):.0f} MB, {out['batches']} batches, "
        f"{out['loaded']:,} loaded, {out['quarantined']:,} quarantined, "
        f"every row accounted for: {'yes' if holds else 'NO'}"
    )


def main() -> None:
    server = start_postgres()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            rows = fill(server, root)
            size = server.psql(
                f"SELECT pg_size_pretty(pg_total_relation_size('{TABLE}'))", tuples_only=True
            ).strip()
            print(f"SQL source benchmark: {rows:,} rows in PostgreSQL ({size} with its index)")
            os.environ[health_db.URL_ENV] = server.url()
            runs: list[tuple[float, float, float, float, dict]] = []
            for round_no in range(ROUNDS):
                # A fresh warehouse each round, so each extract starts from no cursor.
                home = Home.resolve(root / f"home_{round_no}").ensure()
                health_db.write_contract(home.contracts_dir)
                base_s = copy_baseline(server)
                _, read_peak, read = measure(READER_ONLY, str(home.root))
                _, peak, out = measure(CAUSEWAY_EXTRACT, str(home.root))
                runs.append((base_s, read["seconds"], read_peak, peak, out))
            report(runs, rows)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
