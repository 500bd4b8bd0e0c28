"""Great Expectations 1.24.1 on DuckDB through SQLAlchemy: the two patches, in one place.

As shipped, GX's SQL engine fails every expectation on DuckDB (`duckdb_engine`): it returns
query results after closing their connection, and DuckDB fetches lazily (upstream issues
#10738, #11579); and it knows no regex function for the dialect. Two patches fix it: the
duckdb dialect is treated like sqlite (one persisted connection), and regex expectations
compile to `regexp_matches`. They reach into GX internals, so they are pinned to the one
GX version they were tested on: any other version fails loudly here, not silently later.

GX is imported on first use only: the import costs 2-4 s.
"""

from __future__ import annotations

import enum
import importlib
import threading
from types import ModuleType
from typing import Any

import duckdb

GX_VERSION = "1.24.1"
DIALECT = "duckdb"
# Every GX module that imported `get_dialect_regex_expression` by name.
_REGEX_MODULES = tuple(
    f"great_expectations.expectations.metrics.{name}"
    for name in (
        "column_map_metrics.column_values_match_regex",
        "column_map_metrics.column_values_not_match_regex",
        "column_map_metrics.column_values_match_regex_list",
        "column_map_metrics.column_values_not_match_regex_list",
        "column_aggregate_metrics.column_values_match_regex_values",
        "column_aggregate_metrics.column_values_not_match_regex_values",
    )
)
_lock = threading.Lock()
_patched = False


class UnsupportedGXVersion(RuntimeError):
    """The installed GX is not the version these patches were written and tested for."""


def check_version(version: str) -> None:
    if version != GX_VERSION:
        raise UnsupportedGXVersion(
            f"great-expectations {version} is installed, but warehouse/quality/gx_duckdb.py "
            f"patches GX internals tested on {GX_VERSION} only: pin {GX_VERSION}, or re-check "
            "both patches against the new version (tests/warehouse/quality/test_gx_duckdb.py) "
            "and update GX_VERSION"
        )


def gx() -> ModuleType:
    """The `great_expectations` module, version-checked and patched for DuckDB (once)."""
    global _patched
    module = importlib.import_module("great_expectations")
    with _lock:
        if not _patched:
            check_version(module.__version__)
            _persist_duckdb_connections()
            _duckdb_regex()
            _patched = True
    return module


def _persist_duckdb_connections() -> None:
    """Patch 1: keep one connection open for the duckdb dialect, as GX does for sqlite."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine
    from great_expectations.execution_engine.sqlalchemy_dialect import GXSqlDialect

    class _DuckDBDialect(enum.Enum):
        # GX compares dialect names with GXSqlDialect's case-insensitive __eq__ and reads
        # `.value`; this member behaves the same way for the one name GX lacks.
        DUCKDB = DIALECT
        __eq__ = GXSqlDialect.__eq__
        __hash__ = GXSqlDialect.__hash__

    dialects = engine._PERSISTED_CONNECTION_DIALECTS
    if DIALECT not in dialects:
        engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DuckDBDialect.DUCKDB)


def _duckdb_regex() -> None:
    """Patch 2: regex expectations on the duckdb dialect compile to `regexp_matches`
    (a search, as GX's regex expectations are on every other engine)."""
    import sqlalchemy as sa
    from great_expectations.expectations.metrics import util

    original = util.get_dialect_regex_expression

    def regex_expression(column: Any, regex: str, dialect: Any, positive: bool = True) -> Any:
        if getattr(dialect, "name", None) == DIALECT:
            matches = sa.func.regexp_matches(column, sa.literal(regex))
            return matches if positive else sa.not_(matches)
        return original(column, regex, dialect, positive)

    for name in _REGEX_MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "get_dialect_regex_expression"):
            raise UnsupportedGXVersion(f"{name} no longer uses get_dialect_regex_expression")
        module.get_dialect_regex_expression = regex_expression


def sql_datasource(context: Any, name: str, con: duckdb.DuckDBPyConnection) -> Any:
    """A GX SQL data source reading through a cursor of `con`.

    A cursor is a second connection to the same DuckDB database in this process, so GX
    reads what the writer committed without opening the file again (DuckDB allows one
    read-write process per file, and refuses a second open with another configuration).
    """
    from duckdb_engine import ConnectionWrapper

    gx()

    def cursor() -> ConnectionWrapper:
        return ConnectionWrapper(con.cursor())

    return context.data_sources.add_or_update_sql(
        name=name,
        connection_string=f"{DIALECT}:///:memory:",
        kwargs={"creator": cursor},
    )


def close_datasource(datasource: Any) -> None:
    """Close GX's persisted connection and engine, so no cursor outlives the check."""
    datasource.get_execution_engine().close()
    datasource.get_engine().dispose()
