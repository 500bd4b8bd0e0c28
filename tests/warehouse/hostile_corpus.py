"""The hostile corpus: bad files a district really receives, each with what must happen.

Every file goes into `ingest/civil_affairs/` beside one good file; the test checks the
status and reason of each and that the good file loads as usual.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.connectors.workbooks import write_zip_bomb

HEADER = ",".join(
    [
        "case_no",
        "xingming",
        "xingbie",
        "chusheng_riqi",
        "shenfenzheng_hao",
        "lianxi_dianhua",
        "jiating_zhuzhi",
        "case_type",
    ]
)
GOOD_ROW = (
    "MZ1,张三,M,1985/3/2,11010519491231002X,13812345678,柳荫社区3号楼2单元301室,城乡最低生活保障"
)
FORMULA = "=cmd|' /C calc'!A0"
CONTROL = "王\x07五\x1b"


def row(case: str, name: str = "张三", extra: str = "") -> str:
    return GOOD_ROW.replace("MZ1", case).replace("张三", name) + extra


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], None]
    status: str
    reason: str | None = None  # a phrase the reason must contain
    loaded: int | None = None
    quarantined: int | None = None


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda p: p.write_bytes(text.encode(encoding))


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _truncated_xlsx(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>" * 200)
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 5000)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def _zip_as_xlsx(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())


CASES = [
    Case(
        "civil_affairs_cases_wrong_encoding.csv",
        _bytes(HEADER.encode() + b"\nMZ1,\x81\xff\xfe\x80\x80,M\n"),
        "rejected",
        "encoding",
    ),
    Case(
        "civil_affairs_cases_broken_quotes.csv",
        _text(f'{HEADER}\n{row("MZ2")}\nMZ3,"李四,F\n{row("MZ4")}\n'),
        "partial",
        None,
        loaded=2,
        quarantined=1,
    ),
    Case("civil_affairs_cases_empty.csv", _text(""), "rejected", "empty"),
    Case("civil_affairs_cases_header_only.csv", _text(HEADER + "\n"), "rejected", "no data rows"),
    Case(
        "civil_affairs_cases_unknown_columns.csv",
        _text(f"{HEADER},remark\n{row('MZ5', extra=',call back')}\n"),
        "loaded",
        None,
        loaded=1,
    ),
    Case(
        "civil_affairs_cases_missing_column.csv",
        _text("case_no,xingbie\nMZ6,M\nMZ7,F\n"),
        "rejected",
        "xingming",
        loaded=0,
        quarantined=2,
    ),
    Case(
        "civil_affairs_cases_sql_header.csv",
        _text(f'{HEADER},"name""; DROP TABLE audit.file_loads; --"\n{row("MZ8", extra=",x")}\n'),
        "loaded",
        None,
        loaded=1,
    ),
    Case(
        "civil_affairs_cases_formula.csv",
        _text(f"{HEADER}\n{row('MZ9', name=FORMULA)}\n"),
        "loaded",
        None,
        loaded=1,
    ),
    Case(
        "civil_affairs_cases_control_chars.csv",
        _text(f"{HEADER}\n{row('MZ10', name=CONTROL)}\n"),
        "loaded",
        None,
        loaded=1,
    ),
    Case(
        "civil_affairs_cases_huge_field.csv",
        _text(f"{HEADER}\n{row('MZ11', name='长' * 1_000_000)}\n{row('MZ12')}\n"),
        "partial",
        None,
        loaded=1,
        quarantined=1,
    ),
    Case(
        "civil_affairs_cases_path ..%2F..%2Fetc%2Fpasswd -rf.csv",
        _text(f"{HEADER}\n{row('MZ13')}\n"),
        "loaded",
        None,
        loaded=1,
    ),
    Case("civil_affairs_cases_truncated.xlsx", _truncated_xlsx, "rejected", "workbook"),
    Case("civil_affairs_cases_zip.xlsx", _zip_as_xlsx, "rejected", "workbook"),
    Case(
        "civil_affairs_cases_zip_bomb.xlsx",
        lambda p: write_zip_bomb(p, 20),  # 60 KB on disk, 20 MB of sheet XML
        "rejected",
        "zip bomb",
    ),
    Case(
        "civil_affairs_cases_binary.csv",
        _bytes(b"\x00\x01\x02binary\x00" * 100),
        "rejected",
        "binary",
    ),
    Case(
        "unexpected_name.csv", _text(f"{HEADER}\n{row('MZ14')}\n"), "rejected", "no source contract"
    ),
]
GOOD = Case(
    "civil_affairs_cases_good.csv",
    _text(f"{HEADER}\n{row('MZ100')}\n{row('MZ101')}\n"),
    "loaded",
    None,
    loaded=2,
)
