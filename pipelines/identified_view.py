"""What `causeway explain`, `causeway quarantine` and `causeway access-log` print.

The first two show identifiable data, so they print only what the warehouse returned after
logging the access: any failure (no reason, a run holding the warehouse, a log that cannot
be written) prints why and nothing else. Every value is printed as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import typer
from rich.console import Console
from rich.text import Text

from connectors.home import Home
from pipelines.exit_codes import ExitCode
from pipelines.output import Format, folding, print_rows
from warehouse.db import BusyWarehouse, WriterBusy
from warehouse.serve import (
    NoSuchFile,
    ReasonRefused,
    explain_person,
    export_quarantined,
    quarantined,
    read_access_log,
)

EXIT_REFUSED = ExitCode.NOT_FOUND
WEIGHTS = (
    "A match weight is bits of evidence: each bit doubles the odds that two records are one "
    "person, so +10 multiplies them by about 1,000 and -10 divides them by as much."
)
EXIT_FAILED = ExitCode.FAILED
EXIT_BUSY = ExitCode.BUSY
T = TypeVar("T")


def logged(console: Console, read: Callable[[], T]) -> T:
    """`read()`, or, when it fails, a line saying why nothing is shown and an exit."""
    try:
        return read()
    except (ReasonRefused, FileNotFoundError, NoSuchFile) as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from None
    except WriterBusy as busy:
        console.print(
            Text(
                f"A run is writing the warehouse and did not finish within {busy.waited:g} s; "
                "nothing is shown. Try again shortly.",
                style="red",
            ),
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_BUSY) from None
    except duckdb.IOException:
        console.print("The warehouse is busy with a run; try again when it finishes.")
        raise typer.Exit(EXIT_BUSY) from None
    except duckdb.Error as exc:
        console.print(
            Text(
                "Nothing is shown: the access could not be read and logged "
                f"({type(exc).__name__}: {exc}).",
                style="red",
            ),
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FAILED) from None


def _say(message: str) -> None:
    """Waiting messages go to the terminal's error stream, never among the data."""
    Console(stderr=True).print(Text(message, style="yellow"))


def show_explanation(console: Console, home: Home, person_id: str, reason: str) -> None:
    """A person's golden record, records with the evidence of each link, and ID history."""
    found = logged(console, lambda: explain_person(home, person_id, reason, on_wait=_say))
    if found.person is None:
        known = (
            f"person IDs run from {found.known[0]} to {found.known[1]} ({found.known[2]:,} people)"
            if found.known and found.known[2]
            else "no one is linked yet"
        )
        console.print(Text(f"No person {person_id} in the warehouse: {known}."), soft_wrap=True)
        raise typer.Exit(ExitCode.NOT_FOUND)
    p = found.person
    console.print(
        Text.assemble(
            (str(p["person_id"]), "bold"),
            f" {p['name']}  sex {p['sex']}  born {p['birth_date']}  phone {p['phone']}  "
            f"dwelling {p['dwelling_id']}  ID {p['id_number'] or '—'}",
        )
    )
    for warning in found.warnings:
        console.print(Text(f"Warning: {warning}", style="yellow"), soft_wrap=True)
    console.print(Text(found.chain), soft_wrap=True)
    table = folding(
        "Department / source",
        "Record",
        "Role",
        "As written",
        "Address",
        "Linked because",
        title=f"{len(found.records)} record(s)",
    )
    for r in found.records:
        written = " ".join(
            str(v) for v in (r["name"], r["birth_date"], r["phone"], r["id_number"]) if v
        )
        reason_ = r["match_reason"] if not r["evidence"] else f"p = {r['match_probability']:.6f}"
        address = " ".join(
            str(v) for v in (r["community"], r["building_no"], r["unit_no"], r["room_no"]) if v
        )
        cells = (
            f"{r['department']} / {r['source']}",
            r["source_record_id"],
            r["role"],
            written,
            address,
        )
        table.add_row(*(Text(str(c)) for c in (*cells, reason_)))
    console.print(table)
    for r in found.records:
        if not r["evidence"]:
            continue
        console.print(
            Text(
                f"{r['source']} {r['source_record_id']}: best match {r['via_source']} "
                f"{r['via_record_id']}; {weight_in_words(r['match_weight'])}"
            ),
            soft_wrap=True,
        )
        for e in r["evidence"]:
            console.print(Text(f"    {e['comparison']:<11} {e['level']:<22} {e['weight']:+6.1f}"))
    if any(r["evidence"] for r in found.records):
        console.print(Text(WEIGHTS, style="dim"), soft_wrap=True)
    for h in found.history:
        console.print(
            Text(
                f"{h['recorded_at']:%Y-%m-%d %H:%M} {h['event']} {h['related_person_id'] or ''} "
                f"({h['records']} record(s), {h['link_run_id']})"
            )
        )


