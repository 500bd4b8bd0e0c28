"""File writers that reproduce each department's export format, byte for byte per seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from demo.xlsx import write_xlsx


def write_csv(rows: pd.DataFrame, path: Path, encoding: str, crlf: bool = False) -> None:
    """CSV as the department's system writes it; `gbk` and `utf-8-sig` are common."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n" if crlf else "\n")


def write_jsonl(objects: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for obj in objects:
            out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_register_xlsx(
    rows: pd.DataFrame, path: Path, title: str, total: str, note: str, sheet: str
) -> None:
    """A government register: merged title row, header, data, a total row and a note row."""
    width = len(rows.columns)
    footer = [["合计", total, *[None] * (width - 2)], [note, *[None] * (width - 1)]]
    write_xlsx(
        path, sheet, title, list(rows.columns), rows.itertuples(index=False, name=None), footer
    )
