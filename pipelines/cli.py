"""The `causeway` command line: one entry point for clerks, engineers and analysts."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from connectors.home import HOME_ENV, Home
from connectors.modes import restrict_umask
from connectors.names import display_name
from pipelines import summary
from pipelines.exit_codes import ExitCode, help_epilog
from pipelines.freshness_view import freshness, print_freshness, print_undone
from pipelines.output import Format, print_rows
from warehouse.db import LoadResult, warehouse_freshness
from warehouse.lake import LakeConfigError, LakeUnavailable
from warehouse.linking import ENGINES
from warehouse.publish import SandboxLimits

if TYPE_CHECKING:
    from pipelines.headless import HeadlessRun

app = typer.Typer(
    help="Causeway joins a district's department exports into one privacy-graded warehouse.",
    epilog=help_epilog(),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(emoji=False)  # data may hold :name: too


@app.callback()
def _every_command() -> None:
    # Owner-only by construction (connectors/modes.py): whatever this process, DuckDB or a
    # child creates. A run stopped with SIGTERM (a service stop, a timeout) unwinds like
    # Ctrl-C, so its work files (copies of department files) are removed on the way out.
    restrict_umask()
    if threading.current_thread() is threading.main_thread():  # signals go to that thread
        signal.signal(signal.SIGTERM, signal.default_int_handler)


HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar=HOME_ENV, help="Data home (default ./data).", show_default=False),
]
DEFAULT_PERSONS = 20_000
DEFAULT_SEED = 8  # the 20k district the browser and Spark tests build (and the README's)
UI_HOST = "127.0.0.1"
EXIT_FAILED = ExitCode.FAILED
SANDBOX = SandboxLimits()


def _say(message: str) -> None:
    """A message made of data (paths, names), printed as it is, never read as markup."""
    console.print(Text(message))


def _home(home: Path | None, create: bool = False) -> Home:
    """The data home, laid out, and named in the environment of anything this process starts
    (Dagster reads its instance from DAGSTER_HOME). Only `demo` and `init` make a new one:
    a mistyped --home is refused, not answered from an empty home made on the spot."""
    place = Home.resolve(home)
    if not create and not place.root.is_dir():
        named_by = (
            f"${HOME_ENV}"
            if os.environ.get(HOME_ENV) and Path(os.environ[HOME_ENV]) == home
            else "--home"
            if home is not None
            else "the default, ./data"
        )
        _say(
            f"No data home at {place.root} ({named_by}). `causeway init --home {place.root}` "
            f"makes an empty one; `causeway demo --home {place.root}` one with a demo district."
        )
        raise typer.Exit(ExitCode.NOT_FOUND)
    place.ensure()
    os.environ[HOME_ENV] = str(place.root)
    os.environ["DAGSTER_HOME"] = str(place.dagster)
    return place


@app.command()
def demo(
    home: HomeOption = None,
    persons: Annotated[int | None, typer.Option(help="Residents in the district.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; same seed, same data.")] = None,
    batch: Annotated[int, typer.Option(help="1: first exports; 2: next month's.")] = 1,
    only_if_new: Annotated[
        bool, typer.Option("--only-if-new", help="Do nothing if this home was ever loaded.")
    ] = False,
    health_db: Annotated[
        str | None,
        typer.Option(
            "--health-db",
            envvar="CAUSEWAY_HEALTH_DB",
            help="PostgreSQL URL (postgresql+psycopg://…): health becomes a database source.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a synthetic district's department exports into the ingest folders, with truth.

    With --health-db, the health centre's records go into table health.residents of that
    PostgreSQL database instead of a GBK file, and a contract in <home>/contracts/ reads
    it from there (set CAUSEWAY_HEALTH_DB to the same URL for `causeway run`).
    """
    from demo import generate
    from demo.api import previous_meta

    place = _home(home, create=True)
    if only_if_new and summary.ever_loaded(place):
        console.print(
            f"[dim]{escape(str(place.root))} already holds data; no demo generated.[/dim]"
        )
        return
    meta = previous_meta(place.demo_truth) or {}
    persons = persons or meta.get("persons") or DEFAULT_PERSONS
    seed = seed if seed is not None else meta.get("seed", DEFAULT_SEED)
    from pipelines.run_progress import Told

    doing = f"Building a district of {persons:,} residents (seed {seed}, batch {batch})"
    with Told(console, doing) as tell:
        try:
            result = generate(
                place.ingest, place.demo_truth, persons, seed, batch, health_db, on_progress=tell
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    if health_db:
        from demo.health_db import URL_ENV, write_contract

        contract = write_contract(place.contracts_dir)
        console.print(f"  health reads its database: {escape(str(contract))}")
        if os.environ.get(URL_ENV) != health_db:
            console.print(f"  [yellow]export {URL_ENV}=<the same URL> before `causeway run`[/]")
    for name, rows in result.files.items():
        shown = name if "(database)" in name else "ingest/" + name
        console.print(f"  {escape(shown)}: {rows:,} rows")
    console.print(
        f"Demo batch {batch} written in {result.seconds:.1f} s; truth in "
        f"{escape(str(result.truth_dir))}"
    )


@app.command()
def init(home: HomeOption = None) -> None:
    """Make an empty data home: the ingest folders of every department, owner-only folders
    for what holds personal data (docs/file_modes.md). A home that exists is kept as it is."""
    existed = Home.resolve(home).root.is_dir()
    place = _home(home, create=True)
    if existed:
        _say(f"{place.root} is already a data home: nothing changed but missing folders.")
        return
    _say(f"Made a data home at {place.root}. Drop department exports into:")
    for department in place.departments():
        _say(f"  {place.ingest_dir(department)}")


@app.command()
def run(
    home: HomeOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress lines, only the summary.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the summary as one JSON object and nothing else (no progress); the "
            "exit code is the same.",
        ),
    ] = False,
) -> None:
    """Process everything pending in the ingest folders, headless, and print a summary.

    The work runs as a Dagster run on the instance under the data home, so the UI shows
    it, with the same summary in the run's log. On a terminal a status line names the
    step in progress; elsewhere (cron, CI, a log) a timestamped line is printed per file
    and per step. With nothing new, it finishes what an earlier run left undone (link,
    quality, marts, publication) before saying so. Exit codes 0, 2, 4, 5 and 6:
    `causeway --help`.
    """
    place = _home(home)
    if not as_json:
        _run(place, quiet, as_json=False)
        return
    # Standard output holds the JSON object alone; what a run says on the way (a pull, a
    # warning, a failure) goes to standard error, and a failure is a JSON object too.
    console.file, console.record = sys.stderr, True
    try:
        _run(place, quiet=True, as_json=True)
    except _Told:
        raise
    except typer.Exit as stop:
        if stop.exit_code:
            told = {"outcome": "failed", "exit_code": int(stop.exit_code)}
            typer.echo(json.dumps({**told, "error": console.export_text().strip()}))
        raise
    finally:
        console.export_text(clear=True)
        console.file, console.record = None, False


