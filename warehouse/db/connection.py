"""The single writer's connection: every stage opens the warehouse here, so every layer,
table and macro is in place before any stage reads or writes.

DuckDB creates the write-ahead log and its spill files itself, with the process umask (a
0644 WAL in the shared home held ID numbers and phones mid-run): opening the warehouse
restricts the umask first, whoever calls (connectors/modes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE, private_dir, restrict_umask
from warehouse.db.ddl import create_warehouse, literal, quote
from warehouse.db.freshness import create_stage_table
from warehouse.db.link_tables import create_link_tables
from warehouse.db.macros import ensure_macros, install_reference
from warehouse.db.quality_tables import create_quality_tables
from warehouse.db.tables import create_audit_tables, create_staging_table

MEMORY_LIMIT = "1GB"
WAREHOUSE_ALIAS = "warehouse"  # the catalog name DuckDB gives warehouse.duckdb itself


def open_warehouse(home: Home, path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The single writer's connection, with every layer, table and macro in place."""
    restrict_umask()
    path = path or home.warehouse
    spill = private_dir(home.spill)
    # A bounded memory budget that spills to disk keeps a 1M-row file within about 2 GB.
    con = duckdb.connect(
        str(path), config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)}
    )
    path.chmod(OWNER_ONLY_FILE)
    _in_place(con, home)
    return con


@contextmanager
def attached_warehouse(con: duckdb.DuckDBPyConnection, home: Home) -> Iterator[None]:
    """The warehouse attached to `con` and made its default database while the block runs:
    a source's reader commits the rows it read on its own connection (temp tables stay
    where they are) without copying them. The caller holds the writer lock."""
    restrict_umask()
    own = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH {literal(str(home.warehouse))} AS {WAREHOUSE_ALIAS}")
    try:
        home.warehouse.chmod(OWNER_ONLY_FILE)
        con.execute(f"USE {WAREHOUSE_ALIAS}")
        _in_place(con, home)
        yield
    finally:
        con.execute(f"USE {quote(own)}")
        con.execute(f"DETACH {WAREHOUSE_ALIAS}")


def _in_place(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    create_warehouse(con)
    create_audit_tables(con)
    create_stage_table(con)
    create_link_tables(con)
    create_quality_tables(con)
    install_reference(con)
    for contract in home.contracts().values():
        create_staging_table(con, contract)
    ensure_macros(con)
