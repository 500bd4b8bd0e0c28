"""JSON reader: arrays and JSON Lines; a nested list becomes one row per item.

The row number is the line of a JSON Lines record or the 0-based index in an array.
A line that is not valid JSON is reported with its text, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb

from connectors.encoding import detect_encoding
from connectors.errors import UnreadableFile
from connectors.raw import Malformed, RawTable, create_raw_table, insert_rows
from schemas.contracts import normalize_header

ITEM_SEPARATOR = "."


def _records(path: Path, encoding: str, raw: RawTable) -> Iterator[tuple[int, object]]:
    with path.open("r", encoding=encoding) as f:
        head = f.read(4096).lstrip()
    if head.startswith("["):
        try:
            data = json.loads(path.read_text(encoding=encoding))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"the JSON array is not valid JSON: {exc}") from exc
        yield from enumerate(data)
        return
    with path.open("r", encoding=encoding) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raw.malformed.append(
                    Malformed(number, line.rstrip("\r\n"), f"invalid JSON: {exc.msg}")
                )


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_json_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, explode: set[str]
) -> RawTable:
    """Rows of `path`; a top-level list under a key in `explode` (normalized) is flattened."""
    encoding = detect_encoding(path)
    raw = RawTable(table, [], encoding=encoding.name)
    flat: list[tuple[int, int | None, dict[str, str | None]]] = []
    for number, record in _records(path, encoding.name, raw):
        if not isinstance(record, dict):
            raw.malformed.append(
                Malformed(number, _cell(record) or "", "record is not a JSON object")
            )
            continue
        top = {k: _cell(v) for k, v in record.items() if normalize_header(k) not in explode}
        nested = [(k, v) for k, v in record.items() if normalize_header(k) in explode]
        items = nested[0][1] if nested and isinstance(nested[0][1], list) else []
        if not items:
            flat.append((number, None, top))
        for position, item in enumerate(items, start=1):
            values = dict(top)
            if isinstance(item, dict):
                values.update(
                    {f"{nested[0][0]}{ITEM_SEPARATOR}{k}": _cell(v) for k, v in item.items()}
                )
            flat.append((number, position, values))
    if not flat and not raw.malformed:
        raise UnreadableFile("the file holds no JSON records")
    keys: dict[str, None] = {}
    for _, _, values in flat:
        keys.update(dict.fromkeys(values))
    raw.headers = list(keys)
    create_raw_table(con, table, len(raw.headers))
    insert_rows(
        con,
        table,
        len(raw.headers),
        ((n, item, [values.get(k) for k in raw.headers]) for n, item, values in flat),
    )
    return raw
