"""`audit.quality_results`: every expectation's outcome, kept in the warehouse it checked."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from warehouse.quality.rules import Severity


@dataclass
class ExpectationOutcome:
    """What one expectation found; `examples` are a few offending values or rows."""

    table: str
    suite: str
    expectation: str
    expectation_type: str
    column: str | None
    rule: str
    severity: Severity
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def summary(self) -> str:
        """One line for logs and the CLI: what failed, how often, and an example."""
        text = f"{self.table}: {self.expectation}"
        if self.error:
            return f"{text} (could not run: {self.error})"
        if self.unexpected_count:
            text += f" ({self.unexpected_count:,} unexpected"
        elif self.observed_value is not None:
            text += f" (observed {_short(self.observed_value)}"
        else:
            text += " ("
        if self.examples:
            text += f"; e.g. {_short(self.examples[0])}"
        return text + ")"


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def store_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    outcomes: Sequence[ExpectationOutcome],
    checked_at: dt.datetime,
) -> None:
    rows = [
        [
            run_id,
            o.table,
            o.suite,
            o.expectation,
            o.expectation_type,
            o.column,
            o.rule,
            o.severity.value,
            o.success,
            o.element_count,
            o.unexpected_count,
            None if o.observed_value is None else _short(o.observed_value, 2000),
            json.dumps(o.examples, ensure_ascii=False, default=str) if o.examples else None,
            o.error,
            checked_at,
        ]
        for o in outcomes
    ]
    if rows:
        con.executemany(f"INSERT INTO audit.quality_results VALUES ({', '.join(['?'] * 15)})", rows)


def record_failed_checks(
    con: duckdb.DuckDBPyConnection, dagster_run_id: str | None, checks: Sequence[str]
) -> None:
    """Name failed blocking checks on the `audit.runs` rows of the Dagster run that loaded."""
    if not dagster_run_id or not checks:
        return
    con.execute(
        "UPDATE audit.runs SET failed_checks = list_distinct(list_concat("
        "coalesce(failed_checks, []), ?::VARCHAR[])) WHERE dagster_run_id = ?",
        [list(checks), dagster_run_id],
    )
