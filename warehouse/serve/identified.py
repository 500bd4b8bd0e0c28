"""The other views of identifiable data: a person's records (`causeway explain`) and the
quarantined rows and set-aside values (`causeway quarantine`), which quote names, ID
numbers and phones. Each is read in a logged session and logged before it is returned,
as break-glass is; if the entry cannot be written, nothing is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.home import Home
from warehouse.ingest import (
    count_set_aside,
    export_fields,
    export_quarantine,
    file_known,
    files_set_aside,
    quarantine_rows,
    set_aside_fields,
    set_aside_summary,
)
from warehouse.linking import Explanation, explain
from warehouse.serve.access_log import check_reason, log_access, logged_session
from warehouse.serve.intake import NoSuchFile

READ_WAIT = 60.0  # seconds a view waits for a run's step to release the warehouse


@dataclass
class Exported:
    files: list[tuple[Path, int]] = field(default_factory=list)
    values: Path | None = None


def explain_person(
    home: Home, person_id: str, reason: str, wait: float | None = None, on_wait: Any = None
) -> Explanation:
    """A person's golden record, source records and link history, logged (also when no
    such person exists: the attempt is an access too)."""
    check_reason(reason)
    with logged_session(home, READ_WAIT if wait is None else wait, on_wait) as con:
        found = explain(con, list(home.contracts().values()), person_id)
        log_access(
            con,
            reason=reason,
            action="explain",
            target=person_id,
            building_id=None,
            person_ids=[str(found.person["person_id"])] if found.person else [],
            rows_shown=len(found.records),
        )
    return found


@dataclass
class Quarantined:
    """What `causeway quarantine` shows: counts by department, file and reason, then the
    first `limit` rows (or values) of `total`."""

    summary: list[tuple]
    rows: list[tuple]
    total: int


def quarantined(
    home: Home,
    reason: str,
    file_id: str | None = None,
    fields: bool = False,
    wait: float | None = None,
    on_wait: Any = None,
    limit: int | None = None,
) -> Quarantined:
    """The quarantined rows (or, with `fields`, the values set aside), the first `limit`
    of them, with their summary; logged before they are returned."""
    check_reason(reason)
    with logged_session(home, READ_WAIT if wait is None else wait, on_wait) as con:
        if file_id is not None and not file_known(con, file_id):
            having = files_set_aside(con)
            raise NoSuchFile(
                f"no file {file_id} in audit.file_loads; "
                + (
                    f"files with rows or values set aside: {', '.join(having)}"
                    if having
                    else "no file has rows or values set aside"
                )
                + " (`causeway status` lists every file)"
            )
        rows_total, values_total = count_set_aside(con, file_id)
        total = values_total if fields else rows_total
        shown = total if limit is None else min(limit, total)
        log_access(
            con,
            reason=reason,
            action="quarantine fields" if fields else "quarantine",
            target=file_id or "all",
            building_id=None,
            person_ids=[],
            rows_shown=shown,
        )
        read = set_aside_fields if fields else quarantine_rows
        return Quarantined(
            summary=set_aside_summary(con, file_id, fields),
            rows=read(home, file_id, con, limit),
            total=total,
        )


@dataclass
class SetAside:
    """One file's quarantined rows and set-aside values, as far as a page shows them."""

    rows: list[tuple]
    values: list[tuple]
    rows_total: int
    values_total: int


def set_aside_in_file(
    home: Home,
    file_id: str,
    reason: str,
    limit: int,
    account: str | None = None,
    wait: float | None = None,
) -> SetAside:
    """A file's quarantined rows (row, reasons) and set-aside values (row, record, field,
    value, reason), the first `limit` of each, in one session logged before they return."""
    check_reason(reason)
    with logged_session(home, READ_WAIT if wait is None else wait, None) as con:
        rows_total, values_total = count_set_aside(con, file_id)
        log_access(
            con,
            reason=reason,
            action="quarantine view",
            target=file_id,
            building_id=None,
            person_ids=[],
            rows_shown=min(rows_total, limit) + min(values_total, limit),
            account=account,
        )
        rows = quarantine_rows(home, file_id, con, limit)
        values = set_aside_fields(home, file_id, con, limit)
    return SetAside(rows, values, rows_total, values_total)


def export_quarantined(
    home: Home,
    folder: Path,
    reason: str,
    file_id: str | None = None,
    wait: float | None = None,
    on_wait: Any = None,
    account: str | None = None,
) -> Exported:
    """The quarantined rows and set-aside values written as CSVs into `folder`, logged
    before the first file is written (under the web `account`, when one asked)."""
    check_reason(reason)
    with logged_session(home, READ_WAIT if wait is None else wait, on_wait) as con:
        count = sum(count_set_aside(con, file_id))
        log_access(
            con,
            reason=reason,
            action="quarantine export",
            target=f"{file_id or 'all'} to {folder}",
            building_id=None,
            person_ids=[],
            rows_shown=count,
            account=account,
        )
        files = list(export_quarantine(home, folder, file_id, con))
        values = export_fields(home, folder, file_id, con)
    return Exported(files, values)
