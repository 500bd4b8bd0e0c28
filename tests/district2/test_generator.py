"""The second fixture district is what it claims: seeded, independent of demo/, in the
truth format evaluate.py reads, and carrying every quirk of issue 15 in its files."""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

from openpyxl import load_workbook

from connectors.home import Home
from tests.district2.generator import HERE, MENTION_COLUMNS, generate


def test_the_same_seed_writes_the_same_bytes(district2, tmp_path):
    home, district = district2
    again = Home.resolve(tmp_path / "again").ensure()
    generate(again.ingest, again.demo_truth, again.contracts_dir, 3_000, 2026)
    for department, path in district.files.items():
        twin = again.ingest_dir(department) / path.name
        if path.suffix == ".xlsx":  # a workbook stamps its own creation time
            rows = [list(s.values) for s in load_workbook(path).worksheets]
            assert rows == [list(s.values) for s in load_workbook(twin).worksheets]
        else:
            assert path.read_bytes() == twin.read_bytes()
    truth = home.demo_truth / "persons.csv"
    assert truth.read_bytes() == (again.demo_truth / "persons.csv").read_bytes()


def test_nothing_is_borrowed_from_the_demo():
    for source in HERE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                assert not any((n or "").split(".")[0] == "demo" for n in names), source


def test_the_truth_is_in_the_format_evaluate_reads(district2):
    home, district = district2
    with (home.demo_truth / "persons.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == MENTION_COLUMNS
    assert len(rows) == len(district.truth) > 7_000
    assert {r["source"] for r in rows} == {
        "xh_housing_register",
        "xh_health_files",
        "xh_hukou",
        "xh_welfare",
    }
    assert len({(r["source"], r["source_record_id"]) for r in rows}) == len(rows)
    meta = json.loads((home.demo_truth / "meta.json").read_text(encoding="utf-8"))
    assert meta["as_of"] == "2026-11-30"


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        return "\n".join(
            ",".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.values
        )
    return path.read_bytes().decode("gbk" if "健康" in path.name else "utf-8")


def test_the_exports_carry_the_quirks_of_real_ones(district2):
    _, district = district2
    files = {d: _text(p) for d, p in district.files.items()}
    health = district.files["health"].read_bytes()
    assert health.decode("gbk") and not health.startswith(b"\xef\xbb\xbf")
    # Addresses: a space inside, hyphens, no prefix, traditional place names, 号楼.
    assert "西湖区 翠苑一区社区 " in files["health"]
    assert re.search(r"社区\d+-\d+-\d+", files["health"])
    assert re.search(r"\n\d+,[^,]*,[^\n]*,翠苑一区社区\d+[幢栋]", files["health"])
    assert "翠苑一區社區" in files["police"] and "号楼" in files["police"]
    # Flags in the departments' own words.
    assert ",是," in files["health"] and ",有" in files["health"]
    assert ",有," in files["housing"] and ",无," in files["housing"]
    # Spreadsheet damage: IDs as 15-digit numbers and in scientific notation, landlines
    # without their leading zero.
    book = load_workbook(district.files["housing"])
    ids = [r[3] for s in book.worksheets for r in s.iter_rows(min_row=3, values_only=True)]
    assert sum(isinstance(v, float) for v in ids) > 200
    assert re.search(r",3\.\d{14}E\+17,", files["health"])
    assert re.search(r",571\d{8},", files["housing"])
    # Names: traditional characters; twins; same-named people in other households.
    people = district.people
    assert (
        sum(
            any(c in n for c in "張陳劉楊黃吳趙孫錢鄭應樓蔣駱葉")
            for n in files["police"].split(",")
        )
        > 10
    )
    twins = {(p.household, p.birth) for p in people if p.relation in ("子", "女")}
    assert len(twins) < sum(p.relation in ("子", "女") for p in people)
    named: dict[str, set[int]] = {}
    for p in people:
        named.setdefault(p.name, set()).add(p.household)
    assert sum(len(h) > 1 for h in named.values()) > 20
    # Households share a landline.
    landlines = [p.landline for p in people if p.landline]
    assert len(set(landlines)) < len(landlines) / 1.5
    assert sum(p.power_dependent for p in people) > 30
