"""What the web app reads from the published files: one long-lived read-only connection
per file, reopened when a publication swaps a new file in, and the queries of its pages.

A publication replaces `analytics.duckdb` and `outreach.duckdb` by rename, so a connection
opened before keeps reading the old file (whole and consistent, never a mix) until it is
reopened; each request checks the file's identity (inode and mtime) and reopens when it
changed. Requests run on a thread pool, so each takes its own cursor of the connection.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publish import connect_analytics

PUBLICATION = "SELECT published_at, as_of, generation, link_run_id FROM meta.publication"
PUBLISHED_TABLES = (
    "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
    "ORDER BY ALL"
)
# Need first: the ranking the publication computed, suppressed cells left as published.
GRIDS = """
SELECT grid_id, community, buildings, residents, vulnerable_residents, power_dependent,
       needs_help, aged_80_plus, living_alone, dangerous_buildings, evacuation_score
FROM mart.grid_summary ORDER BY evacuation_score DESC NULLS LAST, grid_id LIMIT $limit
"""
BUILDINGS = """
SELECT building_id, building_address, community, floors, has_elevator, residents,
       vulnerable_residents, power_dependent, needs_help, aged_80_plus, living_alone,
       stairs_only, evacuation_rank
FROM mart.building_summary ORDER BY evacuation_rank NULLS LAST, building_id LIMIT $limit
"""
ISLANDS = """
SELECT stage, breakdown, departments, department_a, department_b, people, share
FROM mart.island_index ORDER BY stage DESC, breakdown, departments, department_a, department_b
"""
SUPPRESSED = "SELECT count(*) FROM meta.suppressed_cells"


class PublishedFile:
    """A published DuckDB file, read through one connection kept open between requests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest publication (NoAnalytics when there is none yet)."""
        with self._lock:
            try:
                stat = self.path.stat()
                identity = (stat.st_ino, stat.st_mtime_ns)
            except FileNotFoundError:
                identity = None
            if self._con is None or identity != self._identity:
                if self._con is not None:
                    self._con.close()
                    self._con = None
                self._con = connect_analytics(self.path)
                self._identity = identity
            return self._con.cursor()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    result = cur.execute(sql, params or {})
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


@dataclass(frozen=True)
class DistrictPicture:
    publication: dict[str, Any]
    grids: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    islands: list[dict[str, Any]]
    suppressed_cells: int


def publication(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return _rows(cur, PUBLICATION)[0]


def published_file(path: Path) -> tuple[dict[str, Any], list[str]] | None:
    """When the analytics file at `path` was published and what it holds, read apart from
    any server's connection; None if there is none (or it is being replaced)."""
    if not path.is_file():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return publication(con), published_tables(con)
    except (duckdb.Error, IndexError):
        return None


def published_tables(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The published tables, `schema.table`, as analysts see them."""
    return [f"{s}.{t}" for s, t in cur.execute(PUBLISHED_TABLES).fetchall()]


def district_picture(cur: duckdb.DuckDBPyConnection, limit: int = 20) -> DistrictPicture:
    """The grids and buildings in need order, and the island index before and after
    linking, from the published (de-identified) file."""
    (suppressed,) = cur.execute(SUPPRESSED).fetchall()[0]
    return DistrictPicture(
        publication(cur),
        _rows(cur, GRIDS, {"limit": limit}),
        _rows(cur, BUILDINGS, {"limit": limit}),
        _rows(cur, ISLANDS),
        int(suppressed),
    )
