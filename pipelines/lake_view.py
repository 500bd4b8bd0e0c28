"""What `causeway lake …` and `causeway query --as-of` print: the commit log, a pull, a
push, a checkout. The work is in warehouse/lake; this module only words it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.text import Text

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE
from pipelines.output import Format, print_rows
from warehouse.lake import (
    PullReport,
    PushReport,
    checkout_publication,
    commits,
    describe,
    open_catalog,
    required_lake,
    resolve,
)


def show_log(console: Console, home: Home, fmt: Format) -> None:
    lake = required_lake(home)
    with open_catalog(lake) as catalog:
        found = [describe(c) for c in reversed(commits(catalog))]
    if not found:
        console.print(Text(f"Nothing was pushed to the lake {lake.shown} yet."))
        return
    columns = list(found[0])
    print_rows(console, columns, [list(r.values()) for r in found], fmt, title=lake.shown)


def show_pull(console: Console, report: PullReport) -> None:
    c = report.commit
    also = (
        f", publication generation {c.publication_generation}" if c.publication_generation else ""
    )
    if report.already:
        console.print(Text(f"Already in step with the lake's commit {c.seq}."))
        return
    console.print(
        Text(
            f"Pulled commit {c.seq} ({c.kind} on {c.host} by {c.account}, "
            f"{c.created_at:%Y-%m-%d %H:%M}): {report.tables} tables, {report.rows:,} rows"
            + also
            + "."
        )
    )
    if report.key_differs:
        console.print(
            Text(
                "Warning: this home's pseudonym key is not the one that commit was published "
                "with; the next publication from here will give every person new published "
                "keys. Set CAUSEWAY_PSEUDONYM_KEY to the writer's key (docs/lake.md).",
                style="yellow",
            )
        )


def show_push(console: Console, report: PushReport) -> None:
    c = report.commit
    if not report.new:
        console.print(Text(f"Nothing changed since the lake's commit {c.seq}: nothing pushed."))
        return
    console.print(
        Text(
            f"Pushed commit {c.seq}: {len(report.written)} table(s) written, {report.kept} "
            f"unchanged, in {report.seconds:.1f} s."
        )
    )


def checkout(home: Home, as_of: str | None, target: Path, mode: int = OWNER_ONLY_FILE) -> str:
    """Write the publication of the commit `as_of` names into `target`; what it was."""
    lake = required_lake(home)
    with open_catalog(lake) as catalog:
        commit = resolve(catalog, as_of)
        if not commit.manifest.publication:
            raise LookupError(f"commit {commit.seq} holds no publication")
        checkout_publication(catalog, commit, target, mode)
    generation = commit.publication_generation
    return f"commit {commit.seq} of {commit.created_at:%Y-%m-%d %H:%M}" + (
        f", publication generation {generation}" if generation else ""
    )
