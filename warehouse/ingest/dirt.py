"""Which raw cells hold characters that cleaning changes, found by scanning bytes.

Cleaning a cell (`cw_clean`) tests it with a regular expression for full-width forms, the
ideographic space and control characters, then trims it (`cw_trim`): 0.6 s per million
rows of a dozen columns here, and the trim alone 0.17 s, though few cells of an export
hold such a character and most columns are never padded. One vectorized pass over each
column's UTF-8 bytes (numpy over the Arrow buffers) finds the rows whose cell may need
cleaning, kept in a small temp table (`DIRT`), and the columns that may need a trim; the
other cells are taken as they are. Each byte test is wider than what it stands for, never
narrower: the cleaning test takes any of U+FF00-U+FF7F and every byte below 0x20, and the
trim test any empty cell and any cell that starts or ends with a space separator
(Unicode's Zs, exactly what DuckDB's trim() removes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

BATCH_ROWS = 250_000
DIRT = "_dirt"  # temp table: the rows whose cells may need cleaning, by column
CONTROL_BELOW = 0x20
DELETE = 0x7F
FULLWIDTH_LEAD = 0xEF  # U+FF00-U+FF7F is EF BC xx or EF BD xx in UTF-8
FULLWIDTH_SECOND = (0xBC, 0xBD)
IDEOGRAPHIC_SPACE = (0xE3, 0x80, 0x80)  # U+3000
SPACE = 0x20
NO_BREAK_SPACE = (0xC2, 0xA0)  # U+00A0
# The other space separators, all three bytes long: U+1680, U+2000-U+200A, U+202F, U+205F
# and U+3000, as (lead, second, lowest third, highest third).
WIDE_SPACES = (
    (0xE1, 0x9A, 0x80, 0x80),
    (0xE2, 0x80, 0x80, 0x8A),
    (0xE2, 0x80, 0xAF, 0xAF),
    (0xE2, 0x81, 0x9F, 0x9F),
    (0xE3, 0x80, 0x80, 0x80),
)


@dataclass
class Cleaning:
    """What the cells of each raw column need. `full`: the columns with some cell that may
    need cleaning, whose rows are flagged in `DIRT` (a column of the column's name, by
    `rid`); `trim`: the columns with some cell that may need a trim. Any other cell is
    taken as it is."""

    full: set[str] = field(default_factory=set)
    trim: set[str] = field(default_factory=set)

    def cleaned(self, column: str, raw: str, dirt: str) -> str:
        """SQL for column `column` of the raw rows `raw`, cleaned, given `DIRT` as `dirt`
        (joined on the raw rowid)."""
        plain = f"cw_trim({raw}.{column})" if column in self.trim else f"{raw}.{column}"
        if column not in self.full:
            return plain
        return f"CASE WHEN {dirt}.{column} THEN cw_clean({raw}.{column}) ELSE {plain} END"


def cleaning_needed(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> Cleaning:
    """How much cleaning each of `columns` of `table` may need; the rows whose cells may
    need the full cleaning go to `DIRT` (replaced, or dropped when there are none)."""
    found = Cleaning()
    con.execute(f"DROP TABLE IF EXISTS temp.{DIRT}")
    if not columns:
        return found
    dirty: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    listed = ", ".join(columns)
    reader = con.sql(f"SELECT rowid, {listed} FROM {table}").to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        rowids = batch.column(0).to_numpy()
        for name, column in zip(columns, batch.columns[1:], strict=True):
            column = _large(column)
            data = _utf8_bytes(column)
            cells = dirty_cells(column, data)
            if cells.size:
                dirty[name].append(rowids[cells])
            if name not in found.trim and may_need_trimming(column, data):
                found.trim.add(name)
    found.full = {name for name, found_rows in dirty.items() if found_rows}
    if found.full:
        _store_dirt(con, {name: np.concatenate(dirty[name]) for name in sorted(found.full)})
    return found


def _store_dirt(con: duckdb.DuckDBPyConnection, rows: dict[str, np.ndarray]) -> None:
    rids = np.unique(np.concatenate(list(rows.values())))
    flags = pa.table({"rid": rids, **{n: np.isin(rids, r) for n, r in rows.items()}})
    con.register("_dirt_found", flags)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {DIRT} AS SELECT * FROM _dirt_found")
    finally:
        con.unregister("_dirt_found")


def dirty_cells(column: pa.Array, data: np.ndarray) -> np.ndarray:
    """The indices of the cells of `column` (whose bytes are `data`) that may hold a
    character `cw_clean` changes."""
    if data.size == 0:
        return np.empty(0, np.int64)
    hits = [np.flatnonzero((data < CONTROL_BELOW) | (data == DELETE))]
    lead = np.flatnonzero(data[:-1] == FULLWIDTH_LEAD)
    if lead.size:
        hits.append(lead[np.isin(data[lead + 1], FULLWIDTH_SECOND)])
    first, second, third = IDEOGRAPHIC_SPACE
    lead = np.flatnonzero(data[:-2] == first)
    if lead.size:
        hits.append(lead[(data[lead + 1] == second) & (data[lead + 2] == third)])
    at = np.concatenate(hits)
    if at.size == 0:
        return at
    # A byte at position p is in the cell whose start is the last start at or before p;
    # empty and NULL cells share their start with the next cell, which comes later.
    offsets = _offsets(column)
    starts = offsets[:-1] - offsets[0]
    return np.unique(np.searchsorted(starts, at, side="right") - 1)


def may_need_trimming(column: pa.Array, data: np.ndarray) -> bool:
    """Whether a cell of `column` (whose bytes are `data`) is empty or starts or ends with
    a space separator. One look at each cell's first and last byte finds the few cells
    that might (a space, or a byte a space separator can start or end with); only those
    are read further. The text is valid UTF-8, so a lead byte followed by the right
    continuation bytes is that very character."""
    starts, ends = _cell_bounds(column)
    if starts.size == 0:
        return False
    if (starts == ends).any():
        return True
    heads = starts[_may_begin_space(data[starts])]
    tails = ends[_may_end_space(data[ends - 1])]
    return _is_space(*_bytes_at(data, heads, (0, 1, 2)), first=True) or _is_space(
        *_bytes_at(data, tails, (-3, -2, -1)), first=False
    )


def _may_begin_space(first: np.ndarray) -> np.ndarray:
    """Whether each first byte may begin a space separator (comparisons, not a lookup
    table: numpy compares a million bytes several times faster than it indexes)."""
    leads = [w[0] for w in WIDE_SPACES]
    return (
        (first == SPACE)
        | (first == NO_BREAK_SPACE[0])
        | ((first >= min(leads)) & (first <= max(leads)))
    )


def _may_end_space(last: np.ndarray) -> np.ndarray:
    """Whether each last byte may end a space separator."""
    out = (last == SPACE) | (last == NO_BREAK_SPACE[1])
    for *_, low, high in WIDE_SPACES:
        out |= (last >= low) & (last <= high)
    return out


def _bytes_at(data: np.ndarray, at: np.ndarray, steps: tuple[int, ...]) -> list[np.ndarray]:
    """The bytes at `at` + each step. An index outside `data` is clipped to it: that can
    only find a space where there is none, which costs a needless trim, never a missed one."""
    last = max(data.size - 1, 0)
    return [data[np.clip(at + step, 0, last)] for step in steps]


def _is_space(a: np.ndarray, b: np.ndarray, c: np.ndarray, first: bool) -> bool:
    """Whether the three bytes a, b, c of any cell begin (`first`) or end with a space."""
    if a.size == 0:
        return False
    one, two = (a, (a, b)) if first else (c, (b, c))
    if (one == SPACE).any():
        return True
    lead, second = NO_BREAK_SPACE
    if ((two[0] == lead) & (two[1] == second)).any():
        return True
    return any(
        ((a == lead) & (b == second) & (c >= low) & (c <= high)).any()
        for lead, second, low, high in WIDE_SPACES
    )


def _large(column: pa.Array) -> pa.Array:
    """The column with 64-bit offsets, which the functions below read."""
    return column if pa.types.is_large_string(column.type) else column.cast(pa.large_string())


def _offsets(column: pa.Array) -> np.ndarray:
    start = column.offset
    return np.frombuffer(column.buffers()[1], np.int64)[start : start + len(column) + 1]


def _utf8_bytes(column: pa.Array) -> np.ndarray:
    """The bytes of every cell of a text column, end to end (NULL cells have none)."""
    data_buffer = column.buffers()[2]
    if data_buffer is None or len(column) == 0:
        return np.empty(0, np.uint8)
    offsets = _offsets(column)
    return np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]


def _cell_bounds(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each non-NULL cell starts and ends in the bytes `_utf8_bytes` gives."""
    if len(column) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    offsets = _offsets(column)
    offsets = offsets - offsets[0]
    starts, ends = offsets[:-1], offsets[1:]
    if column.null_count:
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        starts, ends = starts[valid], ends[valid]
    return starts, ends
