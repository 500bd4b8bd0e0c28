"""Where the shared warehouse lives when it is more than one machine's file.

The warehouse is one DuckDB file in the home unless `CAUSEWAY_WAREHOUSE` says otherwise:

- unset, empty or `duckdb`: the file alone, as always;
- `iceberg:<SQLAlchemy URL>`: every committed state of the file is also kept as Iceberg
  tables on that SQL catalog, so other machines pull it, time-travel through it and take
  over as the writer. `postgresql+psycopg://…` is the catalog for several machines; a bare
  `iceberg:` is a SQLite catalog inside the home (one machine, the format and the history).

The data files go under `CAUSEWAY_LAKE_DATA` (a folder every machine mounts at the same
path; default `<home>/lake`). The URL may hold a password, so it is only ever shown
redacted (`Lake.shown`).

DuckDB 2.0 has no Iceberg or DuckLake extension wheel yet (docs/engine.md): tables are
written from Arrow by pyiceberg and read back by DuckDB's own Parquet reader from the data
files a snapshot lists (docs/lake.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from connectors.home import Home

WAREHOUSE_ENV = "CAUSEWAY_WAREHOUSE"
LAKE_DATA_ENV = "CAUSEWAY_LAKE_DATA"
ICEBERG = "iceberg:"
FILE_ONLY = ("", "duckdb")
SQLITE_CATALOG = "catalog.db"


class LakeConfigError(ValueError):
    """`CAUSEWAY_WAREHOUSE` or `CAUSEWAY_LAKE_DATA` names something Causeway cannot use."""


@dataclass(frozen=True)
class Lake:
    catalog_url: str
    data: Path

    @property
    def shown(self) -> str:
        """The catalog URL with its password masked: what messages and logs may print."""
        return redacted(self.catalog_url)

    @property
    def warehouse_files(self) -> Path:
        """Staging, core, link, marts, audit: identifiable data, owner-only."""
        return self.data / "warehouse"

    @property
    def publication_files(self) -> Path:
        """The analytics publication's tables: as shareable as analytics.duckdb itself."""
        return self.data / "publication"


def configured_lake(home: Home, environ: Mapping[str, str] = os.environ) -> Lake | None:
    """The shared warehouse the environment names for `home`, or None for the file alone."""
    given = environ.get(WAREHOUSE_ENV, "").strip()
    if given.lower() in FILE_ONLY:
        return None
    if not given.lower().startswith(ICEBERG):
        raise LakeConfigError(
            f"{WAREHOUSE_ENV} must be `duckdb` or `iceberg:<catalog URL>` "
            "(e.g. iceberg:postgresql+psycopg://causeway@db/lake), not "
            f"{redacted(given)!r}"
        )
    url = given[len(ICEBERG) :].strip()
    data_given = environ.get(LAKE_DATA_ENV, "").strip()
    data = Path(data_given).expanduser() if data_given else home.lake
    if not data.is_absolute():
        raise LakeConfigError(
            f"{LAKE_DATA_ENV} must be an absolute path that every machine mounts, not {data}"
        )
    if not url:
        url = f"sqlite:///{home.lake / SQLITE_CATALOG}"
    try:
        sa.make_url(url)
    except sa.exc.ArgumentError:
        raise LakeConfigError(
            f"{WAREHOUSE_ENV}: {redacted(url)!r} is not a database URL "
            "(dialect+driver://user@host/database)"
        ) from None
    return Lake(url, data)


def redacted(url: str) -> str:
    """`url` with any password replaced by ***, whether or not it parses as a URL."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        scheme, sep, rest = url.partition("://")
        if not sep or "@" not in rest:
            return url
        credentials, _, place = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{place}"
