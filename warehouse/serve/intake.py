"""A department's intake for its clerk: the last files it dropped, what each brought in,
and why rows and values were set aside, grouped without the values they quote.

These are counts and value-free reasons (what a receipt holds), so reading them is not a
view of identifiable data; the rows and values themselves are shown only through
`warehouse/serve/identified.py`, logged first. Read from the warehouse read-only: while a
run writes it, DuckDB's lock keeps every other process out, and the page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from connectors.home import Home
from connectors.names import display_name, display_text
from warehouse.ingest import VALUE_FREE

LAST_FILES = 20
FILES_SQL = """
SELECT file_id, file_name, source, status, gate, rows_in, rows_loaded, rows_quarantined,
       fields_set_aside, loaded_at, retracted_at, reason
FROM audit.file_loads
WHERE department = $department AND ($file_id IS NULL OR file_id = $file_id)
ORDER BY loaded_at DESC, file_id DESC LIMIT $last
"""
# Every reason of a quarantined row (a row may have several) and of a value set aside,
# with what it quotes replaced as `VALUE_FREE` says, counted per file.
PROBLEMS_SQL = """
WITH files AS (
    SELECT file_id FROM audit.file_loads
    WHERE department = $department AND ($file_id IS NULL OR file_id = $file_id)
    ORDER BY loaded_at DESC, file_id DESC LIMIT $last
),
reasons AS (
    SELECT file_id, 'rows' AS kind, unnest(reasons) AS reason
    FROM quarantine.rows WHERE file_id IN (SELECT file_id FROM files)
    UNION ALL
    SELECT file_id, 'values' AS kind, reason
    FROM quarantine.fields WHERE file_id IN (SELECT file_id FROM files)
)
SELECT file_id, kind, {problem} AS problem, count(*) AS n
FROM reasons GROUP BY ALL ORDER BY file_id, kind, n DESC, problem
"""


class NoSuchDepartment(LookupError):
    pass


class NoSuchFile(LookupError):
    pass


@dataclass
class IntakeFile:
    """One dropped file: its counts (rows in = loaded + quarantined) and its problems."""

    file_id: str
    file_name: str
    source: str | None
    status: str
    gate: str | None
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    fields_set_aside: int
    loaded_at: dt.datetime
    retracted_at: dt.datetime | None
    reason: str | None
    row_problems: list[tuple[str, int]] = field(default_factory=list)
    value_problems: list[tuple[str, int]] = field(default_factory=list)


def _problem_sql() -> tuple[str, dict[str, str]]:
    expression, params = "reason", {}
    for i, (pattern, words) in enumerate(VALUE_FREE):
        expression = f"regexp_replace({expression}, $pattern{i}, $words{i}, 'g')"
        params |= {f"pattern{i}": pattern, f"words{i}": words}
    return PROBLEMS_SQL.format(problem=expression), params


def department_intake(
    home: Home, department: str, file_id: str | None = None, last: int = LAST_FILES
) -> list[IntakeFile] | None:
    """The department's last files, newest first (or the one `file_id`); None while a run
    holds the warehouse."""
    if department not in home.departments():
        raise NoSuchDepartment(
            f"no department {department!r}; there are {', '.join(home.departments())}"
        )
    params: dict[str, Any] = {"department": department, "file_id": file_id, "last": last}
    problems_sql, patterns = _problem_sql()
    try:
        con = duckdb.connect(str(home.warehouse), read_only=True)
    except duckdb.IOException:
        return None
    with con:
        files = [
            IntakeFile(fid, display_name(name), *rest)
            for fid, name, *rest in con.execute(FILES_SQL, params).fetchall()
        ]
        problems = con.execute(problems_sql, params | patterns).fetchall()
    if file_id is not None and not files:
        raise NoSuchFile(f"{department} has no file {file_id!r}")
    by_id = {f.file_id: f for f in files}
    for fid, kind, problem, n in problems:
        found = by_id[fid]
        (found.row_problems if kind == "rows" else found.value_problems).append(
            (display_text(problem), int(n))
        )
    for f in files:
        f.reason = display_text(f.reason) if f.reason else None
    return files