class _Told(typer.Exit):
    """An exit after the JSON summary was printed: nothing more goes to standard output."""


def _run(place: Home, quiet: bool, as_json: bool) -> None:
    from pipelines.headless import run_everything
    from warehouse.db import tidy
    from warehouse.ingest import pending

    tidy(place)  # what a killed run left, unless another run is alive
    _catch_up(place)
    databases = sum(c.database is not None for c in place.contracts().values())
    if not pending(place) and not databases:
        summary.print_refused(console, place.refused_folders())
        _finish_undone(place, as_json)
        return
    todo = len(pending(place))
    also = f" and extracting {databases} database source(s)" if databases else ""
    doing = f"Loading {todo} file(s){also}"
    outcome = _watched(place, doing, todo, quiet or as_json, lambda: run_everything(place))
    _conclude(place, outcome, as_json)


def _watched(
    place: Home, doing: str, files: int, quiet: bool, work: Callable[[], HeadlessRun]
) -> HeadlessRun:
    """Run `work` (a pipeline run) with its progress shown (pipelines/run_progress.py)."""
    from pipelines.run_progress import RunProgress

    with RunProgress(place, console, doing, files, quiet):
        try:
            return work()
        except Exception as exc:
            console.print(
                f"[red]The pipeline failed:[/red] {type(exc).__name__}: {escape(str(exc))}"
            )
            raise typer.Exit(EXIT_FAILED) from exc


