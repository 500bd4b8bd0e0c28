"""The quality gate of one warehouse table: run its suites, store and publish the results.

Checks run after the load, in their own step, under the writer lock: GX reads through a
cursor of the single writer's connection (DuckDB allows one read-write process per file),
and the same connection stores the results. No load can change the table mid-check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.home import Home
from schemas.contracts import SourceContract
from warehouse.db import WriterLock, open_warehouse, qualified, transaction, withdraw_rows
from warehouse.ingest import add_to_receipt
from warehouse.quality.report import REPORT, build_report
from warehouse.quality.rules import SiteSeverities, site_severities, with_site
from warehouse.quality.runner import Validation
from warehouse.quality.store import ExpectationOutcome, record_failed_checks, store_results
from warehouse.quality.suites import staging_suites, suites_for

# The commonest quarantine reasons of a file, with quoted values removed so alike reasons group
# (as the receipts do), so a failed load gate says why the rows were set aside.
TOP_REASONS_SQL = """
SELECT regexp_replace(regexp_replace(reason, ?, 'a value', 'g'),
                      'row [0-9]+', 'an earlier row', 'g') AS reason, count(*) AS n
FROM (SELECT unnest(reasons) AS reason FROM quarantine.rows WHERE file_id = ?)
GROUP BY 1 ORDER BY n DESC, reason LIMIT 3
"""

QUOTED = "'[^']*'"
# Loads of a source no gate has judged yet, oldest first.
UNJUDGED_SQL = (
    "SELECT file_id, file_name, rows_loaded FROM audit.file_loads WHERE source = ? "
    "AND status IN ('loaded', 'partial') AND retracted_at IS NULL AND gate IS NULL "
    "ORDER BY loaded_at, file_id"
)
JUDGED_SQL = "UPDATE audit.file_loads SET gate = ? WHERE file_id = ?"
LOAD_RULES = {
    "quarantined_share",
    "set_aside_share",
    "spreadsheet_damage_share",
    "snapshot_rows",
    "delta_rows",
}


@dataclass
class HeldLoad:
    """A load a blocking rule failed on: its rows are out of staging until an operator
    releases or quarantines it; the rest of the district goes on."""

    file_id: str
    file_name: str
    rows: int
    failures: list[str]


@dataclass
class TableOutcome:
    table: str
    run_id: str
    outcomes: list[ExpectationOutcome]
    docs_index: Path
    held: list[HeldLoad] = field(default_factory=list)
    per_load: bool = False  # a staging table, judged load by load
    judged: int = 0

    @property
    def report(self) -> Path:
        """Causeway's own quality report beside the Data Docs (warehouse/quality/report.py)."""
        return self.docs_index.parent.parent / REPORT

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
        """Nothing that failed a blocking rule goes downstream: a staging table's failing
        loads are held back (`held`), a conformed table's failure stops what follows."""
        return self.per_load or not self.blocking_failures


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
    names = {table: check_name} if check_name else None
    (outcome,) = check_tables(home, [table], run_id, dagster_run_id, on_wait, names)
    return outcome


def check_tables(
    home: Home,
    tables: Sequence[str],
    run_id: str | None = None,
    dagster_run_id: str | None = None,
    on_wait: Callable[[str], None] | None = None,
    check_names: Mapping[str, str] | None = None,
) -> list[TableOutcome]:
    """Run every suite of each table, in order, under one writer lock, one connection and
    one GX context, and keep the results; `check_names` names each table's blocking check.

    A staging table is judged load by load, only the loads no gate judged yet: old rows
    can never block a new run, and a load that fails a blocking rule is held back alone.
    """
    home.ensure()
    run_id = run_id or dagster_run_id or uuid.uuid4().hex[:12]
    site = site_severities(home.root)
    by_table = {c.staging_table: c for c in home.contracts().values()}
    names = check_names or {}
    out = []
    with (
        WriterLock(home.writer_lock, on_wait=on_wait),
        open_warehouse(home) as con,
        Validation(con, home.quality_docs) as validation,
    ):
        for table in tables:
            name = names.get(table, table)
            contract = by_table.get(table)
            if contract is not None:
                out.append(_judge_loads(con, validation, home, contract, site, run_id, name))
                continue
            outcomes = validation.run(with_site(suites_for(table), site), run_id)
            store_results(con, run_id, outcomes, dt.datetime.now())
            result = TableOutcome(table, run_id, outcomes, docs_index(home))
            if result.blocking_failures:
                record_failed_checks(con, dagster_run_id, [name])
            out.append(result)
        build_report(con, home)
    return out


