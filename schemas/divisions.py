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


# Names too generic to mark a district at the start of an address (城区 of several cities).
_GENERIC = frozenset({"市辖区", "新区", "城区", "郊区", "矿区"})


def _prefectures(prefixes: Any, stem: str = "") -> Iterator[str]:
    """Prefecture-level names (金华市), which are no district: codes ending in 00."""
    for _length, low, _high, props, children in prefixes:
        code = stem + low
        if len(code) == 6 and code.endswith("00") and not code.endswith("0000"):
            yield from (_YEARS.sub("", n) for n in props.get("county", "").split(",") if n)
        yield from _prefectures(children, code)


@cache
def county_names() -> tuple[str, ...]:
    """County-level names (西湖区, 义乌市, 桐庐县, 峨山彝族自治县, 土默特左旗) that an address
    may begin with, longest first so a regular expression alternation prefers them."""
    # A county-level city that became a prefecture (金华市) names the city, not a district.
    cities = set(_prefectures(numdb.get("cn/loc").prefixes))
    names = {
        n
        for n in division_codes().values()
        if n[-1:] in "区县市旗" and n not in _GENERIC and n not in cities
    }
    return tuple(sorted(names, key=lambda n: (-len(n), n)))
