"""Creates the standardization macros and reference tables on a warehouse connection."""

from __future__ import annotations

from importlib import resources

import duckdb
import pyarrow as pa

from schemas.divisions import division_codes
from schemas.idnumber import CHECK_CHARS, WEIGHTS


def macro_sql() -> str:
    template = (resources.files("warehouse") / "sql" / "macros.sql").read_text(encoding="utf-8")
    # Digit i of the 17-digit number n is (n // 10^(16 - i)) % 10.
    terms = " + ".join(
        f"((n // {10 ** (len(WEIGHTS) - 1 - i)}) % 10) * {w}" for i, w in enumerate(WEIGHTS)
    )
    return template.format(checksum_terms=terms, check_chars=CHECK_CHARS)


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
