"""Ingest benchmark: a 1M-row resident register → staging, against DuckDB's own CSV load.

Prints each load as a ratio to `CREATE TABLE … AS SELECT * FROM read_csv(…)` of the
UTF-8 file measured in the same run, with peak memory. Targets: ≤ 2× for UTF-8 and
≤ 3× for GBK, with quarantine, lineage and audit included. This machine is shared and
its speed wanders by a third from one minute to the next (the baseline alone has ranged
from 2.3 s to 3.7 s in one run), so the three loads run in turn, round after round, and
each load is compared with the baseline of its own round: the ratio is the median of
those. The best times are printed too; a best-of ratio swings with one quiet moment.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import measure
from demo import generate

ROWS = 1_000_000
REPEATS = 5  # each load is timed this many times; the best of each is compared
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
from warehouse.db.connection import open_warehouse
from warehouse.ingest.intake import contract_for
from warehouse.ingest.load import load_file
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
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else REPEATS
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = register(root)
        utf8 = root / "police_residents_utf8.csv"
        gbk = root / "police_residents_gbk.csv"
        rows.to_csv(utf8, index=False, encoding="utf-8")
        rows.to_csv(gbk, index=False, encoding="gbk")
        size = utf8.stat().st_size / 1e6
        print(f"ingest benchmark: {len(rows):,} rows, {size:.0f} MB UTF-8, {repeats} rounds")
        runs: dict[str, list[tuple[float, float, dict]]] = {"base": [], "UTF-8": [], "GBK": []}
        # Interleaved, so a busy spell on this shared machine hits every contender alike.
        for attempt in range(repeats):
            (root / "raw.duckdb").unlink(missing_ok=True)
            _, mb, out = measure(RAW_LOAD, str(utf8), str(root / "raw.duckdb"))
            runs["base"].append((out["seconds"], mb, out))
            for label, path in (("UTF-8", utf8), ("GBK", gbk)):
                home = root / f"home_{label}_{attempt}"
                dropped = root / "drop" / path.name  # a load moves its file to the archive
                dropped.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, dropped)
                _, mb, out = measure(CAUSEWAY_LOAD, str(dropped), str(home))
                runs[label].append((out["seconds"], mb, out))
                shutil.rmtree(home)
        base_s = min(r[0] for r in runs["base"])
        base_mb = max(r[1] for r in runs["base"])
        print(
            f"  baseline DuckDB CTAS read_csv (UTF-8): {base_s:.2f} s, peak {base_mb:.0f} MB "
            f"(all: {_seconds(runs['base'])})"
        )
        for label, target in (("UTF-8", 2.0), ("GBK", 3.0)):
            seconds, _, out = min(runs[label], key=lambda r: r[0])
            peak = max(r[1] for r in runs[label])
            paired = [r[0] / b[0] for r, b in zip(runs[label], runs["base"], strict=True)]
            holds = all(
                r[2]["rows_in"] == r[2]["loaded"] + r[2]["quarantined"] for r in runs[label]
            )
            invariant = "holds" if holds else "BROKEN"
            print(
                f"  causeway {label} → staging: {statistics.median(paired):.2f}× baseline "
                f"(target ≤ {target}×; median over rounds of each load against its own "
                f"round's baseline: {', '.join(f'{p:.2f}' for p in paired)}); best "
                f"{seconds:.2f} s = {seconds / base_s:.2f}× the best baseline; peak {peak:.0f} MB, "
                f"{out['loaded']:,} loaded, {out['quarantined']:,} quarantined, invariant "
                f"{invariant} (all: {_seconds(runs[label])})"
            )


def _seconds(runs: list[tuple[float, float, dict]]) -> str:
    return ", ".join(f"{r[0]:.2f}" for r in runs)


if __name__ == "__main__":
    main()
