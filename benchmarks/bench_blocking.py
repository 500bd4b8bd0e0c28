"""Blocking benchmark: how many pairs each prediction rule gives the model to compare, at
growing district sizes, and how fast each grows (docs/scale.md sizes a city from it).

For each size a demo district is generated and loaded, and the mentions are joined on
each rule of comparisons.yaml in turn, less the pairs an earlier rule found (as Splink
counts them) and less those where both carry a valid ID number (the ID decides those).
Printed per rule: the pairs at each size and the exponent b of pairs ≈ a·records^b (1 is
linear; a rule on a name grows towards 2 as names repeat). The baseline is the count of
pairs that share a valid ID number, in the same run. Also Σp², the chance that two
persons share a full name.

`--sizes 20000,40000,80000` (the default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scale import exponent

SIZES = (20_000, 40_000, 80_000)
SEED = 42


def count(home_root: Path) -> dict:
    import duckdb

    from connectors.home import Home
    from warehouse.linking.comparisons import link_rules
    from warehouse.linking.features import features_sql, names_sql
    from warehouse.linking.names import create_name_table

    home = Home.resolve(home_root)
    contracts = list(home.contracts().values())
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        create_name_table(con, names_sql(contracts))
        con.execute("CREATE TEMP TABLE m AS " + features_sql(contracts))
        (records,) = con.execute("SELECT count(*) FROM m").fetchall()[0]
        (by_id,) = con.execute(
            "SELECT count(*) FROM m AS l JOIN m AS r "
            "ON l.unique_id < r.unique_id AND l.has_id AND r.has_id AND l.id_number = r.id_number"
        ).fetchall()[0]
        rules, found = {}, []
        for rule in link_rules().prediction_rules:
            earlier = "".join(f" AND NOT coalesce({r}, false)" for r in found)
            rules[rule] = con.execute(
                f"SELECT count(*) FROM m AS l JOIN m AS r ON l.unique_id < r.unique_id "
                f"AND {rule}{earlier}"
            ).fetchall()[0][0]
            found.append(rule)
        (share,) = con.execute(
            "WITH f AS (SELECT name, count(*) AS n FROM core.person GROUP BY name) "
            "SELECT sum(n * n) / sum(n) ^ 2 FROM f"
        ).fetchall()[0]
    return {"records": records, "by_id": by_id, "rules": rules, "name_share": share}


def main() -> None:
    from connectors.home import Home
    from demo import generate
    from warehouse.ingest.intake import process_pending
    from warehouse.linking.stage import link_warehouse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", help="comma-separated resident counts")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else list(SIZES)
    counted = []
    for persons in sizes:
        with tempfile.TemporaryDirectory(prefix="causeway-blocking-") as folder:
            home = Home.resolve(Path(folder)).ensure()
            generate(home.ingest, home.demo_truth, persons, SEED, 1)
            process_pending(home)
            link_warehouse(home, "full")
            counted.append(count(home.root))
    records = [float(c["records"]) for c in counted]
    print("blocking: compared pairs per prediction rule (both-with-ID pairs skipped)")
    print("| rule | " + " | ".join(f"{n:,} residents" for n in sizes) + " | exponent b |")
    print("|---" * (len(sizes) + 2) + "|")
    rows = [("records", [c["records"] for c in counted])]
    rows.append(("baseline: pairs sharing a valid ID number", [c["by_id"] for c in counted]))
    for rule in counted[0]["rules"]:
        rows.append((f"`{rule}`", [c["rules"][rule] for c in counted]))
    rows.append(("all rules", [sum(c["rules"].values()) for c in counted]))
    for name, values in rows:
        b = exponent(records, [float(v) for v in values])
        cells = " | ".join(f"{v:,}" for v in values)
        print(f"| {name} | {cells} | {'–' if b is None else f'{b:.2f}'} |")
    shares = ", ".join(f"{c['name_share']:.2e}" for c in counted)
    print(f"Σp² of full names among persons: {shares}")


if __name__ == "__main__":
    main()
