"""What `causeway run` and `causeway status` report, per department and per file.

File names, departments, reasons and check names are data, escaped before Rich reads
markup: a file named `[bold reverse]x.csv` is printed as it is called, not as a style.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from connectors.home import Home
from connectors.names import display_name, display_text
from pipelines.exit_codes import ExitCode
from pipelines.freshness_view import print_fresh
from pipelines.output import Format, print_rows
from warehouse.db import LoadResult, read_summary
from warehouse.ingest import pending

if TYPE_CHECKING:  # linking is heavy to import; the summary only reads a result's fields
    from pipelines.run_outcome import FailedCheck, HeadlessRun
    from warehouse.linking import LinkResult
    from warehouse.quality import QualityTally

WARNINGS_SHOWN = 5
WIDTH = 100  # the summary stored on a Dagster run is this wide
AFTER_LOAD_FAILURE = (
    "Files finished before the failure stay loaded; the file in progress was rolled back "
    "and stays in its ingest folder."
)
AFTER_FINISH_FAILURE = "What was committed stays; `causeway run` finishes the rest."
HELD_STEP = (
    "What to do: fix the export and drop it again; or let it in as it is with "
    "`causeway gate release F… --reason …`, or set all its rows aside for fixing with "
    "`causeway gate quarantine F… --reason …`."
)
BLOCKED_STEP = "Results: audit.quality_results; the quality report: `causeway docs`."
NOT_PUSHED_STEP = "The next `causeway run` (or `causeway lake push`) commits it."
OUTCOMES = {
    ExitCode.OK: "succeeded",
    ExitCode.FAILED: "failed",
    ExitCode.BLOCKED: "blocked",
    ExitCode.HELD: "held",
    ExitCode.NOT_PUSHED: "not pushed",
}


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
    console.print(BLOCKED_STEP)


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


def next_steps(results: Sequence[LoadResult]) -> list[tuple[str, str]]:
    """What a clerk does about the rows and files this run set aside: (style, text)."""
    rows = sum(r.rows_quarantined for r in results)
    steps = []
    if rows:
        steps.append(
            (
                "",
                f'{rows:,} row(s) set aside: `causeway quarantine --reason "…"` lists them '
                "by file and reason; `--export DIR` writes them as CSVs to fix and drop again.",
            )
        )
    for r in results:
        if r.status == "rejected":
            steps.append(
                (
                    "yellow",
                    f"{display_name(r.file_name)} was rejected ({r.reason or 'unreadable'}): "
                    "fix it and drop it again; its copy and a .reason.txt are in rejected/.",
                )
            )
    return steps


def print_next_steps(console: Console, results: Sequence[LoadResult]) -> None:
    for style, text in next_steps(results):
        console.print(Text(text, style=style), soft_wrap=True)


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
    console.print(HELD_STEP)


def left_for_next_run(home: Home, outcome: HeadlessRun) -> list[str]:
    """The files a run left in the folders it read (department/name): still being written."""
    if outcome.staged is None:
        return [f"{d}/{p.name}" for d, p in pending(home)]
    return [f"{d}/{p.name}" for source in outcome.staged for d, p in pending(home, source)]


def exit_code(outcome: HeadlessRun) -> ExitCode:
    if outcome.blocked:
        return ExitCode.BLOCKED
    if outcome.not_pushed:
        return ExitCode.NOT_PUSHED
    if not outcome.success:
        return ExitCode.FAILED
    return ExitCode.HELD if outcome.held else ExitCode.OK


def print_summary(console: Console, outcome: HeadlessRun) -> ExitCode:
    """The whole story of a pipeline run, what `causeway run` prints and what is stored on
    the Dagster run: the loads and what to do about what was set aside, the link, the
    quality checks, a failure or what the gate held, and whether analytics.duckdb is
    current and when it was published, as read when the run ended (record_summary)."""
    if outcome.loaded_files:
        print_run(console, outcome.results, outcome.left)
        print_next_steps(console, outcome.results)
        print_refused(console, outcome.refused)
    print_link(console, outcome.link)
    print_quality(console, outcome.quality)
    code = exit_code(outcome)
    if code is ExitCode.BLOCKED:
        print_failed_checks(console, outcome.failed_checks)
    elif code is ExitCode.NOT_PUSHED:
        console.print(
            Text.assemble(
                ("Published here, but not committed to the lake: ", "yellow"),
                str(outcome.error),
                f". {NOT_PUSHED_STEP}",
            ),
            soft_wrap=True,
        )
    elif code is ExitCode.FAILED:
        console.print(
            f"[red]The pipeline failed[/red] (Dagster run {outcome.run_id}): "
            f"{escape(str(outcome.error))}"
        )
        console.print(AFTER_LOAD_FAILURE if outcome.loaded_files else AFTER_FINISH_FAILURE)
    elif code is ExitCode.HELD:
        print_held(console, outcome.held)
    print_fresh(console, outcome.fresh)
    return code


def summary_text(outcome: HeadlessRun) -> str:
    """The summary as plain text, as a terminal WIDTH wide would show it."""
    console = Console(record=True, width=WIDTH, file=io.StringIO(), emoji=False)
    print_summary(console, outcome)
    return console.export_text()


def summary_data(outcome: HeadlessRun) -> dict:
    """The same summary as data, for `causeway run --json` and the Dagster run."""
    code = exit_code(outcome)
    steps = [text for _, text in next_steps(outcome.results)]
    steps += {
        ExitCode.BLOCKED: [BLOCKED_STEP],
        ExitCode.HELD: [HELD_STEP],
        ExitCode.NOT_PUSHED: [NOT_PUSHED_STEP],
        ExitCode.FAILED: [AFTER_LOAD_FAILURE if outcome.loaded_files else AFTER_FINISH_FAILURE],
    }.get(code, [])
    tally = outcome.quality
    return {
        "run_id": outcome.run_id,
        "outcome": OUTCOMES[code],
        "exit_code": int(code),
        "files": [_file(r) for r in outcome.results] if outcome.loaded_files else [],
        "left_for_next_run": outcome.left,
        "refused_folders": outcome.refused,
        "link": None if outcome.link is None else _link(outcome.link),
        "quality": {
            "line": quality_line(tally),
            "expectations": tally.expectations,
            "tables": tally.tables,
            "warnings": tally.warnings,
            "blocking_failures": tally.blocking,
            "warned": [{"table": t, "expectation": e, "rows": n} for t, e, n in tally.warned],
        },
        "blocking_checks": [dataclasses.asdict(c) for c in outcome.failed_checks],
        "held": [dataclasses.asdict(c) for c in outcome.held],
        "error": outcome.error,
        "failed_step": outcome.failed_step,
        "analytics": outcome.fresh,
        "next_steps": steps,
    }


def _file(r: LoadResult) -> dict[str, Any]:
    """A file as the audit holds it (the reasons by row are `causeway quarantine`'s)."""
    out = dataclasses.asdict(r)
    out["loaded_at"] = r.loaded_at.isoformat(timespec="seconds")
    for receipt_only in ("top_reasons", "top_fields"):
        out.pop(receipt_only)
    return out


def _link(link: LinkResult) -> dict[str, Any]:
    out = dataclasses.asdict(link)
    out.pop("timings", None)  # a JSON text of its own; link.runs keeps it
    return out


STATUS_COLUMNS = ("department", "waiting", "files", "loaded", "quarantined", "rejected")


def status_data(home: Home) -> dict[str, Any]:
    """What `causeway status` shows, as data: per department the files waiting and what
    is live (files, rows current and quarantined, rejected files), the files set apart,
    and since when the figures stand when a run holds the warehouse."""
    waiting = {d: len(home.pending_files(d)) for d in home.departments()}
    data: dict[str, Any] = {
        "home": str(home.root),
        "refused_folders": dict(home.refused_folders()),
        "warehouse": home.warehouse.exists(),
        "as_of": None,
        "set_apart": [],
    }
    live: dict[str, dict[str, Any]] = {}
    if home.warehouse.exists():
        figures, data["as_of"] = read_summary(home)
        live = {str(r["department"]): r for r in figures["departments"]}
        data["set_apart"] = figures["set_apart"]
    data["departments"] = [
        {
            "department": d,
            "waiting": waiting.get(d, 0),
            **{k: live.get(d, {}).get(k, 0) for k in ("files", "loaded", "quarantined")},
            "rejected": live.get(d, {}).get("rejected", 0),
            "in_warehouse": d in live,
        }
        for d in sorted(set(waiting) | set(live))
    ]
    return data


def print_status(console: Console, home: Home) -> None:
    data = status_data(home)
    waiting = Table(title=f"Ingest folders under {escape(str(home.root))}")
    waiting.add_column("Department")
    waiting.add_column("Files waiting", justify="right")
    for r in data["departments"]:
        if r["department"] in home.departments():
            waiting.add_row(escape(r["department"]), str(r["waiting"]))
    console.print(waiting)
    print_refused(console, data["refused_folders"])
    if not data["warehouse"]:
        console.print("No warehouse yet: run `causeway run`.")
        return
    as_of = data["as_of"]
    title = (
        "Live now" if as_of is None else f"Live as of {escape(str(as_of))} (a run is in progress)"
    )
    loaded = Table(title=title)
    for name in ("Department", "Files", "Rows current", "Rows quarantined", "Rejected files"):
        loaded.add_column(name, justify="left" if name == "Department" else "right")
    for r in data["departments"]:
        if not r["in_warehouse"]:
            continue
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
    total = sum(r["waiting"] for r in data["departments"])
    console.print(
        f"{total} file(s) waiting." if total else "Nothing waiting in the ingest folders."
    )


def print_set_apart(console: Console, files: Sequence[Mapping[str, object]]) -> None:
    """Files none of whose rows is live any more: retracted, reprocessed or replaced.
    Their IDs and names are kept whole and the reason folds (pipelines/output.py)."""
    print_rows(
        console,
        ["File", "Department", "Name", "Rows loaded then", "What happened"],
        [
            [f["file_id"], f["department"], f["file_name"], f"{f['rows_loaded']:,}", f["happened"]]
            for f in files
        ],
        Format.table,
        title="Retracted and superseded files (not counted above)",
    )