def weight_in_words(weight: float | None) -> str:
    """What a match weight means to a clerk: 2^weight is how much likelier the records'
    agreements and differences are if they are one person than if they are two."""
    if weight is None:
        return "no weight (not a model link)"
    odds = 2 ** abs(weight)
    shown = f"{odds:,.0f}" if odds >= 10 else f"{odds:.1f}"
    likelier = (
        "if these are one person than if they are two"
        if weight >= 0
        else "if these are two people than if they are one"
    )
    return f"weight {weight:+.1f}: what the records share is {shown} times more likely {likelier}"


ROW_COLUMNS = ("file_id", "source", "original_row", "reasons")
VALUE_COLUMNS = ("file_id", "file_name", "original_row", "record_id", "field", "value", "reason")
SUMMARY_COLUMNS = ("department", "file_id", "file_name", "reason", "count")


def show_quarantine(
    console: Console,
    home: Home,
    reason: str,
    file_id: str | None,
    fields: bool,
    export: Path | None,
    limit: int | None = 20,
    fmt: Format = Format.table,
) -> None:
    """The counts by department, file and reason, then the first `limit` quarantined rows
    or set-aside values (all with `limit` None), or their CSVs written. CSV and JSON hold
    the rows only, for scripts."""
    if export:
        done = logged(
            console, lambda: export_quarantined(home, export, reason, file_id, on_wait=_say)
        )
        for path, count in done.files:
            console.print(Text(f"{path}: {count} row(s)"))
        if done.values:
            console.print(Text(f"{done.values}: the values set aside from loaded rows"))
        return
    found = logged(
        console, lambda: quarantined(home, reason, file_id, fields, on_wait=_say, limit=limit)
    )
    if fields:
        rows = list(found.rows)
        columns, title = VALUE_COLUMNS, "Values set aside (their rows are loaded)"
    else:
        rows = [(f, source, row, "; ".join(reasons)) for f, source, row, reasons in found.rows]
        columns, title = ROW_COLUMNS, "Quarantined rows"
    if fmt is not Format.table:
        print_rows(console, columns, rows, fmt)
        return
    what = "values set aside" if fields else "quarantined rows"
    if not found.total:
        console.print(Text(f"No {what}" + (f" in {file_id}." if file_id else ".")))
        return
    print_rows(
        console, SUMMARY_COLUMNS, found.summary, fmt, title=f"{found.total:,} {what}, by reason"
    )
    print_rows(console, columns, rows, fmt, title=title)
    if len(rows) < found.total:
        console.print(
            Text(
                f"Showing {len(rows):,} of {found.total:,} {what}: --limit N or --all for more; "
                "--export DIR writes them all as CSVs a clerk can fix and drop again."
            ),
            soft_wrap=True,
        )


LOG_HEADINGS = (
    "when", "user", "sudo_user", "host", "action", "target", "reason", "persons", "rows",
)  # fmt: skip


def show_access_log(
    console: Console, home: Home, since: dt.datetime | None, user: str | None, fmt: Format
) -> None:
    """Who read identifiable data, when, why and how much, oldest first."""
    try:
        entries = read_access_log(home, since, user)
    except BusyWarehouse as exc:
        console.print(Text(str(exc), style="red"))
        raise typer.Exit(EXIT_BUSY) from None
    rows = [
        (
            e["accessed_at"].isoformat(sep=" ", timespec="seconds"),
            e["user_name"],
            e["sudo_user"],
            e["host"],
            e["action"],
            e["target"]
            if e["building_id"] in (None, e["target"])
            else f"{e['target']} ({e['building_id']})",
            e["reason"],
            e["persons"],
            e["rows_shown"],
        )
        for e in entries
    ]
    print_rows(console, LOG_HEADINGS, rows, fmt, title=f"{len(rows)} access(es) logged")
