"""CSV reader: detected encoding and delimiter, DuckDB's parser, Python's for broken files.

The fast path hands the (UTF-8) file to DuckDB's `read_csv` with an explicit dialect and
every column as text; DuckDB's strict UTF-8 check stands in for a decoding pass, and only
when it refuses the file is the encoding worked out byte by byte (and GBK transcoded).
When DuckDB cannot parse the file, or a quoted field spans lines (so ordinals are not
line numbers), the file is read again with Python's csv module, which keeps each
record's line and splits a broken record back into its lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from connectors.digest import physical_lines
from connectors.encoding import NEWLINE_SAFE, TextEncoding, encoding_candidates, utf8_copy
from connectors.errors import UnreadableFile
from connectors.raw import Malformed, RawTable, create_raw_table, insert_rows

DELIMITERS = (",", "\t", ";", "|")
MAX_LINE = 64 << 20  # the longest record the Python reader takes
csv.field_size_limit(MAX_LINE)
# DuckDB sizes its read buffers from its line limit, and the buffer size sets how well two
# threads share a file: at 64 MB a 1M-row register read in 0.91 s, at 8 MB in 0.52 s (at
# the default 2 MB, 0.79 s). A longer record makes DuckDB refuse the file, and the Python
# reader, which keeps its limit of MAX_LINE, reads it instead.
DUCKDB_MAX_LINE = 8 << 20


def read_csv_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    work: Path,
    table: str,
    lines: Callable[[], int] | None = None,
) -> RawTable:
    """`lines` gives the file's physical line count when the caller counts it anyway."""
    first = encoding_candidates(path)[0]
    if first.is_utf8:
        # DuckDB refuses any invalid UTF-8 byte sequence as it parses (and Python has read
        # the header), so a file DuckDB parses needs no separate decoding pass first.
        raw = _try_fast_path(con, path, first, table, lines)
        if raw is not None:
            return raw
    source, encoding = utf8_copy(path, work)
    if source != path or not first.is_utf8:  # else DuckDB has just refused this very file
        same_lines = source == path or encoding.name in NEWLINE_SAFE
        raw = _try_fast_path(con, source, encoding, table, lines if same_lines else None)
        if raw is not None:
            return raw
    text_encoding = _text_encoding(encoding)
    delimiter, headers = _sniff(source, text_encoding)
    raw = RawTable(table, headers, encoding=encoding.name)
    create_raw_table(con, table, len(headers))
    _slow_path(con, source, text_encoding, delimiter, raw)
    return raw


def _text_encoding(encoding: TextEncoding) -> str:
    return "utf-8-sig" if encoding.bom or encoding.name == "utf-8-sig" else "utf-8"


def _try_fast_path(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    encoding: TextEncoding,
    table: str,
    lines: Callable[[], int] | None,
) -> RawTable | None:
    try:
        delimiter, headers = _sniff(source, _text_encoding(encoding))
    except UnicodeDecodeError:
        return None
    raw = RawTable(table, headers, encoding=encoding.name)
    create_raw_table(con, table, len(headers))
    if _fast_path(con, source, delimiter, raw, lines):
        return raw
    con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return None


def _sniff(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter that splits the first lines consistently, and the header cells."""
    with path.open("r", encoding=encoding, newline="") as f:
        sample = f.read(1 << 16)
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        raise UnreadableFile("the file has no header row")
    header_counts = {d: lines[0].count(d) for d in DELIMITERS}
    consistent = [
        d
        for d in DELIMITERS
        if header_counts[d] and all(line.count(d) == header_counts[d] for line in lines[1:6])
    ]
    ranked = consistent or [d for d in DELIMITERS if header_counts[d]] or [","]
    delimiter = max(ranked, key=lambda d: header_counts[d])
    headers = next(csv.reader(io.StringIO(lines[0]), delimiter=delimiter))
    if not any(h.strip() for h in headers):
        raise UnreadableFile("the first line is empty: the file has no header row")
    return delimiter, headers


def _fast_path(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    delimiter: str,
    raw: RawTable,
    lines: Callable[[], int] | None,
) -> bool:
    """Load with DuckDB; False when the file needs the line-keeping Python reader."""
    width = len(raw.headers)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(
            f"INSERT INTO {raw.table} SELECT NULL, NULL, * FROM read_csv(?, auto_detect = false, "
            f"header = true, delim = ?, quote = '\"', escape = '\"', strict_mode = true, "
            f"max_line_size = {DUCKDB_MAX_LINE}, null_padding = false, columns = {columns})",
            [str(path), delimiter],
        )
    except duckdb.InterruptException:
        raise  # the file's time budget ran out: connectors.limits refuses it
    except (duckdb.Error, UnicodeDecodeError):  # DuckDB 1.5 cuts a long line's error message
        return False  # mid-character, and its Python client fails to decode it
    count = con.execute(f"SELECT count(*) FROM {raw.table}").fetchall()[0][0]
    # Insertion order is file order: rowid 0 is line 2, so `_row` stays NULL and readers use
    # connectors.raw.row_number_sql(). That holds only when no quoted field spans lines.
    return count + 1 == (physical_lines(path) if lines is None else lines())


class _LineTap:
    """Feeds lines to csv.reader and remembers those of the current record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line


def _slow_path(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, delimiter: str, raw: RawTable
) -> None:
    width = len(raw.headers)
    with path.open("r", encoding=encoding, newline="") as f:
        tap = _LineTap(iter(f))
        reader = csv.reader(tap, delimiter=delimiter, strict=False)
        next(reader)
        tap.taken.clear()

        def rows() -> Iterator[tuple[int, int | None, list[str | None]]]:
            line = 2
            for record in reader:
                taken, tap.taken = tap.taken, []
                yield from _records(record, taken, line, width, delimiter, raw)
                line += len(taken)

        insert_rows(con, raw.table, width, rows())
    if raw.malformed:
        raw.notes.append(f"{len(raw.malformed)} line(s) could not be split into columns")


def _records(
    record: list[str], taken: list[str], line: int, width: int, delimiter: str, raw: RawTable
) -> Iterator[tuple[int, int | None, list[str | None]]]:
    if not record and all(not t.strip() for t in taken):
        return
    if len(record) == width:
        yield line, None, list(record)
        return
    if len(taken) == 1:
        raw.malformed.append(
            Malformed(
                line,
                taken[0].rstrip("\r\n"),
                f"expected {width} fields, found {len(record)} (check delimiters and quotes)",
            )
        )
        return
    # A quote opened and never closed swallowed the lines after it: judge each line alone.
    for offset, text in enumerate(taken):
        cells = next(csv.reader([text], delimiter=delimiter, strict=False), [])
        if len(cells) == width:
            yield line + offset, None, cells
        elif text.strip():
            raw.malformed.append(
                Malformed(
                    line + offset,
                    text.rstrip("\r\n"),
                    f"unbalanced quote: expected {width} fields, found {len(cells)}",
                )
            )
