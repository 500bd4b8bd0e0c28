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

from connectors.home import Home
from warehouse.ingest import open_warehouse
from warehouse.lock import WriterLock
from warehouse.quality.runner import run_suites
from warehouse.quality.store import ExpectationOutcome, record_failed_checks, store_results
from warehouse.quality.suites import suites_for


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
        store_results(con, run_id, outcomes, dt.datetime.now())
        result = TableOutcome(table, run_id, outcomes, docs_index(home))
        if result.blocking_failures:
            record_failed_checks(con, dagster_run_id, [check_name or table])
    return result


def check_tables(
    home: Home, tables: Sequence[str], run_id: str | None = None
) -> list[TableOutcome]:
    run_id = run_id or uuid.uuid4().hex[:12]
    return [check_table(home, table, run_id) for table in tables]
