"""Ingest benchmark: a 1M-row resident register → staging, against DuckDB's own CSV load.

Prints each load as a ratio to `CREATE TABLE … AS SELECT * FROM read_csv(…)` of the
UTF-8 file measured in the same run, with peak memory. Targets: ≤ 2× for UTF-8 and
≤ 3× for GBK, with quarantine, lineage and audit included.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import measure
from demo import generate

ROWS = 1_000_000
RAW_LOAD = """
import json, sys, time, duckdb
con = duckdb.connect(sys.argv[2])
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[1]])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
CAUSEWAY_LOAD = """
import json, sys, time
from pathlib import Path
from connectors.home import Home
from warehouse.ingest import contract_for, open_warehouse
from warehouse.load import load_file
home = Home.resolve(sys.argv[2]).ensure()
path = Path(sys.argv[1])
con = open_warehouse(home)
contract = contract_for(path, list(home.contracts().values()))
t = time.perf_counter()
result = load_file(con, home, "police", path, contract)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "status": result.status, "rows_in": result.rows_in,
                  "loaded": result.rows_loaded, "quarantined": result.rows_quarantined}))
"""


def register(folder: Path) -> pd.DataFrame:
    """A realistic resident register of ROWS rows: the demo's, repeated with new record IDs."""
    generate(folder / "ingest", folder / "truth", 60_000, 1)
    base = pd.read_csv(
        folder / "ingest/police/police_residents_202609.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    copies = -(-ROWS // len(base))
    frames = []
    for k in range(copies):
        part = base.copy()
        part["登记编号"] = part["登记编号"] + f"{k:02d}"
        frames.append(part)
    return pd.concat(frames, ignore_index=True).head(ROWS)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = register(root)
        utf8 = root / "police_residents_utf8.csv"
        gbk = root / "police_residents_gbk.csv"
        rows.to_csv(utf8, index=False, encoding="utf-8")
        rows.to_csv(gbk, index=False, encoding="gbk")
        size = utf8.stat().st_size / 1e6
        _, base_mb, base = measure(RAW_LOAD, str(utf8), str(root / "raw.duckdb"))
        base_s = base["seconds"]
        print(f"ingest benchmark: {len(rows):,} rows, {size:.0f} MB UTF-8")
        print(f"  baseline DuckDB CTAS read_csv (UTF-8): {base_s:.2f} s, peak {base_mb:.0f} MB")
        for label, path, target in (("UTF-8", utf8, 2.0), ("GBK", gbk, 3.0)):
            home = root / f"home_{label}"
            _, peak, out = measure(CAUSEWAY_LOAD, str(path), str(home))
            seconds = out["seconds"]
            holds = out["rows_in"] == out["loaded"] + out["quarantined"]
            invariant = "holds" if holds else "BROKEN"
            print(
                f"  causeway {label} → staging: {seconds:.2f} s = {seconds / base_s:.2f}× baseline "
                f"(target ≤ {target}×), peak {peak:.0f} MB, {out['loaded']:,} loaded, "
                f"{out['quarantined']:,} quarantined, invariant {invariant}"
            )


if __name__ == "__main__":
    main()