def _conclude(place: Home, outcome: HeadlessRun, as_json: bool = False) -> None:
    """The end of every pipeline run: its summary (pipelines/summary.py), the one stored on
    the Dagster run too, and its exit code."""
    if as_json:
        typer.echo(json.dumps(outcome.summary, ensure_ascii=False, indent=2, default=str))
        if outcome.summary["exit_code"]:
            raise _Told(outcome.summary["exit_code"])
        return
    code = summary.print_summary(console, outcome)
    if code:
        raise typer.Exit(code)


def _finish(
    place: Home, doing: str, link_mode: str = "auto", engine: str = "", as_json: bool = False
) -> None:
    """Link, check, build the marts and publish through the pipeline's own assets, after
    whatever changed the warehouse, and report as `causeway run` does."""
    from pipelines.headless import finish_everything

    outcome = _watched(
        place, doing, 0, as_json, lambda: finish_everything(place, link_mode, engine)
    )
    _conclude(place, outcome, as_json)


def _catch_up(place: Home) -> None:
    """Before a run writes: pull the shared warehouse if this one is behind it."""
    from pipelines.lake_view import show_pull
    from warehouse.lake import LakeDiverged, catch_up

    try:
        result = catch_up(place, on_wait=_say)
    except (LakeDiverged, LakeConfigError) as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    if result.warning:
        console.print(Text(f"Warning: {result.warning}", style="yellow"), soft_wrap=True)
    if result.pulled:
        show_pull(console, result.pulled)


def _finish_undone(place: Home, as_json: bool = False) -> None:
    """`run` with nothing new: finish what an earlier run left undone, if anything."""
    state = warehouse_freshness(place, on_wait=_say)
    if state is None or state.current:
        _push_unpushed(place)
        console.print("Nothing new in the ingest folders: nothing to do.")
        if as_json:
            typer.echo(json.dumps({"outcome": "nothing to do", "exit_code": 0}))
        return
    console.print("Nothing new in the ingest folders; finishing what an earlier run left undone:")
    print_undone(console, state)
    _finish(place, "Finishing the earlier run", as_json=as_json)


def _push_unpushed(place: Home) -> None:
    """A current warehouse the lake does not hold yet (its push failed): push it now."""
    from pipelines.lake_view import show_push
    from warehouse.lake import LakeConflict, push_home, unpushed

    try:
        if unpushed(place):
            show_push(console, push_home(place, on_wait=_say))
    except (LakeUnavailable, LakeConflict) as exc:
        console.print(Text(f"Warning: not pushed: {exc}", style="yellow"), soft_wrap=True)


gate_app = typer.Typer(help="Decide on loads the quality gate held back.", no_args_is_help=True)
app.add_typer(gate_app, name="gate")
FileIdArgument = Annotated[
    str, typer.Argument(help="The held file's receipt number, e.g. F0000012.")
]


@gate_app.command("release")
def gate_release(
    file_id: FileIdArgument,
    reason: Annotated[str, typer.Option(help="Why it may go in as it is, for the audit.")],
    home: HomeOption = None,
) -> None:
    """Let a held load in as it is (loaded again from the archive, recorded with the reason)."""
    from warehouse.ops import release

    result = _gate_decision(release, home, file_id, reason)
    console.print(
        f"{escape(file_id)} released as {result.file_id}: {result.rows_loaded:,} rows loaded."
    )
    _finish(_home(home), "Linking and publishing the released load")


@gate_app.command("quarantine")
def gate_quarantine(
    file_id: FileIdArgument,
    reason: Annotated[str, typer.Option(help="Why its rows are set aside, for the audit.")],
    home: HomeOption = None,
) -> None:
    """Set every row of a held load aside, to export, fix and drop again."""
    from warehouse.ops import quarantine_held

    result = _gate_decision(quarantine_held, home, file_id, reason)
    console.print(
        f"{escape(file_id)}: all {result.rows_quarantined:,} rows set aside as {result.file_id}; "
        f'export them with `causeway quarantine --reason "…" --file {result.file_id} '
        "--export <folder>`."
    )
    _finish(_home(home), "Checking and publishing without the held load")


def _gate_decision(
    decide: Callable[[Home, str, str], LoadResult], home: Path | None, file_id: str, reason: str
) -> LoadResult:
    from warehouse.ops import OperationError

    try:
        return decide(_home(home), file_id, reason)
    except OperationError as exc:
        console.print(Text(str(exc), style="red"))
        raise typer.Exit(ExitCode.NOT_FOUND) from None


