"""Noise that departments really produce, applied at exact rates to rendered columns."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import opencc

from demo.pools import name_pools
from schemas.idnumber import CHECK_CHARS, downgrade_18

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９ＸＸ")
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Traditional characters as written in Taiwan, Hong Kong or by the standard tables.
TRADITIONAL = ("s2t", "s2tw", "s2hk")


def pick(rng: np.random.Generator, eligible: np.ndarray, rate: float, total: int) -> np.ndarray:
    """round(rate * total) row positions drawn from the eligible ones (all of them if fewer)."""
    pool = np.flatnonzero(eligible)
    k = min(round(rate * total), len(pool))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else np.array([], dtype=int)


def typo(rng: np.random.Generator, name: str, lookalike: bool = False) -> str:
    """Swap one character for a homophone (demo/pools.yaml), as a pinyin input method
    does, or for a character that looks alike, as a clerk copying a form does."""
    pools = name_pools()
    alternatives = pools.lookalikes if lookalike else pools.alternatives
    positions = [i for i, ch in enumerate(name) if alternatives.get(ch)]
    if not positions:
        return name
    i = positions[int(rng.integers(0, len(positions)))]
    options = alternatives[name[i]]
    return name[:i] + options[int(rng.integers(0, len(options)))] + name[i + 1 :]


def traditional(rng: np.random.Generator, name: str) -> str:
    """The name in traditional characters, in one of the regional standards."""
    return _converter(TRADITIONAL[int(rng.integers(0, len(TRADITIONAL)))]).convert(name)


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def spacing(rng: np.random.Generator, name: str) -> str:
    form = int(rng.integers(0, 4))
    if form == 0:
        return f" {name} "
    if form == 1:
        return name[0] + " " + name[1:]
    if form == 2:
        return name[0] + "\u3000" + name[1:]
    return name + "  "


def names(rng: np.random.Generator, values: np.ndarray, rates: dict) -> np.ndarray:
    out = values.astype(object).copy()
    n = len(out)
    for i in pick(rng, np.ones(n, bool), rates["name_typo"], n):
        out[i] = typo(rng, out[i])
    lookalikes = name_pools().lookalikes
    has_lookalike = np.array([any(c in lookalikes for c in v) for v in out])
    for i in pick(rng, has_lookalike, rates["name_lookalike"], n):
        out[i] = typo(rng, out[i], lookalike=True)
    # Only names that have a traditional form can be written in one.
    convertible = np.array([_converter("s2t").convert(v) != v for v in out])
    for i in pick(rng, convertible, rates["name_traditional"], n):
        out[i] = traditional(rng, out[i])
    for i in pick(rng, np.ones(n, bool), rates["name_spacing"], n):
        out[i] = spacing(rng, out[i])
    return out


def break_checksum(number: str) -> str:
    wrong = CHECK_CHARS.replace(number[17], "")
    return number[:17] + wrong[int(sum(map(ord, number))) % len(wrong)]


def id_numbers(
    rng: np.random.Generator,
    values: np.ndarray,
    birth_years: np.ndarray,
    rates: dict,
    invalid_rows: np.ndarray,
) -> np.ndarray:
    """Missing, legacy, full-width and lower-case x forms; `invalid_rows` get bad checksums."""
    out = values.astype(object).copy()
    n = len(out)
    for i in invalid_rows:
        out[i] = break_checksum(out[i])
    free = np.ones(n, bool)
    free[invalid_rows] = False
    missing = pick(rng, free, rates["id_missing"], n)
    out[missing] = ""
    free[missing] = False
    old = free & (birth_years >= 1900) & (birth_years <= 1999)
    legacy = pick(rng, old, rates["id_legacy15"], n)
    for i in legacy:
        out[i] = downgrade_18(out[i])
    free[legacy] = False
    ends_x = np.array([v.endswith("X") for v in out])
    for i in pick(rng, free & ends_x, rates["id_lower_x"], int(ends_x.sum())):
        out[i] = out[i][:-1] + "x"
    for i in pick(rng, free, rates["id_fullwidth"], n):
        out[i] = out[i].translate(FULL_WIDTH)
    return out


def spreadsheet_ids(rng: np.random.Generator, values: list, rate: float) -> list:
    """ID numbers a clerk typed into number cells: Excel keeps the first 15 digits and
    turns the rest into zeros, so the cell holds a float such as 3.30110195902211E+17.
    Only plain 18-digit numbers qualify (one ending in X, or in full-width digits, stays
    text in a cell)."""
    out = list(values)
    eligible = np.array(
        [isinstance(v, str) and len(v) == 18 and v.isascii() and v.isdigit() for v in out]
    )
    for i in pick(rng, eligible, rate, len(out)):
        out[i] = float(out[i][:15] + "000")
    return out


def phones(rng: np.random.Generator, values: np.ndarray, rates: dict) -> np.ndarray:
    out = np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)
    n = len(out)
    present = out != ""
    out[pick(rng, present, rates["phone_missing"], n)] = ""
    present = out != ""
    for i in pick(rng, present, rates["phone_format"], n):
        out[i] = _phone_form(out[i], int(rng.integers(0, 4)))
    return out


def _phone_form(phone: str, form: int) -> str:
    if phone.startswith("010-"):
        return ("(010)" + phone[4:], "010 " + phone[4:], phone[4:], "+86-10-" + phone[4:])[form]
    return (
        "+86 " + phone,
        "+86-" + phone,
        f"{phone[:3]} {phone[3:7]} {phone[7:]}",
        f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
    )[form]


def impossible_date(rng: np.random.Generator, day: dt.date) -> tuple[int, int, int]:
    """A year, month and day that no calendar has: 30 February or a thirteenth month."""
    if rng.random() < 0.5:
        return day.year, 2, 30
    return day.year, 13, day.day


def excel_serial(day: dt.date) -> str:
    return str((day - EXCEL_EPOCH).days)
