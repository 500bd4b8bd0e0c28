"""Small cells of the published aggregates suppressed, with the cells that would reveal them.

A count of 1 to threshold-1 people (a building with three power-dependent residents)
points at the people behind it, so it is published as NULL, as HHS emPOWER does. A
suppressed cell is only hidden if it cannot be derived: where a group of rows adds up to
a total an outsider may know (a mart's declared `sums_to`), a group with one suppressed
cell gets a second, its smallest published cell (complementary suppression). A value
declared `suppressed_with` a cell (a score summed over the same people) goes with it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb

from schemas.base import Record
from schemas.registry import table_fields
from warehouse.db import quote

SMALL = "small"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class SuppressedCell:
    table: str
    row_key: str
    column: str
    reason: str


@dataclass(frozen=True)
class CellDisclosure:
    table: str
    cells: int
    suppressed: list[SuppressedCell]
    smallest_cell: int | None

    def count(self, reason: str) -> int:
        return sum(1 for s in self.suppressed if s.reason == reason)


def suppress_cells(
    con: duckdb.DuckDBPyConnection, model: type[Record], target: str, threshold: int
) -> CellDisclosure:
    """Suppress the small cells of the published table `target` in place."""
    specs = table_fields(model)
    cells = [s.name for s in specs if s.cell]
    derived = {s.name: s.suppressed_with for s in specs if s.suppressed_with}
    keys = [s.name for s in specs if s.primary_key] or [
        s.name for s in specs if not (s.cell or s.suppressed_with or s.name == "as_of")
    ]
    groups = list(getattr(model, "sums_to", None) or ())
    sums = getattr(model, "sums_to", None) is not None
    wanted = [*keys, *groups, *cells]
    listed = ", ".join(quote(c) for c in dict.fromkeys(wanted))
    rows = con.execute(f"SELECT rowid, {listed} FROM {target}").fetchall()
    names = list(dict.fromkeys(wanted))
    values = [dict(zip(names, row[1:], strict=True)) | {"_rowid": row[0]} for row in rows]
    hidden: dict[tuple[int, str], str] = {}
    for row in values:
        for column in cells:
            v = row[column]
            if v is not None and 0 < v < threshold:
                hidden[(row["_rowid"], column)] = SMALL
    if sums:
        _complement(values, cells, groups, hidden)
    for column, base in derived.items():
        for row in values:
            if (row["_rowid"], base) in hidden:
                hidden[(row["_rowid"], column)] = f"with {base}"
    for column in {c for _, c in hidden}:
        ids = [r for r, c in hidden if c == column]
        con.execute(
            f"UPDATE {target} SET {quote(column)} = NULL WHERE rowid IN (SELECT unnest(?))",
            [ids],
        )
    by_id = {row["_rowid"]: row for row in values}
    suppressed = [
        SuppressedCell(model.table_name or "", _key(by_id[r], keys), c, reason)
        for (r, c), reason in sorted(hidden.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    shown = [
        row[c]
        for row in values
        for c in cells
        if (row["_rowid"], c) not in hidden and row[c] is not None and row[c] > 0
    ]
    return CellDisclosure(
        model.table_name or "", len(values) * len(cells), suppressed, min(shown, default=None)
    )


def _complement(
    values: list[dict[str, Any]],
    cells: list[str],
    groups: list[str],
    hidden: dict[tuple[int, str], str],
) -> None:
    """Give every group with exactly one suppressed cell a second one: its smallest."""
    members: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in values:
        members[tuple(row[g] for g in groups)].append(row)
    for column in cells:
        for rows in members.values():
            gone = [r for r in rows if (r["_rowid"], column) in hidden]
            if len(gone) != 1:
                continue
            left = [
                r for r in rows if (r["_rowid"], column) not in hidden and r[column] is not None
            ]
            if left:
                pick = min(left, key=lambda r: (r[column], r["_rowid"]))
                hidden[(pick["_rowid"], column)] = COMPLEMENTARY


def _key(row: dict[str, Any], keys: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in keys if row[k] is not None)