@app.command()
def quarantine(
    reason: Annotated[str, typer.Option(help="Why you look (logged with the access).")],
    home: HomeOption = None,
    file: Annotated[str | None, typer.Option("--file", help="Only this file ID.")] = None,
    export: Annotated[
        Path | None, typer.Option(help="Write CSVs a clerk can fix and drop again.")
    ] = None,
    fields: Annotated[
        bool, typer.Option("--fields", help="The values set aside from loaded rows instead.")
    ] = False,
    limit: Annotated[int, typer.Option(min=0, help="Rows shown after the summary.")] = 20,
    every: Annotated[bool, typer.Option("--all", help="Every row, not only --limit.")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="csv and json: the rows only.")] = (
        Format.table
    ),
) -> None:
    """List quarantined rows with their reasons (or, with --fields, the values set aside
    from rows that were loaded), or export both for fixing.

    The rows and reasons quote names, ID numbers and phones, so the access is written to
    audit.access_log before anything is printed or exported.
    """
    from pipelines.identified_view import show_quarantine

    show_quarantine(
        console, _home(home), reason, file, fields, export, None if every else limit, fmt
    )


@app.command()
def retract(
    file_id: Annotated[str, typer.Argument(help="The file's receipt number, e.g. F0000012.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit.")],
    home: HomeOption = None,
) -> None:
    """Take a loaded file's rows out of the warehouse; the archive and the audit keep it."""
    from warehouse.ops import OperationError
    from warehouse.ops import retract as take_back

    place = _home(home)
    try:
        loaded = take_back(place, file_id, reason)
    except OperationError as exc:
        console.print(Text(str(exc), style="red"))
        raise typer.Exit(ExitCode.NOT_FOUND) from None
    name = display_name(loaded.file_name)
    console.print(Text(f"Retracted {loaded.file_id} ({loaded.department}/{name})."))
    _finish(place, "Relinking and republishing without its rows")


@app.command()
def reprocess(
    file_id: Annotated[str, typer.Argument(help="The file's receipt number, e.g. F0000012.")],
    home: HomeOption = None,
) -> None:
    """Load a file again from the archive after a contract fix, replacing its rows."""
    from warehouse.ops import OperationError
    from warehouse.ops import reprocess as load_again

    place = _home(home)
    try:
        result = load_again(place, file_id)
    except OperationError as exc:
        console.print(Text(str(exc), style="red"))
        raise typer.Exit(ExitCode.NOT_FOUND) from None
    console.print(
        f"{escape(file_id)} reloaded as {result.file_id}: {result.status}, "
        f"{result.rows_loaded:,} rows loaded, {result.rows_quarantined:,} quarantined."
    )
    _finish(place, "Checking, relinking and republishing with its new rows")


@app.command()
def rebuild(
    home: HomeOption = None,
    force: Annotated[bool, typer.Option(help="Replace even if files load differently.")] = False,
    keep: Annotated[int, typer.Option(min=1, help="Old warehouses to keep beside it.")] = 1,
) -> None:
    """Build a new warehouse from the archive; it replaces the old one if nothing was lost.
    Audit history, person and place IDs carry over; people are relinked in full."""
    from pipelines.run_progress import Told
    from warehouse.ops import rebuild as replay

    place = _home(home)
    with Told(console, "Replaying the archive into a new warehouse and relinking") as tell:
        report = replay(place, force=force, keep=keep, on_progress=tell)
    for line in report.differences:
        console.print(Text(line, style="yellow"))
    if report.replaced:
        console.print(
            f"Rebuilt from {report.files} archived file(s); the old warehouse is kept as "
            f"{escape(str(report.kept_old_as))}."
        )
        if report.link:
            summary.print_link(console, report.link)
        for path in report.removed_old:
            console.print(f"Removed an older kept warehouse: {escape(str(path))}")
        _finish(place, "Checking and publishing the rebuilt warehouse")
        return
    console.print("The new warehouse differs from the old one: nothing replaced (use --force).")
    raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def link(
    home: HomeOption = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-estimate the model and re-cluster everyone.")
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            help="Where the pairs are scored: duckdb or spark (default: linking.yaml's "
            "engine). Spark runs on CAUSEWAY_SPARK_MASTER or SPARK_REMOTE, else local[2]."
        ),
    ] = None,
) -> None:
    """Link staging records into people, dwellings and buildings, then check, build the
    marts and publish (what `run` does after loading; the nightly schedule runs it with
    --full)."""
    place = _home(home)
    if engine is not None and engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}: use {' or '.join(ENGINES)}", param_hint="--engine")
    if full:
        _finish(
            place,
            "Relinking everyone (the model is re-estimated) and publishing",
            "full",
            engine or "",
        )
        return
    state = warehouse_freshness(place, on_wait=_say)
    if state is not None and not state.needs_link:
        console.print("Nothing new to link.")
        if state.current:
            return
    _finish(place, "Linking and publishing", engine=engine or "")


