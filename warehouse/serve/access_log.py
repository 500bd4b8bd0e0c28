"""`audit.access_log`: every break-glass read of restricted data: who, when, why, what.

The entry is written, under the writer lock, in the same session that reads the data and
before anything is shown; if it cannot be written, nothing is shown.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from collections.abc import Sequence

import duckdb

from warehouse.db import create_access_log, transaction


def who() -> str:
    """The operating-system user running the command (sudo's caller when run under sudo)."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def log_access(
    con: duckdb.DuckDBPyConnection,
    *,
    reason: str,
    action: str,
    target: str,
    building_id: str | None,
    person_ids: Sequence[str],
) -> None:
    with transaction(con):
        create_access_log(con)
        con.execute(
            "INSERT INTO audit.access_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dt.datetime.now(),
                who(),
                socket.gethostname(),
                os.getpid(),
                reason,
                action,
                target,
                building_id,
                list(person_ids),
                len(person_ids),
            ],
        )
