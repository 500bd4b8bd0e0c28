"""Which raw columns may hold characters that cleaning changes, found by scanning bytes.

Cleaning a cell (`cw_clean`) tests it with a regular expression for full-width forms, the
ideographic space and control characters: 0.6 s per million rows of a dozen columns here,
though most columns of an export never hold such a character. One vectorized pass over
each column's UTF-8 bytes (numpy over the Arrow buffers) finds the columns that may, for
less; the other columns are only trimmed (`cw_trim`). The byte test is wider than the
regular expression (it takes any of U+FF00-U+FF7F and every byte below 0x20), never
narrower, so a column it passes holds no character `cw_clean` would change.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

BATCH_ROWS = 250_000
CONTROL_BELOW = 0x20
DELETE = 0x7F
FULLWIDTH_LEAD = 0xEF  # U+FF00-U+FF7F is EF BC xx or EF BD xx in UTF-8
FULLWIDTH_SECOND = (0xBC, 0xBD)
IDEOGRAPHIC_SPACE = (0xE3, 0x80, 0x80)  # U+3000


def columns_to_clean(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> set[str]:
    """The columns of `table` in which some cell may need more than trimming."""
    if not columns:
        return set()
    listed = ", ".join(columns)
    reader = con.sql(f"SELECT {listed} FROM {table}").to_arrow_reader(BATCH_ROWS)
    dirty: set[str] = set()
    for batch in reader:
        for name, column in zip(columns, batch.columns, strict=True):
            if name not in dirty and may_need_cleaning(column):
                dirty.add(name)
        if len(dirty) == len(columns):
            break
    return dirty


def may_need_cleaning(column: pa.Array) -> bool:
    data = _utf8_bytes(column)
    if data.size == 0:
        return False
    if (data < CONTROL_BELOW).any() or (data == DELETE).any():
        return True
    lead = np.flatnonzero(data[:-1] == FULLWIDTH_LEAD)
    if lead.size and np.isin(data[lead + 1], FULLWIDTH_SECOND).any():
        return True
    first, second, third = IDEOGRAPHIC_SPACE
    lead = np.flatnonzero(data[:-2] == first)
    return bool(lead.size and ((data[lead + 1] == second) & (data[lead + 2] == third)).any())


def _utf8_bytes(column: pa.Array) -> np.ndarray:
    """The bytes of every cell of a text column, end to end (NULL cells have none)."""
    if not pa.types.is_large_string(column.type):
        column = column.cast(pa.large_string())
    _, offsets_buffer, data_buffer = column.buffers()
    if data_buffer is None or len(column) == 0:
        return np.empty(0, np.uint8)
    start = column.offset
    offsets = np.frombuffer(offsets_buffer, np.int64)[start : start + len(column) + 1]
    return np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]
