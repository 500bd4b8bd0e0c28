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

from rich.console import Console
from rich.table import Table
from rich.text import Text


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
        table = Table(title=title)
        for name in columns:
            table.add_column(Text(name), overflow="fold")
        for r in rows:
            table.add_row(*(Text(_cell(v)) for v in r))
        console.print(table)
