"""Listings never cut a value: a table folds its long text around phones, IDs and names,
and rows are shown one by one when even that would not fit (pipelines/output.py)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from pipelines.output import Format, print_rows

COLUMNS = ("priority", "floor", "name", "needs", "phone", "person_id", "address")
ROWS = [
    (1, 4, "黄剑宇", "依赖电力医疗设备、行动不便需协助、八十岁以上老人、独居老人", "010-87381234",
     "CW0000000752", "东湖街道前进苑社区2号楼1单元403"),
    (2, 11, "欧阳娜娜", "残疾人、慢性病患者", "15558326123", "CW0000000001",
     "东湖街道前进苑社区2号楼2单元1103"),
]  # fmt: skip


def _printed(width: int) -> str:
    out = io.StringIO()
    print_rows(Console(file=out, width=width, emoji=False), COLUMNS, ROWS, Format.table)
    return out.getvalue()


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60, 40])
def test_no_value_is_cut_at_any_width(width):
    printed = _printed(width)
    assert "…" not in printed
    if "── 1 of 2 ──" not in printed:  # a table: within the width (records run on, whole)
        assert max(cell_len(line) for line in printed.splitlines()) <= width
    for row in ROWS:
        for value in (row[2], row[4], row[5]):  # a name, a phone, an ID: never broken
            assert value in printed, (width, value)


def test_a_wide_terminal_gets_a_table_and_a_narrow_one_a_row_per_block():
    assert _printed(200).count("┃ priority") == 1
    narrow = _printed(60)
    assert "── 1 of 2 ──" in narrow and "── 2 of 2 ──" in narrow
    assert "needs      依赖电力医疗设备、行动不便需协助、八十岁以上老人、独居老人" in narrow
