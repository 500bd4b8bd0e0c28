"""Creates the standardization macros and reference tables on a warehouse connection."""

from __future__ import annotations

from functools import cache
from importlib import resources

import duckdb
import opencc
import pyarrow as pa
import yaml

from schemas.base import ID_NUMBER_SHAPE, MOBILE_SHAPE
from schemas.divisions import county_names, division_codes
from schemas.idnumber import CHECK_CHARS, WEIGHTS

# The CJK Unified Ideographs block: every character a Chinese place name uses.
_IDEOGRAPHS = range(0x4E00, 0xA000)


@cache
def address_folds() -> tuple[str, str, str, str]:
    """(from, to) pairs for translate(): each traditional ideograph that OpenCC's t2s table
    maps to one simplified character (社區 → 社区, 號樓 → 号楼, 花園 → 花园), then the dashes
    of warehouse/db/address_chars.yaml. Built once per process from the pinned package's data."""
    chars = [chr(c) for c in _IDEOGRAPHS]
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    pairs = [(t, s) for t, s in zip(chars, simplified, strict=True) if t != s and len(s) == 1]
    folds = yaml.safe_load(
        (resources.files("warehouse.db") / "address_chars.yaml").read_text(encoding="utf-8")
    )
    dashes = folds["dashes"]
    if len(dashes["from"]) != len(dashes["to"]):
        raise ValueError("warehouse/db/address_chars.yaml: `from` and `to` differ in length")
    return (
        "".join(t for t, _ in pairs),
        "".join(s for _, s in pairs),
        dashes["from"],
        dashes["to"],
    )


def macro_sql() -> str:
    template = (resources.files("warehouse.db") / "macros.sql").read_text(encoding="utf-8")
    # Digit i of the 17-digit number n is (n // 10^(16 - i)) % 10.
    terms = " + ".join(
        f"((n // {10 ** (len(WEIGHTS) - 1 - i)}) % 10) * {w}" for i, w in enumerate(WEIGHTS)
    )
    traditional, simplified, dashes, dash = address_folds()
    return template.format(
        checksum_terms=terms,
        check_chars=CHECK_CHARS,
        traditional=traditional,
        simplified=simplified,
        dashes=dashes,
        dash=dash,
        counties="|".join(county_names()),
        id_number=ID_NUMBER_SHAPE,
        mobile=MOBILE_SHAPE,
    )


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Macros live in the connection's temp catalog, so every connection installs them."""
    con.execute(macro_sql())


def install_reference(con: duckdb.DuckDBPyConnection) -> None:
    """`ref.division`: every GB/T 2260 code, current and abolished (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.execute("CREATE TABLE IF NOT EXISTS ref.division (code VARCHAR PRIMARY KEY, name VARCHAR)")
    have = con.execute("SELECT count(*) FROM ref.division").fetchall()[0][0]
    codes = division_codes()
    if have == len(codes):
        return
    table = pa.table({"code": list(codes), "name": list(codes.values())})
    con.register("_divisions", table)
    con.execute("DELETE FROM ref.division")
    con.execute("INSERT INTO ref.division SELECT * FROM _divisions")
    con.unregister("_divisions")
