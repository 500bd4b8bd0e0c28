"""Scale benchmark: the whole pipeline on one machine at growing district sizes.

For each size (250k, 500k and 1M residents by default; about 3.2 records a resident) a
demo district is generated and `causeway run` (Dagster, headless, in a fresh process)
loads, links, checks and publishes it; then a batch of 10,000 next-month health records
is dropped and run again (the incremental link). Each stage's time is read from the
Dagster run's own step statistics. Printed per size: ingest, link (full and incremental
10k), quality and publication wall times, the run's peak memory, the warehouse and
analytics file sizes, and a baseline measured in the same run: DuckDB's own
`CREATE TABLE … AS SELECT * FROM read_csv(…)` (`read_json` for JSON Lines) of the same
month's CSV and JSON exports, re-encoded to UTF-8 beforehand (the workbook is not in it). Then how
each figure grows with size: the exponent b of time ≈ a·records^b fitted over the sizes
(1 is linear). docs/scale.md reads its estimates off this table.

`CAUSEWAY_BENCH_QUICK=1 make bench` (or `--quick`) runs the 250k size only;
`--sizes 20000,50000` any others.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_linking import split_batch
from benchmarks.common import measure

SIZES = (250_000, 500_000, 1_000_000)
SEED = 42
BATCH_ROWS = 10_000
# A Dagster step's stage, by its step key.
STAGES = {
    "ingest": ("ingest__", "staging__"),
    "link": ("link_",),
    "quality": ("staging_quality", "core_quality"),
    "publication": ("resilience_marts", "analytics__published"),
}
RUN = """
import json, sys, time
from connectors.home import Home
from pipelines.headless import instance, run_everything
home = Home.resolve(sys.argv[1])
started = time.perf_counter()
run = run_everything(home)
wall = time.perf_counter() - started
stats = instance(home).get_run_step_stats(run.run_id)
steps = {s.step_key: s.end_time - s.start_time for s in stats}
print(json.dumps({"ok": run.success, "wall": wall, "steps": steps}))
"""
RAW_LOAD = """
import glob, json, sys, time, duckdb
con = duckdb.connect()
started = time.perf_counter()
rows = 0
for i, path in enumerate(sorted(glob.glob(sys.argv[1] + "/*"))):
    reader = "read_json" if path.endswith(".jsonl") else "read_csv"
    options = "" if reader == "read_json" else ", all_varchar = true, null_padding = true"
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {reader}(?{options})", [path])
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchall()[0][0]
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))
"""


def utf8_copies(ingest: Path, folder: Path) -> None:
    """The month's CSV and JSON Lines exports as UTF-8 (the health export is GB18030,
    which DuckDB reads only through an extension), untimed, for the baseline."""
    folder.mkdir()
    for path in [*ingest.glob("*/*.csv"), *ingest.glob("*/*.jsonl")]:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        (folder / path.name).write_text(text, encoding="utf-8")


LINK_RUNS = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
runs = con.execute(
    "SELECT mode, mentions, new_mentions, candidate_pairs, persons FROM link.runs "
    "ORDER BY started_at"
).fetchall()
names = ("mode", "records", "new", "pairs", "persons")
print(json.dumps({"runs": [dict(zip(names, r)) for r in runs]}))
"""


@dataclass
class Size:
    persons: int
    records: int = 0
    pairs: int = 0
    persons_found: int = 0
    new_records: int = 0
    baseline: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    incremental: float = 0.0
    run_wall: float = 0.0
    peak_mb: float = 0.0
    warehouse_mb: float = 0.0
    analytics_mb: float = 0.0
    generate_s: float = 0.0


def stage_times(steps: dict[str, float]) -> dict[str, float]:
    out = dict.fromkeys(STAGES, 0.0)
    for key, seconds in steps.items():
        for stage, prefixes in STAGES.items():
            if key.startswith(prefixes):
                out[stage] += seconds
    return out


