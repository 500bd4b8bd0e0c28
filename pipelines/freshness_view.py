"""Says whether analytics.duckdb reflects the warehouse: after a run, and in `causeway status`."""

from __future__ import annotations

import duckdb
from rich.console import Console
from rich.text import Text

from connectors.home import Home
from warehouse.db import Freshness, WriterBusy, warehouse_freshness
from warehouse.serve import published_file


def print_undone(console: Console, state: Freshness) -> None:
    for line in state.undone():
        console.print(Text(f"  - {line}"))


def _published(home: Home) -> str | None:
    """When the analytics file was published, as of which day, and what it holds."""
    found = published_file(home.analytics)
    if found is None:
        return None
    made, tables = found
    at = made["published_at"].isoformat(sep=" ", timespec="seconds")
    schemas = sorted({t.split(".", 1)[0] for t in tables})
    return (
        f"Published {at}, as of {made['as_of']}: {len(tables)} tables ({', '.join(schemas)}) "
        f"in {home.analytics}"
    )


def print_freshness(console: Console, home: Home, timeout: float | None = None) -> None:
    """One line: current, or what is left to do and which command does it."""
    try:
        state = warehouse_freshness(home, timeout=timeout)
    except WriterBusy:
        console.print("Whether analytics.duckdb is current is known once the running run ends.")
        return
    except duckdb.Error:
        return  # a warehouse that cannot be read: the run's own error says why
    if state is None:
        return
    if state.current:
        console.print(Text(f"analytics.duckdb is current ({Freshness.describe(state.now)})."))
        published = _published(home)
        if published:
            console.print(Text(published), soft_wrap=True)
        return
    console.print("[yellow]analytics.duckdb is not current[/yellow]; `causeway run` will:")
    print_undone(console, state)
