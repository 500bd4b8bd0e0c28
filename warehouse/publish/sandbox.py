"""Analysts' read-only queries against the analytics file.

The file is opened read-only with file-system access disabled, so a query can neither
write the published data nor reach other files (the restricted warehouse included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

READ_ONLY_CONFIG = {"enable_external_access": False}


class QueryRefused(Exception):
    """The query tried to write, or to reach a file other than the analytics database."""


class NoAnalytics(Exception):
    """Nothing has been published yet."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def connect_analytics(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise NoAnalytics(f"no analytics database at {path} yet: run `causeway run` first")
    return duckdb.connect(str(path), read_only=True, config=READ_ONLY_CONFIG)


def run_query(path: Path, sql: str) -> QueryResult:
    """Run one statement; writes and file access are refused with a QueryRefused."""
    with connect_analytics(path) as con:
        try:
            cursor = con.execute(sql)
        except duckdb.InvalidInputException as exc:
            if "read-only mode" in str(exc):
                raise QueryRefused(
                    "the analytics database is read-only: queries cannot change it "
                    f"({str(exc).split(':', 1)[-1].strip()})"
                ) from None
            raise
        except duckdb.PermissionException as exc:
            raise QueryRefused(
                "queries may read only the analytics database, not other files "
                f"({str(exc).split(':', 1)[-1].strip()})"
            ) from None
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())