@app.command()
def publish(home: HomeOption = None) -> None:
    """Publish analytics.duckdb now, through the pipeline's own publication asset (the same
    masking and suppression), after linking whatever staging holds unlinked."""
    place = _home(home)
    if not place.warehouse.is_file():
        console.print("No warehouse yet: `causeway run` loads the ingest folders first.")
        raise typer.Exit(ExitCode.NOT_FOUND)
    _finish(place, "Publishing analytics.duckdb")


@app.command()
def explain(
    person_id: Annotated[str, typer.Argument(help="A person ID, e.g. CW0000000042.")],
    reason: Annotated[str, typer.Option(help="Why you look (logged with the access).")],
    home: HomeOption = None,
) -> None:
    """Show a person's records and why each was linked (the weight of every comparison).

    It shows the name, birth date, phone and ID number in the clear, so the access is
    written to audit.access_log (who, when, why, which person) before anything is printed;
    if it cannot be written, nothing is.
    """
    from pipelines.identified_view import show_explanation

    show_explanation(console, _home(home), person_id, reason)


@app.command()
def status(
    home: HomeOption = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            help="csv: a row per department; json: everything status shows, as one object.",
        ),
    ] = Format.table,
) -> None:
    """Show what is waiting, what the warehouse holds and whether analytics.duckdb is
    current, without running anything."""
    place = _home(home)
    if fmt is Format.table:
        summary.print_status(console, place)
        print_freshness(console, place, timeout=0)
        return
    data = summary.status_data(place)
    if fmt is Format.json:
        data["analytics"] = freshness(place, timeout=0)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    columns = list(summary.STATUS_COLUMNS)
    print_rows(console, columns, [[d[c] for c in columns] for d in data["departments"]], fmt)


@app.command()
def ui(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = UI_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
) -> None:
    """Start the Dagster UI and daemon (sensors, schedules) on this data home."""
    place = _home(home)
    if host != UI_HOST:
        console.print(
            "[yellow]The Dagster UI has no login: expose it only behind an authenticating "
            "proxy (see README).[/yellow]"
        )
    command = [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-m",
        "pipelines.definitions",
        "-h",
        host,
        "-p",
        str(port),
    ]
    console.print(Text(f"Dagster UI on http://{host}:{port} (instance in {place.dagster})"))
    child = subprocess.Popen(command)

    def stop(signum: int, frame: object) -> None:
        # `dagster dev` shuts its webserver, daemon and code server down cleanly on SIGINT.
        child.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    raise typer.Exit(child.wait())


@app.command()
def docs(home: HomeOption = None) -> None:
    """Print the path of the quality report (every check of the newest runs, failures with
    examples, trends; it renders with no network), then of GX's Data Docs index (which
    loads its styles and scripts from CDNs)."""
    from warehouse.quality import docs_index, report_path

    place = _home(home)
    report = report_path(place)
    if not report.is_file():
        console.print("No quality results yet: `causeway run` checks every table it loads.")
        raise typer.Exit(ExitCode.NOT_FOUND)
    typer.echo(str(report))
    if docs_index(place).is_file():
        typer.echo(str(docs_index(place)))


