"""Creates the standardization macros and reference tables on a warehouse connection."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import duckdb
import opencc
import pyarrow as pa
import yaml

from schemas.base import ID_NUMBER_SHAPE, MOBILE_SHAPE
from schemas.divisions import county_names, division_codes
from schemas.idnumber import CHECK_CHARS, WEIGHTS
from warehouse.db.transaction import transaction

# The digest of the macro SQL the warehouse file holds (`ensure_macros`).
MACRO_DIGEST = "ref.macro_digest"
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


@cache
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
    """Create (or replace) every macro on the connection's database."""
    con.execute(macro_sql())


def ensure_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros persist in the warehouse file with a digest of their SQL; they are
    written again only when the SQL differs (a new version, a new county list), not on
    every connection: 43 macros with the address folds take 0.1-0.2 s to replace."""
    digest = hashlib.sha256(macro_sql().encode("utf-8")).hexdigest()
    con.execute(f"CREATE TABLE IF NOT EXISTS {MACRO_DIGEST} (digest VARCHAR NOT NULL)")
    if con.execute(f"SELECT digest FROM {MACRO_DIGEST}").fetchall() == [(digest,)]:
        return
    with transaction(con):
        install_macros(con)
        con.execute(f"DELETE FROM {MACRO_DIGEST}")
        con.execute(f"INSERT INTO {MACRO_DIGEST} VALUES (?)", [digest])


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
