"""Which tables each mart is built from, read off the mart SQL itself, so Dagster draws
every mart's lineage from the core tables (and the marts) it really reads.

A SQL file writes a table (`INSERT INTO mart.x`, `CREATE ... TEMP TABLE mart_y`) and reads
others (`FROM`/`JOIN` a `schema.table` or a `mart_` temporary table). Temporary tables
are followed to what they read, also those made in Python (`mart_records` holds every
current staging record, `mart_health_record` the health records with their flags).
"""

from __future__ import annotations

import re
from functools import cache

from warehouse.marts.build import made_in_python, mart_sql

WRITES = re.compile(r"(?:CREATE OR REPLACE TEMP TABLE|INSERT INTO)\s+([a-z_][a-z_0-9.]*)", re.I)
READS = re.compile(r"(?:FROM|JOIN)\s+([a-z_]+\.[a-z_0-9]+|mart_[a-z_0-9]+)", re.I)


@cache
def mart_inputs() -> dict[str, frozenset[str]]:
    """Mart table → the core tables, other marts and `staging` it is built from."""
    # Temporary inputs made in Python before the SQL runs (warehouse/marts/build.py).
    reads: dict[str, set[str]] = made_in_python()
    for name, sql in mart_sql():
        written = WRITES.findall(sql)
        if len(set(written)) != 1:
            raise ValueError(f"marts/sql/{name} writes {sorted(set(written))}: one table a file")
        reads.setdefault(written[0], set()).update(t for t in READS.findall(sql) if t != written[0])

    def resolve(table: str, seen: frozenset[str]) -> set[str]:
        if table.startswith(("mart.", "core.")) or table not in reads:
            return {table}
        if table in seen:
            raise ValueError(f"mart SQL reads {table} in a loop")
        found: set[str] = set()
        for source in reads[table]:
            found |= resolve(source, seen | {table})
        return found

    return {
        table: frozenset(set().union(*(resolve(t, frozenset({table})) for t in sources)))
        for table, sources in reads.items()
        if table.startswith("mart.")
    }
