"""What one run's quality checks came to, read back from `audit.quality_results`: the
line of the run summary (and the run's Dagster metadata) that says how many expectations
ran on how many tables, and how many failed as warnings or as blocking rules."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from connectors.home import Home
from warehouse.db import WriterLock

TALLY_SQL = """
SELECT count(*), count(DISTINCT table_name),
       count(*) FILTER (WHERE NOT success AND severity = 'warning'),
       count(*) FILTER (WHERE NOT success AND severity = 'blocking')
FROM audit.quality_results WHERE run_id = ?
"""
WARNED_SQL = """
SELECT table_name, expectation, max(unexpected_count)
FROM audit.quality_results WHERE run_id = ? AND NOT success AND severity = 'warning'
GROUP BY ALL ORDER BY table_name, expectation
"""


@dataclass(frozen=True)
class QualityTally:
    expectations: int = 0
    tables: int = 0
    warnings: int = 0
    blocking: int = 0
    warned: tuple[tuple[str, str, int | None], ...] = ()  # (table, expectation, rows)


def quality_tally(home: Home, run_id: str) -> QualityTally:
    """The tally of the checks run `run_id` (a Dagster run's ID) stored; empty if none."""
    if not home.warehouse.exists():
        return QualityTally()
    with WriterLock(home.writer_lock), duckdb.connect(str(home.warehouse), read_only=True) as con:
        if not con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'audit' AND table_name = 'quality_results'"
        ).fetchall()[0][0]:
            return QualityTally()
        expectations, tables, warnings, blocking = con.execute(TALLY_SQL, [run_id]).fetchall()[0]
        warned = tuple(con.execute(WARNED_SQL, [run_id]).fetchall())
    return QualityTally(expectations, tables, warnings, blocking, warned)
