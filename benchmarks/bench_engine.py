"""Engine comparison (issue 18): the same Causeway code on the pinned engine (DuckDB 2.0.1)
and on the other design's engine (DuckDB 1.5.5 with its PyPI extension wheels), in
absolute wall time, interleaved round by round on the same machine.

The second engine lives in its own venv (`make bench` builds `.venv-duckdb155` from the
lock file with the engine pin swapped, benchmarks/engine_alt.txt); both interpreters
import this checkout. Workloads:

- the 1M-row register: DuckDB's own CTAS of the UTF-8 file, then Causeway's load of it
  into staging, UTF-8 and GBK (GBK through Causeway's transcoder on both); on 1.5.5 also
  the encodings extension's `read_csv(encoding=…)` of the GBK and a GB18030 file, whose
  rows are compared with the transcoder's;
- a district of CAUSEWAY_BENCH_PERSONS residents (default 250,000): every file loaded,
  the full link, marts and publication, then the evacuation query (median of 20);
- PostgreSQL: 1M rows into a DuckDB table, through ADBC on 2.0.1 (Causeway's reader)
  and the postgres scanner on 1.5.5, against psql's COPY in the same round.

docs/engine.md keeps the figures and the decision they led to.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_ingest import CAUSEWAY_LOAD, RAW_LOAD, register
from benchmarks.bench_sql import TABLE, copy_baseline, fill
from benchmarks.common import REPO, measure
from demo import generate, health_db
from tests.postgres_server import start_postgres
from warehouse.db.ddl import quote

PINNED = sys.executable
OTHER = os.environ.get("CAUSEWAY_OTHER_ENGINE", str(Path(REPO) / ".venv-duckdb155/bin/python"))
PERSONS = int(os.environ.get("CAUSEWAY_BENCH_PERSONS", "250000"))
ROUNDS = int(os.environ.get("CAUSEWAY_BENCH_ROUNDS", "3"))

VERSION = "import duckdb, json; print(json.dumps({'v': duckdb.__version__}))"
EXTENSION_READ = """
import json, sys, time, duckdb
from connectors.extensions import ENCODINGS, available, load
if not available(ENCODINGS):
    print(json.dumps({"missing": True}))
    sys.exit(0)
con = duckdb.connect()
t = time.perf_counter()
load(con, ENCODINGS)
loaded = time.perf_counter() - t
out = {"load": loaded}
files = (("gbk", sys.argv[1], "zh_CN.gbk"), ("gb18030", sys.argv[2], "gb18030"))
for label, path, encoding in files:
    t = time.perf_counter()
    try:
        con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true, "
                    "encoding = ?)", [path, encoding])
        out[label] = {"seconds": time.perf_counter() - t,
                      "rows": con.execute("SELECT count(*) FROM t").fetchone()[0]}
    except duckdb.Error as exc:
        out[label] = {"error": str(exc).splitlines()[0]}
print(json.dumps(out))
"""
DISTRICT = """
import json, sys, time, duckdb
from pathlib import Path
from connectors.home import Home
from warehouse.db.connection import open_warehouse
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import process_pending
from warehouse.linking.run import link_people
from warehouse.marts.build import build_marts, default_as_of
from warehouse.publish.publication import publish
from warehouse.serve.evacuation_lists import evacuation
home = Home.resolve(sys.argv[1])
out = {}
t = time.perf_counter(); process_pending(home); out["load"] = time.perf_counter() - t
with WriterLock(home.writer_lock), open_warehouse(home) as con:
    t = time.perf_counter(); linked = link_people(con, home); out["link"] = time.perf_counter() - t
    out["mentions"], out["skipped"] = linked.mentions, linked.skipped
    t = time.perf_counter()
    build_marts(con, default_as_of(home), list(home.contracts().values()))
    publish(con, home, default_as_of(home))
    out["marts_publish"] = time.perf_counter() - t
    out["persons"] = con.execute("SELECT count(*) FROM core.person").fetchone()[0]
with duckdb.connect(str(home.outreach), read_only=True) as con:
    top = con.execute("SELECT building_address FROM mart.building_summary "
                      "ORDER BY vulnerable_residents DESC NULLS LAST LIMIT 1").fetchone()
if top is None:  # nothing was linked, so the marts are empty: say so rather than time it
    print(json.dumps({**out, "evacuation_ms": None}))
    sys.exit(0)
address = top[0]
times = []
for _ in range(20):
    t = time.perf_counter()
    evacuation(home.outreach, address)
    times.append(time.perf_counter() - t)
