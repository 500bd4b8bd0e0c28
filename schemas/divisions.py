"""GB/T 2260 administrative division codes, the first six digits of an ID number.

The codes come from python-stdnum's maintained `cn/loc` database, which keeps
abolished codes with their years: an ID number keeps its birth-place code for life,
so validation must accept codes that no longer exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from stdnum import numdb

_YEARS = re.compile(r"^\[\d*-\d*\]")


def _walk(prefixes: Any, stem: str = "") -> Iterator[tuple[str, str]]:
    for _length, low, _high, props, children in prefixes:
        code = stem + low
        if len(code) == 6 and code[4:] != "00" and "county" in props:
            # "[1983-2019]桥东区,[2020-]襄都区": the newest name is the last.
            yield code, _YEARS.sub("", props["county"].split(",")[-1])
        yield from _walk(children, code)


@cache
def division_codes() -> dict[str, str]:
    """Every six-digit county-level code ever issued, with its most recent name."""
    return dict(_walk(numdb.get("cn/loc").prefixes))


def is_division(code: str) -> bool:
    return code in division_codes()
