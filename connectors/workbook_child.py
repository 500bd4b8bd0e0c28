"""Turns a workbook's sheets into text cells in Arrow files, as a child process.

connectors.excel_file runs this script with a bounded address space and a deadline, so a
workbook that needs too much memory (a zip bomb whose directory lies) or too much time
ends this process, never the run. It imports only python-calamine and pyarrow, to start
quickly, and knows nothing of contracts: the parent finds each sheet's header and totals.

Usage: workbook_child.py <workbook> <out folder> <memory MB> <CPU seconds> <JSON list of
sheets or null>. The CPU limit ends this process even if its parent was killed.
Prints one JSON object: every sheet's name, and for each sheet read its Arrow file
(`_row` then `c0…` as text; blank rows left out), its row count and its width.
Exit 2: the workbook cannot be read (the reason on stderr); 3: out of memory.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
from pathlib import Path

BATCH = 50_000
CANNOT_READ, OUT_OF_MEMORY = 2, 3


def text(value: object) -> str | None:
    """A cell as the text a clerk sees: whole numbers without `.0`, dates in ISO form."""
    if type(value) is str:  # most cells: tested first, a sixth faster over a register
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_sheet(sheet, target: Path) -> dict[str, object]:
    import pyarrow as pa

    width, first = sheet.width, sheet.start[0] if sheet.start else 0
    if not width:
        return {"rows": 0, "width": 0, "file": None}
    schema = pa.schema([("_row", pa.int64())] + [(f"c{i}", pa.string()) for i in range(width)])
    rows: list[tuple[int, list[str | None]]] = []
    count = 0

    def flush(writer) -> None:
        columns = [pa.array([r[0] for r in rows], pa.int64())]
        columns += [pa.array([r[1][i] for r in rows], pa.string()) for i in range(width)]
        writer.write_batch(pa.record_batch(columns, schema=schema))
        rows.clear()

    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for i, values in enumerate(sheet.iter_rows()):
            cells = [text(v) for v in values]
            if any(c is not None and c.strip() for c in cells):
                rows.append((first + i + 1, cells))
                count += 1
            if len(rows) >= BATCH:
                flush(writer)
        if rows:
            flush(writer)
    return {"rows": count, "width": width, "file": str(target) if count else None}


def _read_sheet(book, name: str, out: Path, index: int) -> dict[str, object]:
    """One sheet written out, or why it cannot be read (a chart sheet, a broken part)."""
    try:
        sheet = book.get_sheet_by_name(name)
    except MemoryError:
        raise
    except Exception as exc:
        return {"rows": 0, "width": 0, "file": None, "error": str(exc) or type(exc).__name__}
    return _write_sheet(sheet, out / f"sheet{index}.arrow")


def _limit(kind: int, value: int) -> None:
    """Lower the soft limit of `kind` to `value` (never above the hard limit)."""
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def main(argv: list[str]) -> int:
    path, out, wanted = argv[1], Path(argv[2]), json.loads(argv[5])
    _limit(resource.RLIMIT_AS, int(argv[3]) << 20)
    _limit(resource.RLIMIT_CPU, int(argv[4]))
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(path)
        names = list(book.sheet_names)
        sheets = []
        for index, name in enumerate(names):
            if wanted is None or name in wanted:
                sheets.append({"name": name, **_read_sheet(book, name, out, index)})
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        print(str(exc) or type(exc).__name__, file=sys.stderr)
        return CANNOT_READ
    print(json.dumps({"names": names, "sheets": sheets}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