times.sort()
out["evacuation_ms"] = 1000 * times[len(times) // 2]
print(json.dumps(out))
"""
PG_ADBC = """
import json, sys, time, duckdb
import adbc_driver_postgresql.dbapi as adbc
url, select, target = sys.argv[1:4]
t = time.perf_counter()
with adbc.connect(url) as conn, conn.cursor() as cur:
    cur.execute(select)
    reader = cur.fetch_record_batch()
    con = duckdb.connect(target)
    con.execute("CREATE TABLE t AS SELECT * FROM reader")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""
PG_SCANNER = """
import json, sys, time, duckdb
from connectors.extensions import POSTGRES, load
from warehouse.db.ddl import literal  # ATTACH and postgres_query take no parameters
url, select, target = sys.argv[1:4]
t = time.perf_counter()
con = duckdb.connect(target)
load(con, POSTGRES)
con.execute(f"ATTACH {literal(url)} AS source_db (TYPE postgres, READ_ONLY)")
con.execute(f"CREATE TABLE t AS SELECT * FROM postgres_query('source_db', {literal(select)})")
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""


def engine(python: str) -> str:
    return measure(VERSION, python=python)[2]["v"]


def median(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f}" if values else "    n/a"


def register_rounds(root: Path, engines: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    rows = register(root)
    utf8, gbk = root / "register_utf8.csv", root / "register_gbk.csv"
    rows.to_csv(utf8, index=False, encoding="utf-8")
    rows.to_csv(gbk, index=False, encoding="gbk")
    extra = rows.copy()
    extra.iloc[::1000, 2] = extra.iloc[::1000, 2] + "𠮷"  # outside GBK, inside GB18030
    gb18030 = root / "register_gb18030.csv"
    extra.to_csv(gb18030, index=False, encoding="gb18030")
    print(f"  register: {len(rows):,} rows, {utf8.stat().st_size / 1e6:.0f} MB UTF-8")
    times: dict[str, dict[str, list[float]]] = {v: {} for v in engines}
    outcomes: dict[str, set[tuple[int, int]]] = {}
    for _ in range(ROUNDS):
        for version, python in engines.items():
            (root / "raw.duckdb").unlink(missing_ok=True)
            out = measure(RAW_LOAD, str(utf8), str(root / "raw.duckdb"), python=python)[2]
            times[version].setdefault("CTAS read_csv UTF-8", []).append(out["seconds"])
            for label, path in (("UTF-8", utf8), ("GBK", gbk)):
                home = root / "home"
                dropped = root / "drop" / "police_residents_202609.csv"
                dropped.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, dropped)
                out = measure(CAUSEWAY_LOAD, str(dropped), str(home), python=python)[2]
                times[version].setdefault(f"Causeway {label} → staging", []).append(out["seconds"])
                outcomes.setdefault(label, set()).add((out["loaded"], out["quarantined"]))
                shutil.rmtree(home)
    for label, seen in outcomes.items():
        same = "the same on every engine and round" if len(seen) == 1 else "DIFFERENT"
        print(f"  {label}: (loaded, quarantined) {sorted(seen)}: {same}")
    for version, python in engines.items():
        out = measure(EXTENSION_READ, str(gbk), str(gb18030), python=python)[2]
        if out.get("missing"):
            print(f"  {version}: no encodings extension wheel for this engine")
            continue
        for label in ("gbk", "gb18030"):
            got = out[label]
            said = got.get("error") or f"{got['rows']:,} rows in {got['seconds']:.2f} s"
            print(f"  {version}: encodings extension read_csv of the {label} file: {said}")
    return times


def district_rounds(root: Path, engines: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    source = root / "district"
    generate(source / "ingest", source / "truth", PERSONS, 3, 1)
    times: dict[str, dict[str, list[float]]] = {v: {} for v in engines}
    for version, python in engines.items():
        home = root / f"district_{version}"
        shutil.copytree(source, home)
        out = measure(DISTRICT, str(home), python=python)[2]
        for key, label in (
            ("load", "district: load every file"),
            ("link", "district: full link"),
            ("marts_publish", "district: marts + publication"),
            ("evacuation_ms", "district: evacuation query (ms)"),
        ):
            times[version][label] = [] if out[key] is None else [out[key]]
        print(
            f"  {version}: district of {out['persons']:,} persons from {out['mentions']:,} "
            f"records (link skipped: {out['skipped']})"
        )
        shutil.rmtree(home)
    return times


def postgres_rounds(root: Path, engines: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    server = start_postgres()
    try:
        rows = fill(server, root / "pg")
        print(f"  PostgreSQL: {rows:,} rows in {TABLE}")
        columns = ", ".join(f"{quote(c)}::text" for c in health_db.COLUMNS.values())
        select = f"SELECT {columns}, updated_at::text FROM {TABLE} ORDER BY updated_at, dabh"
        libpq = server.url().replace("postgresql+psycopg://", "postgresql://")
        times: dict[str, dict[str, list[float]]] = {v: {"psql COPY TO STDOUT": []} for v in engines}
        for _ in range(ROUNDS):
            for version, python in engines.items():
                scanner = version.startswith("1.")
                code, how = (PG_SCANNER, "scanner") if scanner else (PG_ADBC, "ADBC")
                target = root / "pg.duckdb"
                target.unlink(missing_ok=True)
                times[version]["psql COPY TO STDOUT"].append(copy_baseline(server))
                out = measure(code, libpq, select, str(target), python=python)[2]
                assert out["rows"] == rows, out
                times[version].setdefault(f"PostgreSQL → DuckDB ({how})", []).append(out["seconds"])
        return times
    finally:
        server.stop()


def main() -> None:
    if not Path(OTHER).exists():
        sys.exit(f"{OTHER} is missing: `make bench` builds it (or set CAUSEWAY_OTHER_ENGINE)")
    engines = {engine(PINNED): PINNED, engine(OTHER): OTHER}
    print(f"engine comparison: DuckDB {' and '.join(engines)}, {ROUNDS} interleaved rounds")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        table: dict[str, dict[str, list[float]]] = {v: {} for v in engines}
        for part in (register_rounds, postgres_rounds, district_rounds):
            found = part(root, engines)
            for version in engines:
                table[version].update(found[version])
            print(f"  (so far: {json.dumps(found)})", flush=True)
    labels = list(dict.fromkeys(label for found in table.values() for label in found))
    versions = list(engines)
    print(f"  {'median seconds':<40}" + "".join(f"{v:>10}" for v in versions) + "     ratio")
    for label in labels:
        values = [table[v].get(label, []) for v in versions]
        ratio = (
            f"{statistics.median(values[1]) / statistics.median(values[0]):8.2f}×"
            if all(values)
            else ""
        )
        print(f"  {label:<40}" + "".join(f"{median(v):>10}" for v in values) + f"  {ratio}")
    print(f"  (ratio: {versions[1]} against {versions[0]}; all rounds: {json.dumps(table)})")
    print(f"  whole comparison took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
