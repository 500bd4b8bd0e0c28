"""Says whether analytics.duckdb reflects the warehouse: after a run, and in `causeway status`."""

from __future__ import annotations

from typing import Any

import duckdb
from rich.console import Console
from rich.text import Text

from connectors.home import Home
from warehouse.db import Freshness, WriterBusy, warehouse_freshness
from warehouse.serve import published_file

BUSY = "Whether analytics.duckdb is current is known once the running run ends."


def print_undone(console: Console, state: Freshness) -> None:
    for line in state.undone():
        console.print(Text(f"  - {line}"))


def publication(home: Home) -> dict[str, Any] | None:
    """When the analytics file was published, as of which day, what it holds and where."""
    found = published_file(home.analytics)
    if found is None:
        return None
    made, tables = found
    return {
        "published_at": made["published_at"].isoformat(sep=" ", timespec="seconds"),
        "as_of": str(made["as_of"]),
        "tables": tables,
        "path": str(home.analytics),
    }


def publication_line(published: dict[str, Any]) -> str:
    schemas = sorted({t.split(".", 1)[0] for t in published["tables"]})
    return (
        f"Published {published['published_at']}, as of {published['as_of']}: "
        f"{len(published['tables'])} tables ({', '.join(schemas)}) in {published['path']}"
    )


def freshness(home: Home, timeout: float | None = None) -> dict[str, Any] | None:
    """Whether analytics.duckdb reflects the warehouse, as data: current (and what was
    published) or what is left to do; None without a warehouse or when it cannot be read."""
    try:
        state = warehouse_freshness(home, timeout=timeout)
    except WriterBusy:
        return {"current": None, "why": BUSY}
    except duckdb.Error:
        return None  # a warehouse that cannot be read: the run's own error says why
    if state is None:
        return None
    if not state.current:
        return {"current": False, "undone": state.undone()}
    return {
        "current": True,
        "warehouse": Freshness.describe(state.now),
        "publication": publication(home),
    }


def print_freshness(console: Console, home: Home, timeout: float | None = None) -> None:
    """One line: current, or what is left to do and which command does it."""
    print_fresh(console, freshness(home, timeout))


def print_fresh(console: Console, fresh: dict[str, Any] | None) -> None:
    if fresh is None:
        return
    if fresh["current"] is None:
        console.print(fresh["why"])
    elif fresh["current"]:
        console.print(Text(f"analytics.duckdb is current ({fresh['warehouse']})."))
        if fresh["publication"]:
            console.print(Text(publication_line(fresh["publication"])), soft_wrap=True)
    else:
        console.print("[yellow]analytics.duckdb is not current[/yellow]; `causeway run` will:")
        for line in fresh["undone"]:
            console.print(Text(f"  - {line}"))
