"""Names as linking compares them: simplified characters, folded widths, and their pinyin.

Staging keeps a name as the clerk wrote it (whitespace cleaned); linking and golden
records use the normalized form, so `張偉` and `张伟` are one name, and the pinyin, so a
homophone typo (`张玮` for `张伟`) still counts as evidence. A district has far fewer
distinct names than records: each is converted once, in Python, into a temporary table
that the features join back (as fast as a DuckDB Python UDF over distinct names, and
needs no function registered on the connection: docs/linking.md, Names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import duckdb
import opencc
import pyarrow as pa
import yaml
from pypinyin import Style, lazy_pinyin

SURNAMES_FILE = Path(__file__).with_name("surnames.yaml")
NAME_TABLE = "link_names"
# OpenCC's t2s leaves Hong Kong and Taiwan variant forms (衞, 裡) as they are; hk2s and
# tw2s fold those first and then do what t2s does.
CONVERSIONS = ("hk2s", "tw2s")
# The separator of transcribed names (阿卜杜·热合曼) is typed in many look-alikes.
NAME_DOTS = re.compile("[\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\u318d\u0387\uff0e.]")
# A clerk's note after a name (张伟（户主）, 李娜(曾用名李雪)) is not part of it.
NOTE = re.compile(r"[(\[【〔].*?[)\]】〕]")
LATIN = re.compile("[A-Za-z]")
SPACES = re.compile(r"\s+")
HAN = re.compile("[\u3400-\u9fff\U00020000-\U0002ffff]")
# Many names per OpenCC call: one call per name costs more than the conversion itself.
BATCH = 20_000


@cache
def _converters() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(c) for c in CONVERSIONS)


@cache
def _surnames() -> tuple[dict[str, str], dict[str, str]]:
    raw = yaml.safe_load(SURNAMES_FILE.read_text(encoding="utf-8"))
    return dict(raw["single"]), dict(raw["compound"])


def _fold(name: str) -> str:
    """Width and compatibility forms folded (NFKC), one name separator, no stray spaces."""
    text = unicodedata.normalize("NFKC", name)
    text = NOTE.sub("", text).strip() or text.strip()
    if LATIN.search(text):  # J. Smith keeps its full stop
        return SPACES.sub(" ", text)
    return SPACES.sub("", NAME_DOTS.sub("\u00b7", text))


def to_simplified(names: list[str]) -> list[str]:
    """The names in simplified characters, converted many at a time."""
    out: list[str] = []
    for start in range(0, len(names), BATCH):
        chunk = "\n".join(names[start : start + BATCH])
        for converter in _converters():
            chunk = converter.convert(chunk)
        out += chunk.split("\n")
    if len(out) != len(names):  # a name holding a line break cannot come back one to one
        return [_single(n) for n in names]
    return out


def _single(name: str) -> str:
    for converter in _converters():
        name = converter.convert(name)
    return name


def normalize_names(names: list[str]) -> list[str]:
    """Each name as linking compares it: folded, then in simplified characters."""
    return to_simplified([_fold(n) for n in names])


def normalize_name(name: str) -> str:
    return normalize_names([name])[0]


@cache
def _reading(ch: str) -> str:
    """The first (most common) toneless reading of one character, as pypinyin gives it."""
    return lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0].lower()


def surname_length(name: str) -> int:
    """How many leading characters of a normalized name are its surname: a compound
    surname (欧阳, 司马) is two. In another script the order of names is unknown and the
    first letter stands in (it only blocks, and scores no more than "same surname")."""
    _, compound = _surnames()
    return 2 if HAN.search(name) and name[:2] in compound and len(name) > 2 else 1


def name_parts(name: str | None) -> tuple[str | None, str | None, str | None]:
    """(surname, given name, pinyin of the given name) of a normalized name; the one
    definition of the surname that blocking and every name level compare."""
    if not name:
        return None, None, None
    cut = surname_length(name)
    if HAN.search(name):
        given_pinyin = " ".join(_readings(name[cut:]))
    else:  # the words after the first
        given_pinyin = name.casefold().partition(" ")[2]
    return name[:cut], name[cut:], given_pinyin or None


def name_pinyin(name: str) -> str | None:
    """The toneless pinyin of a normalized name, the surname read as a surname
    (曾 zeng, 单 shan, 欧阳 ou yang); a Latin-script name is its lower-case letters."""
    if not name:
        return None
    if not HAN.search(name):
        return name.casefold()
    single, compound = _surnames()
    cut = surname_length(name)
    head = compound.get(name[:2]) if cut == 2 else single.get(name[0])
    parts = [head] if head else _readings(name[:cut])
    return " ".join([*parts, *_readings(name[cut:])]) or None


def _readings(text: str) -> list[str]:
    return [r for r in (_reading(ch) for ch in text if ch != "\u00b7") if r.strip()]


def name_rows(raw_names: Iterable[str]) -> pa.Table:
    """raw → normalized name, its pinyin and its parts, for each distinct raw name."""
    raw = [n for n in dict.fromkeys(raw_names) if n is not None]
    normalized = [n or None for n in normalize_names(raw)]
    parts = [name_parts(n) for n in normalized]
    return pa.table(
        {
            "raw": pa.array(raw, pa.string()),
            "name": pa.array(normalized, pa.string()),
            "name_pinyin": pa.array([name_pinyin(n or "") for n in normalized], pa.string()),
            "surname": pa.array([s for s, _, _ in parts], pa.string()),
            "given_name": pa.array([g for _, g, _ in parts], pa.string()),
            "given_pinyin": pa.array([p for _, _, p in parts], pa.string()),
        }
    )


def create_name_table(con: duckdb.DuckDBPyConnection, names_sql: str) -> int:
    """A temporary table `link_names` of every distinct name that `names_sql` selects
    (one column), normalized once; returns how many distinct names there are."""
    distinct = con.sql(f"SELECT DISTINCT * FROM ({names_sql})").arrow().read_all()
    table = name_rows(distinct.column(0).to_pylist())
    con.register("link_names_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {NAME_TABLE} AS SELECT * FROM link_names_arrow")
    finally:
        con.unregister("link_names_arrow")
    return table.num_rows
