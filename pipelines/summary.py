"""What `causeway run` and `causeway status` report: pending files and warehouse contents."""

from __future__ import annotations

import duckdb
from rich.console import Console
from rich.table import Table

from connectors.home import Home
from warehouse.ddl import create_warehouse


def ever_loaded(home: Home) -> bool:
    """True once a warehouse or a demo has been made here, even if the ingest folders are empty."""
    return home.warehouse.exists() or (home.demo_truth / "meta.json").exists()


def prepare_warehouse(home: Home) -> int:
    """Create the warehouse layers and conformed tables; returns how many tables exist."""
    with duckdb.connect(str(home.warehouse)) as con:
        create_warehouse(con)
        rows = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", ["core"]
        ).fetchall()
    home.warehouse.chmod(0o600)
    return int(rows[0][0])


def print_status(console: Console, home: Home) -> None:
    table = Table(title=f"Ingest folders under {home.root}")
    table.add_column("Department")
    table.add_column("Files waiting", justify="right")
    table.add_column("Size", justify="right")
    waiting = 0
    for department in home.departments():
        files = home.pending_files(department)
        waiting += len(files)
        size = sum(f.stat().st_size for f in files)
        table.add_row(department, str(len(files)), f"{size / 1e6:.1f} MB")
    console.print(table)
    if waiting:
        console.print(
            f"{waiting} file(s) waiting. Loading files into staging is not implemented yet: "
            "they stay in the ingest folders untouched."
        )
    else:
        console.print("Nothing waiting in the ingest folders.")
