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
import re
import resource
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

BATCH = 50_000
CANNOT_READ, OUT_OF_MEMORY = 2, 3
# Excel keeps 15 significant digits, so every whole number below 10^15 is held exactly
# (a double keeps all of them up to 2^53 ≈ 9.0 × 10^15); from 10^15 on, the digits a
# clerk typed past the fifteenth are gone.
EXACT_BELOW = 1e15


def text(value: object) -> str | None:
    """A cell as the text a clerk sees: whole numbers without `.0`, dates in ISO form.

    A whole number of more than 15 digits is written in its shortest exact scientific
    form (`3.30110195902211E+17`, as Excel shows it), never as the 18-digit integer
    `int()` would invent: standardization then knows an ID number lost its last digits.
    """
    if type(value) is str:  # most cells: tested first, a sixth faster over a register
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value)
        return str(int(value)) if -EXACT_BELOW < value < EXACT_BELOW else scientific(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def scientific(value: float) -> str:
    """The shortest text that reads back as `value`, in Excel's E notation."""
    return format(Decimal(repr(value)).normalize(), "E")


# Number formats that show a whole number zero-padded to their width (`000000`): a record
# ID 000123 or a phone 05718888666 typed as a number keeps its zeros only in the format.
_ZERO_PADDED = re.compile(r"0{2,}")
_NUM_FMT = re.compile(rb'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*)")
_XF_FMT = re.compile(rb'numFmtId="([0-9]+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_ID_FIRST = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
CHUNK = 1 << 23
Pads = dict[int, list[tuple[int, int]]]  # sheet row (from 1) → (column from 0, width)


def padded_styles(book: zipfile.ZipFile) -> dict[bytes, int]:
    """Cell style index → width, for the styles whose number format pads with zeros.
    Most workbooks have none, and then no sheet is scanned: reading styles costs ~1 ms."""
    try:
        styles = book.read("xl/styles.xml")
    except KeyError:
        return {}
    widths = {
        fid: len(code)
        for fid, code in _NUM_FMT.findall(styles)
        if _ZERO_PADDED.fullmatch(code.decode("utf-8", "replace").split(";")[0])
    }
    xfs = _CELL_XFS.search(styles)
    if not widths or not xfs:
        return {}
    out = {}
    for index, attrs in enumerate(_XF.findall(xfs.group(1))):
        fid = _XF_FMT.search(attrs)
        if fid and fid.group(1) in widths:
            out[str(index).encode()] = widths[fid.group(1)]
    return out


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding its cells."""
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL_ID_FIRST.findall(rels)}
    out = {}
    for name, rid in _SHEET.findall(book.read("xl/workbook.xml")):
        target = targets.get(rid, b"").decode()
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[name.decode()] = part.replace("&amp;", "&")
    return out


def _column(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n - 1


def padded_cells(book: zipfile.ZipFile, part: str, styles: dict[bytes, int]) -> Pads:
    """The cells of one sheet part styled with a zero-padded format, by row. The sheet XML
    is scanned in 8 MB pieces cut after a cell, so memory stays flat."""
    cell = re.compile(
        rb'<c r="([A-Z]+)([0-9]+)"(?: [a-zA-Z]+="[^"]*")*? s="('
        + b"|".join(re.escape(k) for k in styles)
        + rb')"'
    )
    out: Pads = {}
    rest = b""
    with book.open(part) as stream:
        while True:
            piece = stream.read(CHUNK)
            data = rest + piece
            cut = data.rfind(b"<c ") if piece else len(data)
            for letters, row, style in cell.findall(data, 0, cut if cut > 0 else len(data)):
                out.setdefault(int(row), []).append((_column(letters), styles[style]))
            rest = data[cut:] if piece and cut > 0 else b""
            if not piece:
                return out


def _padded(values: list[object], cells: list[str | None], pads, left: int) -> None:
    """Whole numbers in zero-padded cells as the workbook shows them (123 → 000123)."""
    for column, width in pads:
        j = column - left
        if 0 <= j < len(values) and isinstance(values[j], float) and values[j].is_integer():
            cells[j] = str(int(values[j])).zfill(width)


def _write_sheet(sheet, target: Path, pads: Pads | None = None) -> dict[str, object]:
    import pyarrow as pa

    width, first = sheet.width, sheet.start[0] if sheet.start else 0
    left = sheet.start[1] if sheet.start else 0
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
            if pads and first + i + 1 in pads:
                _padded(values, cells, pads[first + i + 1], left)
            if any(c is not None and c.strip() for c in cells):
                rows.append((first + i + 1, cells))
                count += 1
            if len(rows) >= BATCH:
                flush(writer)
        if rows:
            flush(writer)
    return {"rows": count, "width": width, "file": str(target) if count else None}


def _read_sheet(
    book, name: str, out: Path, index: int, pads: Pads | None = None
) -> dict[str, object]:
    """One sheet written out, or why it cannot be read (a chart sheet, a broken part)."""
    try:
        sheet = book.get_sheet_by_name(name)
    except MemoryError:
        raise
    except Exception as exc:
        return {"rows": 0, "width": 0, "file": None, "error": str(exc) or type(exc).__name__}
    return _write_sheet(sheet, out / f"sheet{index}.arrow", pads)


def _all_pads(path: str, names: list[str]) -> dict[str, Pads]:
    """Zero-padded cells per sheet; none for a workbook that is not .xlsx (an .xls has no
    zip) or whose parts cannot be found (calamine read it, so its cells still load)."""
    try:
        with zipfile.ZipFile(path) as book:
            styles = padded_styles(book)
            if not styles:
                return {}
            parts = _sheet_parts(book)
            return {n: padded_cells(book, parts[n], styles) for n in names if n in parts}
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


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
        chosen = [n for n in names if wanted is None or n in wanted]
        pads = _all_pads(path, chosen)
        sheets = []
        for index, name in enumerate(names):
            if name in chosen:
                sheets.append({"name": name, **_read_sheet(book, name, out, index, pads.get(name))})
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        print(str(exc) or type(exc).__name__, file=sys.stderr)
        return CANNOT_READ
    print(json.dumps({"names": names, "sheets": sheets}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
