"""The quality report: one HTML page per home, built from `audit.quality_results`, that
renders on a server with no internet (a district's data centre) — no script, no font, no
stylesheet from anywhere but the page itself.

GX's Data Docs load Bootstrap, jQuery, Vega and a logo from eight CDNs and show an empty
list offline; this page shows, for the newest runs, every table's expectations with their
severity and outcome, the failures with example values, and each expectation's trend over
those runs. The examples are personal data: the page lives in the owner-only docs folder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape

from connectors.home import Home
from connectors.modes import open_private

TEMPLATES = Path(__file__).with_name("templates")
REPORT = "report.html"
RUNS_SHOWN = 10
RUNS_SQL = """
SELECT run_id, max(checked_at) AS last_checked FROM audit.quality_results
GROUP BY run_id ORDER BY last_checked DESC, run_id LIMIT ?
"""
RESULTS_SQL = """
SELECT run_id, table_name, expectation, severity, success, element_count, unexpected_count,
       observed_value, examples, error
FROM audit.quality_results WHERE run_id IN (SELECT unnest(?::VARCHAR[]))
ORDER BY table_name, severity, expectation
"""


@dataclass
class Line:
    table: str
    expectation: str
    severity: str
    success: bool
    checked: int | None
    unexpected: int | None
    observed: str | None
    examples: list
    error: str | None
    trend: list[str] = field(default_factory=list)  # newest last: pass, fail or "" (not run)


@dataclass
class RunReport:
    run_id: str
    at: dt.datetime
    lines: list[Line]

    @property
    def failed(self) -> list[Line]:
        return [x for x in self.lines if not x.success]

    @property
    def tables(self) -> list[str]:
        return sorted({x.table for x in self.lines})

    def count(self, severity: str) -> int:
        return sum(1 for x in self.failed if x.severity == severity)


def report_path(home: Home) -> Path:
    return home.quality_docs / REPORT  # beside the Data Docs' site/ (TableOutcome.report)


def build_report(con: duckdb.DuckDBPyConnection, home: Home, runs: int = RUNS_SHOWN) -> Path:
    """Render the report of the newest `runs` runs from the warehouse `con` is open on."""
    newest = con.execute(RUNS_SQL, [runs]).fetchall()
    ids = [r for r, _ in newest]
    by_run: dict[str, list[Line]] = defaultdict(list)
    outcome: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    for run_id, *values, examples, error in con.execute(RESULTS_SQL, [ids]).fetchall():
        shown = [_shown(e) for e in json.loads(examples)] if examples else []
        line = Line(*values, shown, error)
        by_run[run_id].append(line)
        key = (line.table, line.expectation)
        outcome[key][run_id] = outcome[key].get(run_id, True) and line.success
    oldest_first = list(reversed(ids))
    for lines in by_run.values():
        for line in lines:
            seen = outcome[(line.table, line.expectation)]
            line.trend = [
                "" if r not in seen else "pass" if seen[r] else "fail" for r in oldest_first
            ]
    reports = [RunReport(r, at, by_run[r]) for r, at in newest]
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(reports=reports, made=dt.datetime.now().replace(microsecond=0), runs=runs)
    )
    path = report_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_private(path, encoding="utf-8") as out:
        out.write(page)
    return path


def _shown(example: object) -> str:
    """An example as text: a value as it is, a row as JSON with its characters unescaped."""
    if isinstance(example, str):
        return example
    return json.dumps(example, ensure_ascii=False, default=str)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
