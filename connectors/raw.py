"""What every reader hands on: text rows in a DuckDB temp table, and what it could not parse.

Readers know nothing of contracts beyond the header names they may look for; the
warehouse maps columns to fields. Every cell is text, every row keeps the number a
clerk uses to find it (the line of a CSV, the row of a worksheet, the line or index
of a JSON record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

ROW = "_row"
ITEM = "_item"


def row_number_sql(alias: str = "") -> str:
    """The clerk's row number of a raw row: set by slow readers, or implied by file order
    (a CSV read in the fast path has line = rowid + 2, line 1 being the header)."""
    prefix = f"{alias}." if alias else ""
    return f"coalesce({prefix}{ROW}, {prefix}rowid + 2)"


BATCH = 50_000


@dataclass(frozen=True)
class Malformed:
    """A record the reader could not split into the file's columns."""

    row_number: int
    raw: str
    reason: str


@dataclass
class RawTable:
    """Rows of one file in temp table `table`: `_row`, `_item`, then `c0..cN` as text."""

    table: str
    headers: list[str]
    malformed: list[Malformed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    # A workbook's sheets, in the order their rows were inserted: (name, first rowid).
    sheets: list[tuple[str, int]] = field(default_factory=list)

    def column(self, index: int) -> str:
        return f"c{index}"

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self.sheets]

    def sheet_sql(self, rowid: str, bind: Callable[[object], str]) -> str:
        """The sheet name of the raw row whose rowid is `rowid` (NULL without sheets); the
        names are one parameter, bound with `bind`."""
        if not self.sheets:
            return "NULL::VARCHAR"
        starts = " ".join(
            f"WHEN {rowid} >= {int(first)} THEN {i + 1}"
            for i, (_, first) in reversed(list(enumerate(self.sheets)))
        )
        names = bind(self.sheet_names)
        return f"list_extract(CAST({names} AS VARCHAR[]), CASE {starts} END)"


def create_raw_table(con: duckdb.DuckDBPyConnection, name: str, width: int) -> None:
    columns = ", ".join(
        [f"{ROW} BIGINT", f"{ITEM} INTEGER"] + [f"c{i} VARCHAR" for i in range(width)]
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    name: str,
    width: int,
    rows: Iterable[tuple[int, int | None, Sequence[str | None]]],
) -> int:
    """Append (row number, item, cells) rows in Arrow batches; returns how many."""
    count = 0
    batch: list[tuple[int, int | None, Sequence[str | None]]] = []

    def flush() -> None:
        if not batch:
            return
        data = {
            ROW: pa.array([b[0] for b in batch], pa.int64()),
            ITEM: pa.array([b[1] for b in batch], pa.int32()),
        }
        for i in range(width):
            data[f"c{i}"] = pa.array([b[2][i] for b in batch], pa.string())
        arrow_batch = pa.table(data)
        con.register("_arrow_batch", arrow_batch)
        con.execute(f"INSERT INTO {name} SELECT * FROM _arrow_batch")
        con.unregister("_arrow_batch")
        batch.clear()

    for row in rows:
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    return count
