"""Rows as a table, CSV or JSON, for the listing commands.

A column too narrow for its values folds them onto the next line instead of cutting them
with an ellipsis: an identifier, a phone number or a name is never shown in part.

Values and column names are data, never Rich markup: a value such as `[/]` would end a
style that was never opened and crash the table, and `[bold reverse]` would vanish.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

WHOLE_CELLS = 24  # terminal cells of the widest value a column keeps unbroken
FOLDING_CELLS = 6  # the least a folding column gets before rows are shown one by one


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as numbers, lists item by item."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def folding(*headers: str, title: str | None = None, **options: Any) -> Table:
    """A table whose columns fold what does not fit, for the views that build their own."""
    table = Table(title=title, **options)
    for name in headers:
        table.add_column(Text(name), overflow="fold")
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def print_rows(
    console: Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: Format,
    title: str | None = None,
) -> None:
    if fmt is Format.json:
        records = [dict(zip(columns, map(_plain, r), strict=True)) for r in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    elif fmt is Format.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(columns)
        out.writerows([_cell(v) for v in r] for r in rows)
    else:
        cells = [[_cell(v) for v in r] for r in rows]
        widths = _widths(console.width, columns, cells)
        if widths is None:
            _print_records(console, columns, rows, title)  # a table would be cut
            return
        table = Table(title=title)
        for name, width in zip(columns, widths, strict=True):
            table.add_column(Text(name), overflow="fold", width=width)
        for r in cells:
            table.add_row(*map(Text, r))
        console.print(table)


def _widths(
    room: int, columns: Sequence[str], cells: Sequence[Sequence[str]]
) -> list[int | None] | None:
    """Column widths that fit `room` without cutting a value: None each when the table fits
    as it is; else short values without spaces (a phone, an ID, a name) keep their width
    and the other columns share the rest, folding; None when even that does not fit."""
    natural = [
        max([cell_len(name), *(cell_len(r[i]) for r in cells)]) for i, name in enumerate(columns)
    ]
    frame = 3 * len(columns) + 1  # borders and padding
    if sum(natural) + frame <= room:
        return [None] * len(columns)
    whole = [
        max(w, min(cell_len(name), FOLDING_CELLS))
        if (w := _whole_width([r[i] for r in cells]))
        else 0
        for i, name in enumerate(columns)
    ]  # a heading folds into pieces no narrower than a folding column
    folding = [i for i, w in enumerate(whole) if not w]
    left = room - frame - sum(whole)
    if left < FOLDING_CELLS * len(folding):
        return None
    share = sum(natural[i] for i in folding) or 1
    widths: list[int | None] = list(whole)
    for i in folding:
        widths[i] = max(FOLDING_CELLS, left * natural[i] // share)
    return widths


def _whole_width(cells: Sequence[str]) -> int:
    """The width that keeps a column's values whole (0: the column may fold): a short
    value without spaces, such as a phone, an ID or a name, is never broken."""
    widest = max(map(cell_len, cells), default=0)
    return widest if widest <= WHOLE_CELLS and not any(" " in c for c in cells) else 0


def _print_records(
    console: Console, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None
) -> None:
    """Too many columns for the terminal: each row as a block of `column  value` lines, so
    nothing is cut (a grid worker's phone shows every field of every resident)."""
    if title:
        console.print(Text(title, style="bold"))
    label = max(map(cell_len, columns))
    for n, r in enumerate(rows, 1):
        console.print(Text(f"── {n} of {len(rows)} ──", style="dim"))
        for name, value in zip(columns, r, strict=True):
            console.print(Text(f"{name.ljust(label)}  {_cell(value)}"), soft_wrap=True)
