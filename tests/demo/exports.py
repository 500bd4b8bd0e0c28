"""Plain readers for the demo's exports, as a clerk's spreadsheet or script would open them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd

ENCODINGS = {"health": "gbk", "police": "utf-8-sig", "civil_affairs": "utf-8"}
RECORD_ID = {
    "housing_occupants": "登记编号",
    "health_residents": "档案编号",
    "police_residents": "登记编号",
    "civil_affairs_cases": "case_no",
    "police_incidents": "mention_id",
}


def read_xlsx_register(path: Path) -> tuple[str, pd.DataFrame, list[tuple]]:
    """Title, data rows (as text) and the rows after the data (total, notes)."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header = list(rows[1])
    end = next(i for i, r in enumerate(rows) if r[0] == "合计")
    data = pd.DataFrame(rows[2:end], columns=header)
    return rows[0][0], data, rows[end:]


def read_jsonl_mentions(path: Path) -> pd.DataFrame:
    """One row per involved person, as `<incident>#<n>`, with the incident's fields."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        incident = json.loads(line)
        for n, person in enumerate(incident["涉及人员"], start=1):
            flat = {k: v for k, v in incident.items() if k != "涉及人员"}
            rows.append({**flat, **person, "mention_id": f"{incident['警情编号']}#{n}"})
    return pd.DataFrame(rows)


def read_export(path: Path) -> pd.DataFrame:
    department = path.parent.name
    if path.suffix == ".xlsx":
        return read_xlsx_register(path)[1].fillna("")
    if path.suffix == ".jsonl":
        return read_jsonl_mentions(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=ENCODINGS[department])


def source_of(path: Path) -> str:
    return path.stem.rsplit("_", 1)[0]


def exports(home: Path, month: str) -> dict[str, pd.DataFrame]:
    """Every export of one month under a home, by source."""
    found = sorted((home / "ingest").glob(f"*/*_{month}.*"))
    return {source_of(p): read_export(p) for p in found}
