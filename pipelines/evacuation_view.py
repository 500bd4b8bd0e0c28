"""`causeway evacuation`: what a grid worker sees, masked or (break-glass) in the clear.

Addresses, names and messages are printed as Text: data is never read as Rich markup.
"""

from __future__ import annotations

import duckdb
from rich.console import Console
from rich.text import Text

from connectors.home import Home
from pipelines.exit_codes import ExitCode
from pipelines.output import Format, print_rows
from schemas.code_tables import code_table
from warehouse.db import WriterBusy
from warehouse.publish import NoAnalytics
from warehouse.serve import BuildingNotFound, Evacuation, break_glass, evacuation

EXIT_NOT_FOUND = ExitCode.NOT_FOUND
EXIT_BUSY = ExitCode.BUSY


def _labels(codes: list[str] | None) -> str:
    table = code_table("key_population")
    return "、".join(table.by_code(c).label for c in codes or [])


def _heading(result: Evacuation) -> str:
    b = result.building
    elevator = {True: "elevator", False: "NO elevator", None: "elevator unknown"}
    return (
        f"{b['building_id']} {b['address']} — {b['floors']} floors, "
        f"{elevator[b['has_elevator']]}, condition {b['condition']}; "
        f"{b['vulnerable_residents']} of {b['residents']} residents vulnerable; "
        f"evacuation rank {b['evacuation_rank']} in the district"
    )


def show_evacuation(
    console: Console, home: Home, text: str, reason: str | None, fmt: Format
) -> int:
    """Print the list; returns the exit code (0 found, 1 not found, 3 warehouse busy)."""
    try:
        if reason is None:
            result = evacuation(home.outreach, text)
        else:
            result = break_glass(
                home, text, reason, on_wait=lambda m: console.print(Text(m, style="yellow"))
            )
    except BuildingNotFound as exc:
        console.print(Text(str(exc), style="red"))
        for c in exc.candidates[:20]:
            console.print(Text(f"  {c['building_id']}  {c['address']}"))
        return EXIT_NOT_FOUND
    except (NoAnalytics, FileNotFoundError) as exc:
        console.print(Text(str(exc), style="red"))
        return EXIT_NOT_FOUND
    except WriterBusy as busy:
        console.print(
            "[red]A run is writing the warehouse and did not finish within "
            f"{busy.waited:g} s.[/red] "
            "Use the masked list (without --break-glass) now, or try again shortly."
        )
        return EXIT_BUSY
    except duckdb.CatalogException:
        console.print("[red]No marts yet: run `causeway run` to build them.[/red]")
        return EXIT_NOT_FOUND
    rows = result.rows
    if fmt is Format.table:
        needs = result.columns.index("needs")
        rows = [(*r[:needs], _labels(r[needs]), *r[needs + 1 :]) for r in rows]
    if fmt is Format.table:
        console.print(Text(_heading(result)))
        if result.restricted:
            console.print(
                "[bold red]BREAK-GLASS: real contacts from the restricted warehouse; "
                "this access is logged.[/bold red]"
            )
    print_rows(console, result.columns, rows, fmt)
    return 0
