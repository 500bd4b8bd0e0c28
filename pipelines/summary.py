"""What `causeway run` and `causeway status` report, per department and per file."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
from rich.console import Console
from rich.table import Table

from connectors.home import Home
from warehouse.load import LoadResult

SUMMARY_SQL = """
SELECT department,
       count(*) AS files,
       coalesce(sum(rows_loaded), 0) AS loaded,
       coalesce(sum(rows_quarantined), 0) AS quarantined,
       count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM audit.file_loads GROUP BY department ORDER BY department
"""


def ever_loaded(home: Home) -> bool:
    """True once a warehouse or a demo has been made here, even if the ingest folders are empty."""
    return home.warehouse.exists() or (home.demo_truth / "meta.json").exists()


def print_run(console: Console, results: Sequence[LoadResult]) -> None:
    """Per department: files, rows loaded and quarantined; then every rejected file's reason."""
    if not results:
        console.print("Nothing new in the ingest folders: nothing to do.")
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
            department,
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
                f"[red]rejected[/red] {r.department}/{r.file_name} ({r.file_id}): {r.reason}"
            )


def print_status(console: Console, home: Home) -> None:
    waiting = Table(title=f"Ingest folders under {home.root}")
    waiting.add_column("Department")
    waiting.add_column("Files waiting", justify="right")
    total = 0
    for department in home.departments():
        files = home.pending_files(department)
        total += len(files)
        waiting.add_row(department, str(len(files)))
    console.print(waiting)
    if not home.warehouse.exists():
        console.print("No warehouse yet: run `causeway run`.")
        return
    try:
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            rows = con.execute(SUMMARY_SQL).fetchall()
    except duckdb.IOException:
        console.print("The warehouse is busy with a run; try again when it finishes.")
        return
    except duckdb.CatalogException:
        rows = []
    loaded = Table(title="Loaded so far")
    for name in ("Department", "Files", "Rows loaded", "Rows quarantined", "Rejected files"):
        loaded.add_column(name, justify="left" if name == "Department" else "right")
    for department, files, rows_loaded, quarantined, rejected in rows:
        loaded.add_row(
            department, str(files), f"{rows_loaded:,}", f"{quarantined:,}", str(rejected)
        )
    console.print(loaded)
    console.print(
        f"{total} file(s) waiting." if total else "Nothing waiting in the ingest folders."
    )