def run_size(persons: int, root: Path) -> Size:
    from connectors.home import Home
    from demo import generate

    home = Home.resolve(root / "home").ensure()
    size = Size(persons)
    started = time.perf_counter()
    generate(home.ingest, home.demo_truth, persons, SEED, 1)
    size.generate_s = time.perf_counter() - started
    utf8_copies(home.ingest, root / "raw")
    _, _, raw = measure(RAW_LOAD, str(root / "raw"))
    shutil.rmtree(root / "raw")
    size.baseline = raw["seconds"]
    wall, peak, first = measure(RUN, str(home.root))
    if not first["ok"]:
        raise RuntimeError(f"the run at {persons:,} residents failed")
    size.stages, size.run_wall, size.peak_mb = stage_times(first["steps"]), wall, peak
    size.warehouse_mb = home.warehouse.stat().st_size / 2**20
    size.analytics_mb = home.analytics.stat().st_size / 2**20

    incoming = root / "incoming"
    generate(incoming, home.demo_truth, persons, SEED, 2)
    health = next((incoming / "health").glob("health_residents_*.csv"))
    split_batch(
        health, home.ingest_dir("health") / f"{health.stem}a.csv", root / "rest.csv", BATCH_ROWS
    )
    _, peak_again, second = measure(RUN, str(home.root))
    if not second["ok"]:
        raise RuntimeError(f"the incremental run at {persons:,} residents failed")
    size.incremental = stage_times(second["steps"])["link"]
    size.peak_mb = max(size.peak_mb, peak_again)
    _, _, runs = measure(LINK_RUNS, str(home.warehouse))
    full, batch = runs["runs"][0], runs["runs"][-1]
    size.records, size.pairs, size.persons_found = full["records"], full["pairs"], full["persons"]
    size.new_records = batch["new"]
    shutil.rmtree(incoming)
    return size


def exponent(xs: list[float], ys: list[float]) -> float | None:
    """b of y ≈ a·x^b, least squares on the logarithms (None with fewer than two sizes)."""
    points = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(points) < 2:
        return None
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else None


ROWS = (
    ("records", lambda s: f"{s.records:,}"),
    ("candidate pairs scored (full link)", lambda s: f"{s.pairs:,}"),
    ("persons found", lambda s: f"{s.persons_found:,}"),
    ("baseline: DuckDB CTAS of the CSV and JSON exports (s)", lambda s: f"{s.baseline:.2f}"),
    ("ingest (s)", lambda s: f"{s.stages['ingest']:.1f} ({s.stages['ingest'] / s.baseline:.1f}×)"),
    ("link, full (s)", lambda s: f"{s.stages['link']:.1f} ({s.stages['link'] / s.baseline:.0f}×)"),
    (
        "link, incremental: a 10k-row health file (s)",
        lambda s: f"{s.incremental:.1f} ({s.new_records:,} new or changed)",
    ),
    ("quality (s)", lambda s: f"{s.stages['quality']:.1f}"),
    ("publication (s)", lambda s: f"{s.stages['publication']:.1f}"),
    ("whole run, wall (s)", lambda s: f"{s.run_wall:.1f}"),
    ("peak memory (MB)", lambda s: f"{s.peak_mb:,.0f}"),
    ("warehouse.duckdb (MB)", lambda s: f"{s.warehouse_mb:,.0f}"),
    ("analytics.duckdb (MB)", lambda s: f"{s.analytics_mb:,.1f}"),
)
GROWTH = {
    "candidate pairs": lambda s: s.pairs,
    "baseline": lambda s: s.baseline,
    "ingest": lambda s: s.stages["ingest"],
    "link, full": lambda s: s.stages["link"],
    "link, incremental 10k": lambda s: s.incremental,
    "quality": lambda s: s.stages["quality"],
    "publication": lambda s: s.stages["publication"],
    "whole run": lambda s: s.run_wall,
    "peak memory": lambda s: s.peak_mb,
    "warehouse size": lambda s: s.warehouse_mb,
}


def table(sizes: list[Size]) -> str:
    head = "| residents | " + " | ".join(f"{s.persons:,}" for s in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(f(s) for s in sizes) + " |" for name, f in ROWS]
    return "\n".join(lines)


def growth(sizes: list[Size]) -> str:
    records = [float(s.records) for s in sizes]
    lines = ["| figure | exponent b (time ≈ a·records^b) |", "|---|---|"]
    for name, f in GROWTH.items():
        b = exponent(records, [f(s) for s in sizes])
        lines.append(f"| {name} | {'–' if b is None else f'{b:.2f}'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the 250k size only")
    parser.add_argument("--sizes", help="comma-separated resident counts")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("CAUSEWAY_BENCH_QUICK") == "1"
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else list(SIZES)
    if quick and not args.sizes:
        sizes = sizes[:1]
    done: list[Size] = []
    for persons in sizes:
        with tempfile.TemporaryDirectory(prefix="causeway-scale-") as folder:
            size = run_size(persons, Path(folder))
        done.append(size)
        print(
            f"scale: {persons:,} residents, {size.records:,} records: run {size.run_wall:.0f} s "
            f"(demo generated in {size.generate_s:.0f} s) {json.dumps(size.__dict__)}",
            flush=True,
        )
        if args.json:  # each size as it is done: a later size may fail
            args.json.write_text(json.dumps([s.__dict__ for s in done], indent=1), "utf-8")
    print(table(done))
    print()
    print(growth(done))


if __name__ == "__main__":
    main()
