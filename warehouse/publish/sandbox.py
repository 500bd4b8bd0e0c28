"""Analysts' queries against the analytics file, in a bounded sandbox.

An analyst's SQL is untrusted: read-only alone let it change the session's settings, create
temporary tables, spill gigabytes into the data home and run unbounded, and the catalog
functions showed the home's path. So a query is one reading statement (statements.py,
judged on DuckDB's parse tree), on a connection opened read-only with file access off,
with a memory limit, a thread count and a spill folder of capped size outside the home
(removed afterwards), all locked before the query runs; a timer interrupts it at the
time limit.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publish.statements import StatementRefused, check_statement

READ_ONLY_CONFIG = {"enable_external_access": False}
# Nothing is installed or loaded on a query's behalf (and nothing could be: no file access).
SANDBOX_CONFIG = {
    **READ_ONLY_CONFIG,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)


class QueryRefused(Exception):
    """The query is not one the sandbox runs, or went past one of its limits."""


class QueryTimedOut(QueryRefused):
    """The query ran longer than the sandbox's time limit and was interrupted."""


class NoAnalytics(Exception):
    """Nothing has been published yet."""


@dataclass(frozen=True)
class SandboxLimits:
    """What one query may use: DuckDB sizes ("1GB", "500MB"), threads, seconds."""

    memory_limit: str = "1GB"
    temp_limit: str = "2GB"
    threads: int = 2
    timeout: float = 30.0

    def __post_init__(self) -> None:
        for name in ("memory_limit", "temp_limit"):
            if not SIZE.match(getattr(self, name)):
                raise ValueError(f"{name} must be a size such as 1GB or 500MB")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if not self.timeout > 0:
            raise ValueError("timeout must be more than 0 seconds")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def connect_analytics(path: Path) -> duckdb.DuckDBPyConnection:
    """The analytics file, read-only, without file access (for the evacuation lists)."""
    if not path.is_file():
        raise NoAnalytics(f"no analytics database at {path} yet: run `causeway run` first")
    return duckdb.connect(str(path), read_only=True, config=READ_ONLY_CONFIG)


def run_query(path: Path, sql: str, limits: SandboxLimits | None = None) -> QueryResult:
    """Run one reading statement within `limits` (SandboxLimits() by default).

    Refused statements and exceeded limits raise QueryRefused (QueryTimedOut for the
    time limit); DuckDB's own errors (a misspelt column) pass through, without the
    home's path.
    """
    limits = limits or SandboxLimits()
    try:
        check_statement(sql)
    except StatementRefused as exc:
        raise QueryRefused(str(exc)) from None
    if not path.is_file():
        raise NoAnalytics(f"no analytics database at {path} yet: run `causeway run` first")
    spill = Path(tempfile.mkdtemp(prefix="causeway-query-"))  # mode 0700
    try:
        with open_sandbox(path, spill, limits) as con:
            return _run(con, sql, limits)
    except duckdb.Error as exc:
        home = str(path.resolve().parent)
        if home in str(exc):
            raise type(exc)(str(exc).replace(home, "<home>")) from None
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def open_sandbox(path: Path, spill: Path, limits: SandboxLimits) -> duckdb.DuckDBPyConnection:
    """The analytics file read-only, without file access, with `limits` and spilling into
    `spill`; its configuration is locked, so no statement can change them."""
    config: dict[str, str | bool | int] = {
        **SANDBOX_CONFIG,
        "memory_limit": limits.memory_limit,
        "max_temp_directory_size": limits.temp_limit,
        "temp_directory": str(spill),
        "threads": limits.threads,
    }
    con = duckdb.connect(str(path), read_only=True, config=config)
    # DuckDB 1.5 reports a temp limit given at connect but does not enforce it (it spilled
    # 900 MB past an 8 MB cap); set again, it holds. 2.0 holds either way.
    con.execute("SET max_temp_directory_size = ?", [limits.temp_limit])
    con.execute("SET lock_configuration = true")
    return con


def _run(con: duckdb.DuckDBPyConnection, sql: str, limits: SandboxLimits) -> QueryResult:
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        with contextlib.suppress(duckdb.Error):  # the query ended as the time ran out
            con.interrupt()

    timer = threading.Timer(limits.timeout, stop)
    timer.daemon = True
    timer.start()
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())
    except duckdb.Error as exc:
        if stopped.is_set():
            raise QueryTimedOut(
                f"the query ran longer than the {limits.timeout:g} s limit and was stopped; "
                "narrow it, or allow more time with --timeout SECONDS"
            ) from None
        raise _refused(exc, limits) from None
    finally:
        timer.cancel()
        timer.join()


def _refused(exc: duckdb.Error, limits: SandboxLimits) -> Exception:
    """A QueryRefused for a limit or a refusal DuckDB itself made; else `exc` itself."""
    detail = str(exc).split(":", 1)[-1].strip().splitlines()[0]
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryRefused(
            f"the query needed more than the sandbox's {limits.memory_limit} of memory and "
            f"{limits.temp_limit} of temporary disk; narrow it, or raise the limits with "
            f"--memory-limit and --temp-limit ({detail})"
        )
    if isinstance(exc, duckdb.InvalidInputException) and "read-only mode" in str(exc):
        return QueryRefused(
            f"the analytics database is read-only: queries cannot change it ({detail})"
        )
    if isinstance(exc, duckdb.PermissionException):
        return QueryRefused(
            f"queries may read only the analytics database, not other files ({detail})"
        )
    if isinstance(exc, duckdb.InvalidInputException) and "configuration has been locked" in str(
        exc
    ):
        return QueryRefused(f"the sandbox's settings are locked ({detail})")
    return exc
