"""Quality gate benchmark: the gates of a 1M-row staging table against its load.

Loads the 1M-row resident register of bench_ingest into staging, then runs the table's
quality gate (every expectation a real GX expectation, results stored, Data Docs
rendered) in a fresh process. Prints the gate's time as a ratio to the load measured in
the same run, with and without GX's import. Target: ≤ 0.5× the load.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_ingest import CAUSEWAY_LOAD, register
from benchmarks.common import measure

TARGET = 0.5
GATE = """
import json, sys, time
t = time.perf_counter()
from warehouse.quality.gx_duckdb import gx
gx()
imported = time.perf_counter() - t
from connectors.home import Home
from warehouse.quality.gate import check_table
t = time.perf_counter()
outcome = check_table(Home.resolve(sys.argv[1]), "staging.police_residents")
print(json.dumps({"import": imported, "gate": time.perf_counter() - t,
                  "expectations": len(outcome.outcomes), "failed": len(outcome.failed),
                  "blocking_failed": len(outcome.blocking_failures)}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = register(root)
        path = root / "police_residents_202609.csv"
        rows.to_csv(path, index=False, encoding="utf-8")
        home = root / "home"
        _, load_mb, load = measure(CAUSEWAY_LOAD, str(path), str(home))
        _, gate_mb, gate = measure(GATE, str(home))
        load_s, gate_s, import_s = load["seconds"], gate["gate"], gate["import"]
        print(f"quality benchmark: staging.police_residents, {load['loaded']:,} rows loaded")
        print(f"  load (causeway → staging): {load_s:.2f} s, peak {load_mb:.0f} MB")
        print(
            f"  quality gate: {gate['expectations']} GX expectations, {gate['failed']} failed "
            f"({gate['blocking_failed']} blocking): {gate_s:.2f} s = {gate_s / load_s:.2f}× "
            f"the load (target ≤ {TARGET}×), peak {gate_mb:.0f} MB"
        )
        total = gate_s + import_s
        print(
            f"  with GX's import ({import_s:.2f} s, once per process): {total:.2f} s = "
            f"{total / load_s:.2f}× the load"
        )


if __name__ == "__main__":
    main()
