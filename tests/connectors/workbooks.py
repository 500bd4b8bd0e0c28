"""Workbooks in the shapes real exports take, and one that unzips to far more than it weighs."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl

Cell = str | int | float | None
SHEET_XML = "xl/worksheets/sheet1.xml"


def write_workbook(
    path: Path,
    sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[Cell]]]],
    title: str | None = "某某局 登记表",
    total: bool = True,
) -> Path:
    """One sheet per entry (name → header, rows), each with a title row above its header and
    a total row below its data, as government exports are."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        if title:
            sheet.append([title])
        if header:
            sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        if total and rows:
            sheet.append(["合计", f"共{len(rows)}人"])
    book.save(path)
    return path


def write_zip_bomb(path: Path, megabytes: int) -> Path:
    """A real workbook whose one sheet is `megabytes` MB of XML cells that deflate to
    almost nothing (200 MB weigh about 600 KB); its zip directory declares the true size."""
    base = path.with_name(path.name + ".base")
    write_workbook(base, {"Sheet": (["a", "b"], [])}, title=None, total=False)
    row = "<row>" + "<c><v>1</v></c>" * 64 + "</row>"
    chunk = (row * ((1 << 20) // len(row))).encode()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, 9) as out:
        for info in src.infolist():
            if info.filename != SHEET_XML:
                out.writestr(info.filename, src.read(info))
                continue
            with out.open(SHEET_XML, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b"<sheetData>"
                )
                for _ in range(megabytes):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    base.unlink()
    return path
