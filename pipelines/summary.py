"""What `causeway run` and `causeway status` report, per department and per file.

File names, departments, reasons and check names are data, escaped before Rich reads
markup: a file named `[bold reverse]x.csv` is printed as it is called, not as a style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from connectors.home import Home
from connectors.names import display_name, display_text
from warehouse.db import LoadResult, read_summary

if TYPE_CHECKING:  # linking is heavy to import; the summary only reads a result's fields
    from warehouse.linking import LinkResult
    from warehouse.quality import QualityTally

WARNINGS_SHOWN = 5


@dataclass
class FailedCheck:
    """A blocking quality check that failed, and what it found."""

    name: str
    failures: list[str] = field(default_factory=list)


def ever_loaded(home: Home) -> bool:
    """True once a warehouse or a demo has been made here, even if the ingest folders are empty."""
    return home.warehouse.exists() or (home.demo_truth / "meta.json").exists()


def print_run(console: Console, results: Sequence[LoadResult], left: Sequence[str] = ()) -> None:
    """Per department: files, rows loaded and quarantined; then every rejected file's reason
    and the files `left` in the ingest folders (department/name) for the next run."""
    for name in left:
        console.print(
            f"[yellow]still being written[/yellow] {escape(display_name(name))}: "
            "left for the next run"
        )
    if not results:
        console.print(
            "Nothing new in the ingest folders: nothing to do."
            if not left
            else "No other file was waiting: nothing loaded."
        )
        return
    table = Table(title="This run")
    for name in (
        "Department",
        "Files",
        "Rows loaded",
        "Rows quarantined",
        "Rejected",
        "Duplicates",
    ):
        table.add_column(name, justify="left" if name == "Department" else "right")
    for department in sorted({r.department for r in results}):
        mine = [r for r in results if r.department == department]
        table.add_row(
            escape(department),
            str(len(mine)),
            f"{sum(r.rows_loaded for r in mine):,}",
            f"{sum(r.rows_quarantined for r in mine):,}",
            str(sum(r.status == "rejected" for r in mine)),
            str(sum(r.status == "duplicate" for r in mine)),
        )
    console.print(table)
    for r in results:
        if r.status == "rejected":
            console.print(
                f"[red]rejected[/red] "
                f"{escape(f'{r.department}/{display_name(r.file_name)} ({r.file_id}): ')}"
                f"{escape(display_text(r.reason or ''))}"
            )


def print_refused(console: Console, refused: Mapping[str, str]) -> None:
    """Departments whose folder is refused (a symbolic link): nothing in it was touched."""
    for department, why in refused.items():
        console.print(f"[red]refused folder[/red] {department}: ", end="")
        console.print(display_text(why), markup=False)


def print_link(console: Console, link: LinkResult | None) -> None:
    """One paragraph on what linking did: people, how records were linked, ID changes."""
    if link is None:
        return
    console.print(
        f"Linked ({link.mode}, {link.seconds:.1f} s): {link.persons:,} people from "
        f"{link.mentions:,} records ({link.new_mentions:,} new or changed: "
        f"{link.linked_by_id:,} by ID number, {link.linked_by_model:,} by the model, "
        f"{link.unlinked:,} matching no one); {link.buildings:,} buildings, "
        f"{link.dwellings:,} dwellings."
    )
    console.print(
        f"Person IDs: {link.ids_created:,} created, {link.ids_merged:,} merged, "
        f"{link.ids_split:,} split, {link.ids_retired:,} retired."
    )
    if link.labels_checked:
        agree = link.labels_checked - link.labels_disagreeing
        line = f"Reviewers' labels: the new model agrees with {agree:,} of {link.labels_checked:,}"
        if link.labels_past_limit:
            console.print(
                f"[yellow]{line}; more disagree than review.label_disagreement allows[/yellow]"
                " (the decisions still bind: `causeway review accuracy`)."
            )
        else:
            console.print(f"{line}.")


def print_failed_checks(console: Console, checks: Sequence[FailedCheck]) -> None:
    """Blocking quality checks that failed, each with what it found."""
    console.print(
        f"[red]{len(checks)} blocking quality check(s) failed[/red]; the assets after them "
        "were not built:"
    )
    for check in checks:
        console.print(f"  [red]✗[/red] {escape(check.name)}")
        for line in check.failures:
            console.print(f"      {line}", markup=False)
    console.print("Results: audit.quality_results; Data Docs: `causeway docs`.")


def quality_line(tally: QualityTally) -> str:
    """One line for the quality checks of a run (also the run's tag in the Dagster UI)."""
    if not tally.expectations:
        return "no quality checks ran"
    return (
        f"{tally.expectations:,} expectation(s) on {tally.tables} table(s): "
        f"{tally.warnings} warning(s), {tally.blocking} blocking failure(s)"
    )


def print_quality(console: Console, tally: QualityTally) -> None:
    """The quality line, the warnings by table, and where the report is."""
    console.print(Text(f"Quality: {quality_line(tally)}."))
    for table, expectation, rows in tally.warned[:WARNINGS_SHOWN]:
        found = "" if rows is None else f" ({rows:,} row(s))"
        console.print(Text(f"  warning: {table}: {expectation}{found}", style="yellow"))
    if len(tally.warned) > WARNINGS_SHOWN:
        console.print(Text(f"  … and {len(tally.warned) - WARNINGS_SHOWN} more warning(s)"))
    if tally.expectations:
        console.print(Text("The quality report: `causeway docs` prints where it is."))


def print_next_steps(console: Console, results: Sequence[LoadResult]) -> None:
    """What a clerk does about the rows and files this run set aside."""
    rows = sum(r.rows_quarantined for r in results)
    rejected = [r for r in results if r.status == "rejected"]
    if rows:
        console.print(
            Text(
                f'{rows:,} row(s) set aside: `causeway quarantine --reason "…"` lists them '
                "by file and reason; `--export DIR` writes them as CSVs to fix and drop again."
            ),
            soft_wrap=True,
        )
    for r in rejected:
        console.print(
            Text(
                f"{display_name(r.file_name)} was rejected ({r.reason or 'unreadable'}): fix it "
                "and drop it again; its copy and a .reason.txt are in rejected/.",
                style="yellow",
            ),
            soft_wrap=True,
        )


def print_held(console: Console, held: Sequence[FailedCheck]) -> None:
    """Loads the quality gate held back, and what an operator can do about each."""
    loads = [line for check in held for line in check.failures]
    console.print(
        f"[yellow]{len(loads)} load(s) held back by the quality gate[/yellow]; everything else "
        "was linked and published, and each held source keeps its last good state:"
    )
    for line in loads:
        console.print("  [yellow]![/yellow] ", end="")
        console.print(line, markup=False)
    console.print(
        "What to do: fix the export and drop it again; or let it in as it is with "
        "`causeway gate release F… --reason …`, or set all its rows aside for fixing with "
        "`causeway gate quarantine F… --reason …`."
    )


def print_status(console: Console, home: Home) -> None:
    waiting = Table(title=f"Ingest folders under {escape(str(home.root))}")
    waiting.add_column("Department")
    waiting.add_column("Files waiting", justify="right")
    total = 0
    for department in home.departments():
        files = home.pending_files(department)
        total += len(files)
        waiting.add_row(escape(department), str(len(files)))
    console.print(waiting)
    print_refused(console, home.refused_folders())
    if not home.warehouse.exists():
        console.print("No warehouse yet: run `causeway run`.")
        return
    data, as_of = read_summary(home)
    title = (
        "Live now" if as_of is None else f"Live as of {escape(str(as_of))} (a run is in progress)"
    )
    loaded = Table(title=title)
    for name in ("Department", "Files", "Rows current", "Rows quarantined", "Rejected files"):
        loaded.add_column(name, justify="left" if name == "Department" else "right")
    for r in data["departments"]:
        loaded.add_row(
            escape(str(r["department"])),
            str(r["files"]),
            f"{r['loaded']:,}",
            f"{r['quarantined']:,}",
            str(r["rejected"]),
        )
    console.print(loaded)
    if data["set_apart"]:
        print_set_apart(console, data["set_apart"])
    console.print(
        f"{total} file(s) waiting." if total else "Nothing waiting in the ingest folders."
    )


def print_set_apart(console: Console, files: Sequence[Mapping[str, object]]) -> None:
    """Files none of whose rows is live any more: retracted, reprocessed or replaced."""
    apart = Table(title="Retracted and superseded files (not counted above)")
    for name in ("File", "Department", "Name", "Rows loaded then", "What happened"):
        apart.add_column(name, justify="right" if name == "Rows loaded then" else "left")
    for f in files:
        apart.add_row(
            escape(str(f["file_id"])),
            escape(str(f["department"])),
            escape(str(f["file_name"])),
            f"{f['rows_loaded']:,}",
            escape(str(f["happened"])),
        )
    console.print(apart)
