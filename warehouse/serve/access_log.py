"""`audit.access_log`: every view of identifiable data: who, when, why, what.

The entry is written, under the writer lock, in the same session that reads the data and
before anything is shown; if it cannot be written, nothing is shown. The user is the
process's real account, from the kernel's uid: `$SUDO_USER` is anyone's to set, so it is
kept beside it as a claim (`sudo_user`), never instead of it. A reason must say something:
blank, zero-width or control characters alone are refused before anything is read.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import socket
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from connectors.home import Home
from warehouse.db import WriterLock, create_access_log, read_only, transaction

OPEN_RETRIES = 25
MIN_REASON = 4  # visible characters; a wide (CJK) character counts as two
VISIBLE = ("L", "N", "P", "S")  # letters, numbers, punctuation, symbols
LOG_COLUMNS = (
    "accessed_at",
    "user_name",
    "sudo_user",
    "host",
    "pid",
    "reason",
    "action",
    "target",
    "building_id",
    "person_ids",
    "rows_shown",
)
INSERT = (
    f"INSERT INTO audit.access_log ({', '.join(LOG_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in LOG_COLUMNS)})"
)
READ = """
SELECT accessed_at, user_name, sudo_user, host, action, target, building_id, reason,
       len(person_ids) AS persons, rows_shown
FROM audit.access_log
WHERE ($since IS NULL OR accessed_at >= $since) AND ($user IS NULL OR user_name = $user)
ORDER BY accessed_at, pid
"""


class ReasonRefused(ValueError):
    """The reason given for reading identifiable data says nothing."""


def who() -> str:
    """The real operating-system account running the command (its uid, as text, when the
    system has no name for it); the environment cannot change it."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def sudo_user() -> str | None:
    """Whom sudo says it ran the command for: recorded, but only as a claim."""
    return os.environ.get("SUDO_USER") or None


def check_reason(reason: str | None) -> str:
    """`reason` if it has MIN_REASON visible characters; else ReasonRefused."""
    visible = [ch for ch in reason or "" if unicodedata.category(ch)[0] in VISIBLE]
    width = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in visible)
    if width < MIN_REASON:
        raise ReasonRefused(
            f'a reason is needed: --reason "why", at least {MIN_REASON} visible characters '
            "(spaces, zero-width and control characters do not count); the access is logged"
        )
    return reason or ""


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse for writing the log; a status reader may hold it for a moment."""
    for attempt in range(OPEN_RETRIES):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException:
            if attempt == OPEN_RETRIES - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


@contextmanager
def logged_session(
    home: Home, wait: float, on_wait: Any = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The restricted warehouse, writable, under the writer lock: read the data and
    log_access in it, and show nothing before both are done.

    Waits up to `wait` seconds for a run to release the warehouse (WriterBusy after);
    FileNotFoundError when there is no warehouse yet.
    """
    if not home.warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {home.warehouse} yet: run `causeway run` first")
    with WriterLock(home.writer_lock, timeout=wait, on_wait=on_wait), _open(home.warehouse) as con:
        yield con


def log_access(
    con: duckdb.DuckDBPyConnection,
    *,
    reason: str,
    action: str,
    target: str,
    building_id: str | None,
    person_ids: Sequence[str],
    rows_shown: int | None = None,
    account: str | None = None,
) -> None:
    """One entry; `rows_shown` is len(person_ids) unless given (rows of no known person).
    `account`: the web account that asked (`web:<name>`), else the process's real account."""
    check_reason(reason)
    values = {
        "accessed_at": dt.datetime.now(),
        "user_name": f"web:{account}" if account else who(),
        "sudo_user": sudo_user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "reason": reason,
        "action": action,
        "target": target,
        "building_id": building_id,
        "person_ids": list(person_ids),
        "rows_shown": len(person_ids) if rows_shown is None else rows_shown,
    }
    with transaction(con):
        create_access_log(con)
        con.execute(INSERT, [values[c] for c in LOG_COLUMNS])


def read_access_log(
    home: Home, since: dt.datetime | None = None, user: str | None = None
) -> list[dict[str, Any]]:
    """The entries from `since` on, of `user` only if given, oldest first.

    Reading the log is not itself logged: it shows who looked and why, not the data they
    saw (no person IDs are returned), and auditors must be able to read it without
    adding to it.
    """
    with read_only(home) as con:
        has_log = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'audit' AND table_name = 'access_log'"
        ).fetchall()[0][0]
        if not has_log:
            return []
        columns = {
            c
            for (c,) in con.execute(
                "SELECT name FROM pragma_table_info('audit.access_log')"
            ).fetchall()
        }
        sql = READ if "sudo_user" in columns else READ.replace("sudo_user,", "NULL AS sudo_user,")
        cursor = con.execute(sql, {"since": since, "user": user})
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