@app.command()
def query(
    sql: Annotated[
        str, typer.Argument(help='One SQL statement, e.g. "SELECT * FROM mart.grid_summary".')
    ],
    home: HomeOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    timeout: Annotated[
        float, typer.Option(help="Seconds the query may run before it is stopped.")
    ] = SANDBOX.timeout,
    memory_limit: Annotated[
        str, typer.Option(help="Memory the query may use, e.g. 1GB, 500MB.")
    ] = SANDBOX.memory_limit,
    temp_limit: Annotated[
        str, typer.Option(help="Temporary disk it may spill to (outside the home).")
    ] = SANDBOX.temp_limit,
    threads: Annotated[int, typer.Option(help="Threads it may use.")] = SANDBOX.threads,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Query the publication of an earlier lake commit: its number, "
            "generation:N, or a date/time (the last commit by then).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Query the published analytics database in a bounded sandbox (masked data).

    One SELECT (WITH, FROM, VALUES), DESCRIBE, SHOW, SUMMARIZE or EXPLAIN [ANALYZE] of
    one; anything else is refused, as are the catalog functions that show the server's
    files and settings. The query runs read-only, without file access, within the time,
    memory, temporary-disk and thread limits.
    """
    from warehouse.publish import NoAnalytics, QueryRefused, run_query

    try:
        limits = SandboxLimits(memory_limit, temp_limit, threads, timeout)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    place = _home(home)
    try:
        if as_of is None:
            result = run_query(place.analytics, sql, limits)
        else:
            result = _query_as_of(place, as_of, sql, limits)
    except (NoAnalytics, QueryRefused, LookupError, LakeConfigError, LakeUnavailable) as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(ExitCode.NOT_FOUND) from None
    except duckdb.Error as exc:
        console.print(Text.assemble((f"{type(exc).__name__}:", "red"), f" {exc}"), soft_wrap=True)
        raise typer.Exit(ExitCode.NOT_FOUND) from None
    print_rows(console, result.columns, result.rows, fmt)


def _query_as_of(place: Home, as_of: str, sql: str, limits: SandboxLimits):
    """The sandboxed query over the publication of an earlier commit, checked out into a
    private temporary file (removed afterwards)."""
    import tempfile

    from pipelines.lake_view import checkout
    from warehouse.publish import run_query

    with tempfile.TemporaryDirectory(prefix="causeway-as-of-") as folder:
        target = Path(folder) / "analytics.duckdb"
        what = checkout(place, as_of, target)
        console.print(Text(f"As of {what}:", style="dim"), soft_wrap=True)
        return run_query(target, sql, limits)


@app.command()
def evacuation(
    building: Annotated[str, typer.Argument(help="Building ID (B000012) or address text.")],
    home: HomeOption = None,
    break_glass: Annotated[
        bool,
        typer.Option("--break-glass", help="Show real contacts from the restricted warehouse."),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why (required with --break-glass).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """A building's vulnerable residents in evacuation priority order, with floor and needs.

    Reads the masked analytics file; `--break-glass --reason "..."` reads the restricted
    warehouse instead, shows real phone numbers and room numbers, and logs the access to
    audit.access_log (who, when, why, what).
    """
    from pipelines.evacuation_view import show_evacuation
    from warehouse.serve import ReasonRefused, check_reason

    if break_glass:
        try:
            check_reason(reason)
        except ReasonRefused as exc:
            console.print(Text(f"--break-glass: {exc}", style="red"), soft_wrap=True)
            raise typer.Exit(ExitCode.NOT_FOUND) from None
    raise typer.Exit(
        show_evacuation(console, _home(home), building, reason if break_glass else None, fmt)
    )


@app.command("access-log")
def access_log(
    home: HomeOption = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
            help="Only entries from this date or time on.",
        ),
    ] = None,
    user: Annotated[str | None, typer.Option(help="Only this account's entries.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List audit.access_log for auditors: when, who (the real account, and what
    $SUDO_USER claimed), host, action, target, reason, persons and rows shown.

    Reading the log is not logged: it shows who looked and why, never the data they saw
    (no person IDs), and an auditor's reading must not add to what is audited.
    """
    from pipelines.identified_view import show_access_log

    show_access_log(console, _home(home), since, user, fmt)


@app.command()
def dictionary(
    output: Annotated[Path | None, typer.Option(help="Write to this file instead.")] = None,
) -> None:
    """Print the data dictionary (every field, its grade and masking rule) as Markdown."""
    from schemas.dictionary import render_dictionary

    text = render_dictionary()
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(Text(f"Wrote {output}"))
    else:
        typer.echo(text, nl=False)


review_app = typer.Typer(
    help="Clerical review: the links worth a person's time, and decisions that bind.",
    invoke_without_command=True,
)
app.add_typer(review_app, name="review")


@review_app.callback()
def review(
    ctx: typer.Context,
    home: HomeOption = None,
    department: Annotated[str | None, typer.Option(help="Only items of this department.")] = None,
    building: Annotated[str | None, typer.Option(help="Only items at this building ID.")] = None,
    priority: Annotated[
        float | None, typer.Option(help="Only items of at least this priority.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 50,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List the open review items, highest priority first (no names: `review show` logs)."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.review_view import print_queue

    print_queue(console, _home(home), department, building, priority, limit, fmt)


@review_app.command("show")
def review_show(
    item_id: Annotated[str, typer.Argument(help="The item, e.g. R1437B77B71.")],
    home: HomeOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Show an item's two records side by side, what differs, and the match weights
    (names and ID numbers in the clear: logged in audit.access_log first)."""
    from pipelines.review_view import print_item

    print_item(console, _home(home), item_id, fmt)


@review_app.command("decide")
def review_decide(
    item_id: Annotated[str, typer.Argument(help="The item, e.g. R1437B77B71.")],
    decision: Annotated[str, typer.Argument(help="match, distinct or unsure.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    home: HomeOption = None,
    relink: Annotated[
        bool, typer.Option(help="Relink and publish now, so the decision takes effect.")
    ] = True,
) -> None:
    """Record a decision: `match` keeps the two records together and `distinct` apart in
    every run from now on (incremental, full, rebuild); `unsure` leaves the item open."""
    from pipelines.review_view import record

    place = _home(home)
    record(console, place, item_id, decision, reason)
    if relink and decision != "unsure":
        _finish(place, "Relinking with the decision")


@review_app.command("pair")
def review_pair(
    first: Annotated[str, typer.Argument(help="A record as SOURCE:RECORD_ID.")],
    second: Annotated[str, typer.Argument(help="The other record.")],
    decision: Annotated[str, typer.Argument(help="match, distinct or unsure.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    home: HomeOption = None,
    relink: Annotated[bool, typer.Option(help="Relink and publish now.")] = True,
) -> None:
    """Decide on two records found outside the queue (a caller, a home visit), e.g.
    `causeway review pair health_residents:JK1101050000768 housing_occupants:ZF00000341
    match --reason "same person, visited 3 May"`."""
    from pipelines.review_view import record_pair

    place = _home(home)
    record_pair(console, place, first, second, decision, reason)
    if relink and decision != "unsure":
        _finish(place, "Relinking with the decision")


@review_app.command("sample")
def review_sample_command(
    size: Annotated[int, typer.Argument(help="Pairs to draw from each population.")],
    home: HomeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed, the same sample.")] = 42,
) -> None:
    """Draw random pairs, linked and unlinked, for reviewers to label: an unbiased
    sample for `causeway review accuracy`."""
    from pipelines.review_view import print_sample

    print_sample(console, _home(home), size, seed)


@review_app.command("accuracy")
def review_accuracy_command(
    home: HomeOption = None,
    sample: Annotated[str | None, typer.Option(help="A sample ID (default the newest).")] = None,
) -> None:
    """Estimate pairwise precision and recall from a labelled sample, with intervals."""
    from pipelines.review_view import print_accuracy

    print_accuracy(console, _home(home), sample)


@review_app.command("agreement")
def review_agreement_command(home: HomeOption = None) -> None:
    """How often reviewers who decided the same item agreed."""
    from pipelines.review_view import print_agreement

    print_agreement(console, _home(home))


@review_app.command("undo")
def review_undo(
    decision_id: Annotated[str, typer.Argument(help="The decision, e.g. D3F09A2B1C4.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the undo).")],
    home: HomeOption = None,
    relink: Annotated[bool, typer.Option(help="Relink and publish now.")] = True,
) -> None:
    """Undo a decision (recorded as a decision of its own; history is never deleted)."""
    from pipelines.review_view import record_undo

    place = _home(home)
    record_undo(console, place, decision_id, reason)
    if relink:
        _finish(place, "Relinking without the decision")


lake_app = typer.Typer(
    help="The shared warehouse past one machine: Iceberg tables on a SQL catalog "
    "(CAUSEWAY_WAREHOUSE=iceberg:<catalog URL>; docs/lake.md).",
    no_args_is_help=True,
)
app.add_typer(lake_app, name="lake")


@lake_app.command("log")
def lake_log(
    home: HomeOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List the lake's commits, newest first: when, what, from which machine and account,
    the publication generation and the link run each holds."""
    from pipelines.lake_view import show_log

    _lake_command(lambda: show_log(console, _home(home), fmt))


@lake_app.command("pull")
def lake_pull(
    home: HomeOption = None,
    discard_local: Annotated[
        bool,
        typer.Option(
            "--discard-local",
            help="Take the lake's even though this warehouse changed on its own; the old "
            "file is kept aside as warehouse.discarded-<time>.duckdb.",
        ),
    ] = False,
) -> None:
    """Make this home's warehouse, analytics file and linking models the lake's newest
    commit, so this machine can serve the lists or take over as the writer."""
    from pipelines.lake_view import show_pull
    from warehouse.lake import pull_home

    place = _home(home)
    _lake_command(lambda: show_pull(console, pull_home(place, discard_local, on_wait=_say)))


@lake_app.command("push")
def lake_push(home: HomeOption = None) -> None:
    """Commit what this home's warehouse and publication hold now (a run does this itself
    after it publishes; this is for a push that failed)."""
    from pipelines.lake_view import show_push
    from warehouse.lake import push_home

    place = _home(home)
    _lake_command(lambda: show_push(console, push_home(place, on_wait=_say)))


@lake_app.command("checkout")
def lake_checkout(
    output: Annotated[Path, typer.Argument(help="The DuckDB file to write.")],
    home: HomeOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="A commit number, generation:N, or a date/time; default the newest.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the publication as it was at a commit into a DuckDB file (for DuckDB's CLI or
    a GUI tool): the same masked tables analysts read, as they were then."""
    from pipelines.lake_view import checkout

    place = _home(home)
    _lake_command(lambda: _say(f"Wrote {output}: {checkout(place, as_of, output.resolve())}."))


def _lake_command(action: Callable[[], None]) -> None:
    from warehouse.lake import ForeignSnapshot, LakeConflict, LakeDiverged, NoSuchCommit

    try:
        action()
    except (
        LakeConfigError,
        LakeUnavailable,
        LakeConflict,
        LakeDiverged,
        NoSuchCommit,
        ForeignSnapshot,
    ) as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    except LookupError as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(ExitCode.NOT_FOUND) from None


user_app = typer.Typer(help="Accounts of the web app (`causeway web`).", no_args_is_help=True)
app.add_typer(user_app, name="user")
UserArgument = Annotated[str, typer.Argument(help="The account's name, e.g. li.wei.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input instead of a prompt."
    ),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _account_command(action: Callable[[], str]) -> None:
    from warehouse.serve import AccountError

    try:
        console.print(Text(action()), soft_wrap=True)
    except AccountError as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise typer.Exit(ExitCode.NOT_FOUND) from None


@user_app.command("add")
def user_add(
    name: UserArgument,
    role: Annotated[
        str,
        typer.Option(help="analyst, grid_worker, reviewer, auditor or admin."),
    ],
    password_stdin: PasswordStdin = False,
    home: HomeOption = None,
) -> None:
    """Create an account (the first should be an admin); the password is asked twice."""
    from warehouse.serve import add_user

    place = _home(home)
    _account_command(
        lambda: f"Added {add_user(place, name, role, _password(password_stdin)).name} ({role})."
    )


@user_app.command("passwd")
def user_passwd(
    name: UserArgument, password_stdin: PasswordStdin = False, home: HomeOption = None
) -> None:
    """Set a new password for an account."""
    from warehouse.serve import set_password

    place = _home(home)

    def change() -> str:
        set_password(place, name, _password(password_stdin))
        return f"Password of {name} changed."

    _account_command(change)


@user_app.command("disable")
def user_disable(name: UserArgument, home: HomeOption = None) -> None:
    """Stop an account signing in (its sessions end at their next request); its name stays
    in the access log."""
    from warehouse.serve import disable_user

    place = _home(home)

    def disable() -> str:
        disable_user(place, name)
        return f"{name} is disabled."

    _account_command(disable)


@user_app.command("list")
def user_list(
    home: HomeOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """The accounts, their roles and whether they are disabled."""
    from warehouse.serve import list_users

    rows = list_users(_home(home))
    print_rows(console, ["user", "role", "created", "disabled"], rows, fmt, title="Accounts")


@app.command()
def web(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8420,
) -> None:
    """Start the web app: the district picture, the grid worker's building view and the
    access log, behind accounts (`causeway user add NAME --role admin` makes the first)."""
    import uvicorn

    from pipelines.web import create_app

    place = _home(home)
    console.print(Text(f"Causeway web on http://{host}:{port}/ for {place.root}"), soft_wrap=True)
    uvicorn.run(create_app(place), host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    app()
