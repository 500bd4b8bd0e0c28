"""The quality gate of one warehouse table: run its suites, store and publish the results.

Checks run after the load, in their own step, under the writer lock: GX reads through a
cursor of the single writer's connection (DuckDB allows one read-write process per file),
and the same connection stores the results. No load can change the table mid-check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.home import Home
from warehouse.ingest import open_warehouse
from warehouse.lock import WriterLock
from warehouse.quality.runner import run_suites
from warehouse.quality.store import ExpectationOutcome, record_failed_checks, store_results
from warehouse.quality.suites import suites_for

# The commonest quarantine reasons of a file, with quoted values removed so alike reasons group
# (as the receipts do), so a failed load gate says why the rows were set aside.
TOP_REASONS_SQL = """
SELECT regexp_replace(regexp_replace(reason, ?, 'a value', 'g'),
                      'row [0-9]+', 'an earlier row', 'g') AS reason, count(*) AS n
FROM (SELECT unnest(reasons) AS reason FROM quarantine.rows WHERE file_id = ?)
GROUP BY 1 ORDER BY n DESC, reason LIMIT 3
"""

QUOTED = "'[^']*'"


@dataclass
class TableOutcome:
    table: str
    run_id: str
    outcomes: list[ExpectationOutcome]
    docs_index: Path

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if o.blocking]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if not o.blocking]

    @property
    def passed_blocking(self) -> bool:
        return not self.blocking_failures


def docs_index(home: Home) -> Path:
    """The Data Docs page that lists every stored validation."""
    return home.quality_docs / "site" / "index.html"


def check_table(
    home: Home,
    table: str,
    run_id: str | None = None,
    dagster_run_id: str | None = None,
    on_wait: Callable[[str], None] | None = None,
    check_name: str | None = None,
) -> TableOutcome:
    """Run every suite of `table` (e.g. `staging.police_residents`) and keep the results."""
    home.ensure()
    run_id = run_id or dagster_run_id or uuid.uuid4().hex[:12]
    suites = suites_for(table, home.contracts().values())
    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        outcomes = run_suites(con, suites, home.quality_docs, run_name=run_id)
        explain_loads(con, outcomes)
        store_results(con, run_id, outcomes, dt.datetime.now())
        result = TableOutcome(table, run_id, outcomes, docs_index(home))
        if result.blocking_failures:
            record_failed_checks(con, dagster_run_id, [check_name or table])
    return result


def explain_loads(con: duckdb.DuckDBPyConnection, outcomes: Sequence[ExpectationOutcome]) -> None:
    """Add each offending file's commonest quarantine reasons to a failed load expectation."""
    for outcome in outcomes:
        if outcome.success:
            continue
        for example in outcome.examples:
            if isinstance(example, dict) and "file_id" in example:
                rows = con.execute(TOP_REASONS_SQL, [QUOTED, example["file_id"]]).fetchall()
                example["top_reasons"] = [f"{n:,} × {reason}" for reason, n in rows]


def check_tables(
    home: Home, tables: Sequence[str], run_id: str | None = None
) -> list[TableOutcome]:
    run_id = run_id or uuid.uuid4().hex[:12]
    return [check_table(home, table, run_id) for table in tables]
