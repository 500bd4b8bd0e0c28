"""The warehouse file itself: its connection, writer lock and transactions, every table's
definition, the audit of runs, the status snapshot and the freshness stamps.

Every later stage opens and writes the warehouse through this package; it imports none of
them, so a table is defined in one place whichever stage fills it.
"""

from warehouse.db.connection import MEMORY_LIMIT, attached_warehouse, open_warehouse
from warehouse.db.ddl import create_table_sql, has_table, literal, qualified, quote
from warehouse.db.flags import Flag, flag_of, is_flag
from warehouse.db.freshness import (
    Freshness,
    Stamp,
    current_stamp,
    record_stage,
    warehouse_freshness,
)
from warehouse.db.leftovers import remove_leftovers, tidy
from warehouse.db.link_tables import create_link_tables
from warehouse.db.lock import WriterBusy, WriterLock
from warehouse.db.macros import install_macros
from warehouse.db.reader import BusyWarehouse, read_only
from warehouse.db.results import LoadResult
from warehouse.db.runs import close_dead_runs, finish_run, loads_of_dagster_run, start_run
from warehouse.db.snapshot import progress, read_summary, write_snapshot
from warehouse.db.tables import (
    create_access_log,
    record_key_of,
    record_key_stored,
    staging_fields,
    withdraw_rows,
)
from warehouse.db.transaction import transaction

__all__ = [
    "MEMORY_LIMIT",
    "BusyWarehouse",
    "Flag",
    "Freshness",
    "LoadResult",
    "Stamp",
    "WriterBusy",
    "WriterLock",
    "attached_warehouse",
    "close_dead_runs",
    "create_access_log",
    "create_link_tables",
    "create_table_sql",
    "current_stamp",
    "finish_run",
    "flag_of",
    "has_table",
    "install_macros",
    "is_flag",
    "literal",
    "loads_of_dagster_run",
    "open_warehouse",
    "progress",
    "qualified",
    "quote",
    "read_only",
    "read_summary",
    "record_key_of",
    "record_key_stored",
    "record_stage",
    "remove_leftovers",
    "staging_fields",
    "start_run",
    "tidy",
    "transaction",
    "warehouse_freshness",
    "withdraw_rows",
    "write_snapshot",
]
