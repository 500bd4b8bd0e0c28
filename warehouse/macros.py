"""Creates the standardization macros and reference tables on a warehouse connection."""

from __future__ import annotations

from importlib import resources

import duckdb
import pyarrow as pa

import yaml

from schemas.divisions import division_codes
from schemas.idnumber import CHECK_CHARS, WEIGHTS


def macro_sql() -> str:
    template = (resources.files("warehouse") / "sql" / "macros.sql").read_text(encoding="utf-8")
    # Digit i of the 17-digit number n is (n // 10^(16 - i)) % 10.
    terms = " + ".join(
        f"((n // {10 ** (len(WEIGHTS) - 1 - i)}) % 10) * {w}" for i, w in enumerate(WEIGHTS)
    )
    folds = yaml.safe_load(
        (resources.files("warehouse") / "address_chars.yaml").read_text(encoding="utf-8")
    )
    source = "".join(folds[k]["from"] for k in ("traditional", "dashes"))
    target = "".join(folds[k]["to"] for k in ("traditional", "dashes"))
    if len(source) != len(target):
        raise ValueError("warehouse/address_chars.yaml: `from` and `to` differ in length")
    return template.format(
        checksum_terms=terms, check_chars=CHECK_CHARS, traditional=source, simplified=target
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
