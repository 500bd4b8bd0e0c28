"""Reach benchmark: the share of a demo district's records that reach linking.

Loads a demo district (20,000 residents, about 65,000 department records with the demo's
noise: bad checksums, impossible dates, stray codes, duplicates) and prints, per source
and in all: rows in, rows staged, rows whose only failures were set aside as fields (each
of those was quarantined whole before field-level set-aside), and rows quarantined, with
the reasons that quarantined them. Target: every row with a usable identity is staged, so
every quarantined row has an identity or structural reason.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.home import Home
from demo import generate
from warehouse.ingest.intake import process_pending

PERSONS, SEED = 20_000, 42
PER_SOURCE = """
SELECT f.source, sum(f.rows_in), sum(f.rows_loaded), sum(f.rows_quarantined),
       sum(f.fields_set_aside)
FROM audit.file_loads f WHERE f.source IS NOT NULL GROUP BY 1 ORDER BY 1
"""
# Reasons of quarantined rows that are about identity or structure, not one field.
IDENTITY = r"(is required|^duplicate row|^record_id|^case_id|^incident_id|could not be split)"


def staged_with_set_aside(con: duckdb.DuckDBPyConnection, source: str) -> int:
    return con.execute(
        f'SELECT count(*) FROM staging."{source}" WHERE len(_set_aside) > 0'
    ).fetchall()[0][0]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Home.resolve(Path(tmp)).ensure()
        generate(home.ingest, home.demo_truth, PERSONS, SEED, 1)
        process_pending(home)
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            rows = con.execute(PER_SOURCE).fetchall()
            other = con.execute(
                "SELECT count(*) FROM quarantine.rows WHERE NOT list_has_any("
                "list_transform(reasons, lambda r: regexp_matches(r, ?)), [true])",
                [IDENTITY],
            ).fetchall()[0][0]
            top = con.execute(
                "SELECT r, count(*) FROM (SELECT regexp_replace(regexp_replace(reasons[1], "
                "'''[^'']*''', '…', 'g'), '[0-9]+', 'N', 'g') AS r "
                "FROM quarantine.rows) GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
            ).fetchall()
            partial = {s: staged_with_set_aside(con, s) for s, *_ in rows}
    print(f"Reach: a {PERSONS:,}-resident demo district (seed {SEED})")
    print(f"{'source':<22}{'rows in':>9}{'staged':>9}{'set aside':>11}{'quarantined':>13}")
    totals = [0, 0, 0, 0]
    for source, rows_in, loaded, held, _ in rows:
        print(f"{source:<22}{rows_in:>9,}{loaded:>9,}{partial[source]:>11,}{held:>13,}")
        totals = [
            a + b for a, b in zip(totals, [rows_in, loaded, partial[source], held], strict=True)
        ]
    rows_in, loaded, partly, held = totals
    print(f"{'all':<22}{rows_in:>9,}{loaded:>9,}{partly:>11,}{held:>13,}")
    print(
        f"reach linking: {loaded / rows_in:.2%} of rows "
        f"(without field-level set-aside: {(loaded - partly) / rows_in:.2%})"
    )
    print(f"quarantined rows without an identity or structural reason: {other}")
    for reason, count in top:
        print(f"  {count:>6,} × {reason}")


if __name__ == "__main__":
    main()