def _judge_loads(
    con: duckdb.DuckDBPyConnection,
    validation: Validation,
    home: Home,
    contract: SourceContract,
    site: SiteSeverities,
    run_id: str,
    check_name: str,
) -> TableOutcome:
    outcome = TableOutcome(contract.staging_table, run_id, [], docs_index(home), per_load=True)
    today = dt.date.today()
    for file_id, file_name, rows in con.execute(UNJUDGED_SQL, [contract.source]).fetchall():
        suites = with_site(staging_suites(contract, today, file_id), site)
        found = validation.run(suites, run_name=f"{run_id}-{file_id}")
        explain_loads(con, found)
        store_results(con, run_id, found, dt.datetime.now())
        outcome.outcomes += found
        outcome.judged += 1
        failing = [_why(o) for o in found if not o.success and o.blocking]
        if failing:
            message = hold_load(con, contract, file_id, failing, check_name)
            add_to_receipt(home, contract.department, file_name, file_id, f"Held back: {message}")
            outcome.held.append(HeldLoad(file_id, file_name, int(rows), failing))
        else:
            con.execute(JUDGED_SQL, ["passed", file_id])
    return outcome


def explain_loads(con: duckdb.DuckDBPyConnection, outcomes: Sequence[ExpectationOutcome]) -> None:
    """Add each offending file's commonest quarantine reasons to a failed load expectation."""
    for outcome in outcomes:
        if outcome.success:
            continue
        for example in outcome.examples:
            if isinstance(example, dict) and "file_id" in example:
                rows = con.execute(TOP_REASONS_SQL, [QUOTED, example["file_id"]]).fetchall()
                example["top_reasons"] = [f"{n:,} × {reason}" for reason, n in rows]


def _why(outcome: ExpectationOutcome) -> str:
    """A failed rule in a few words: its name and how many rows, or the value it saw."""
    if outcome.error:
        return f"{outcome.expectation} (could not run: {outcome.error})"
    if outcome.unexpected_count and outcome.rule not in LOAD_RULES:
        return f"{outcome.expectation} ({outcome.unexpected_count:,} rows)"
    seen = [e.get(outcome.column) for e in outcome.examples if isinstance(e, dict)]
    shown = ", ".join(f"{v:.2g}" if isinstance(v, float) else str(v) for v in seen[:1])
    return f"{outcome.expectation} ({shown})" if shown else outcome.expectation


def hold_load(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    file_id: str,
    failures: Sequence[str],
    check_name: str,
) -> str:
    """Take a load's rows back out of staging (the versions it closed are current again),
    keep its quarantined rows and archive, and say so on its run; returns what it says."""
    loaded_at, run_id, name, rows = con.execute(
        "SELECT loaded_at, run_id, file_name, rows_loaded FROM audit.file_loads WHERE file_id = ?",
        [file_id],
    ).fetchall()[0]
    why = "; ".join(failures)
    message = (
        f"{file_id} ({name}, {rows:,} rows) held back by {check_name}: {why}. "
        f"Fix the export and drop it again, or `causeway gate release|quarantine {file_id}`."
    )
    with transaction(con):
        withdraw_rows(con, qualified(contract.staging_table), file_id, loaded_at)
        con.execute(JUDGED_SQL, ["held", file_id])
        con.execute(
            "INSERT INTO audit.file_actions VALUES (?, 'hold', ?, ?, NULL)",
            [file_id, dt.datetime.now(), why],
        )
        con.execute(
            "UPDATE audit.runs SET status = 'blocked', failed_checks = list_distinct("
            "list_concat(coalesce(failed_checks, []), [?])), "
            "message = concat_ws(' ', message, ?) WHERE run_id = ?",
            [check_name, message, run_id],
        )
    return message
