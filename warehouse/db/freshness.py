"""Whether the analytics file reflects the warehouse, and what an earlier run left undone.

A run killed after its loads committed but before it linked or published leaves staging
ahead of the core layer and the analytics file. Three facts tell it, each written where it
cannot drift from what it describes:

- the warehouse's *generation* counts every committed change to staging: each load that
  added rows (`audit.file_loads`) and each action on a loaded file (`audit.file_actions`:
  retract, reprocess, gate decisions). Both are append-only and written in the same
  transaction as the change they record, so the count is derived, never kept by hand;
- `audit.stages` records the generation each link finished at (`linked`) and each
  publication was built from (`published`, as history);
- the analytics file itself records, in `meta.publication`, the generation and the link
  run it was built from, so the file says what it holds even if the audit row was lost.

The published file is current when it was built from the current generation and the last
link run, and that link saw the current generation. A rebuild carries `audit.stages` over
with every audit table; its relink is a new link run, so what was published before is
stale until the rebuilt warehouse is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.home import Home
from warehouse.db.ddl import has_table
from warehouse.db.lock import WriterLock

STAGES_DDL = """
CREATE TABLE IF NOT EXISTS audit.stages (
    stage VARCHAR NOT NULL,
    generation BIGINT NOT NULL,
    link_run_id VARCHAR,
    dagster_run_id VARCHAR,
    reached_at TIMESTAMP NOT NULL,
    CHECK (stage IN ('linked', 'published'))
)
"""
GENERATION_SQL = """
SELECT (SELECT count(*) FROM audit.file_loads WHERE status IN ('loaded', 'partial'))
     + (SELECT count(*) FROM audit.file_actions)
"""
LAST_LINK_RUN_SQL = (
    "SELECT link_run_id FROM link.runs WHERE finished_at IS NOT NULL "
    "ORDER BY finished_at DESC, link_run_id DESC LIMIT 1"
)
LINKED_SQL = (
    "SELECT generation FROM audit.stages WHERE stage = 'linked' "
    "ORDER BY reached_at DESC, generation DESC LIMIT 1"
)
PUBLISHED_SQL = "SELECT generation, link_run_id FROM meta.publication"


@dataclass(frozen=True)
class Stamp:
    """A state of the warehouse: its generation and the last link run over it."""

    generation: int
    link_run_id: str | None


NEVER = Stamp(0, None)


@dataclass(frozen=True)
class Freshness:
    now: Stamp
    linked: int
    published: Stamp | None

    @property
    def needs_link(self) -> bool:
        """Staging changed after the last link finished."""
        return self.linked != self.now.generation

    @property
    def current(self) -> bool:
        """The analytics file reflects the warehouse as it is (an empty warehouse that was
        never published counts as current: there is nothing to publish)."""
        return not self.needs_link and (self.published or NEVER) == self.now

    def undone(self) -> list[str]:
        """What is left to do, in plain words, in the order a run does it."""
        todo = []
        if self.needs_link:
            seen = f"generation {self.linked}" if self.linked else "never linked"
            todo.append(
                f"link the records staged since the last link (staging is at generation "
                f"{self.now.generation}; {seen})"
            )
        if not self.current:
            was = "never published" if self.published is None else self.describe(self.published)
            todo.append(f"check quality, build the marts and publish analytics.duckdb ({was})")
        return todo

    @staticmethod
    def describe(stamp: Stamp) -> str:
        return f"generation {stamp.generation}, link run {stamp.link_run_id or 'none'}"


def create_stage_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STAGES_DDL)


def current_stamp(con: duckdb.DuckDBPyConnection) -> Stamp:
    generation = con.execute(GENERATION_SQL).fetchall()[0][0]
    runs = con.execute(LAST_LINK_RUN_SQL).fetchall()
    return Stamp(int(generation), runs[0][0] if runs else None)


def record_stage(
    con: duckdb.DuckDBPyConnection, stage: str, stamp: Stamp, dagster_run_id: str | None = None
) -> None:
    """A stage reached; written after the work it stamps committed, so a crash in between
    only makes the next run repeat that work, never skip it."""
    con.execute(
        "INSERT INTO audit.stages VALUES (?, ?, ?, ?, ?)",
        [stage, stamp.generation, stamp.link_run_id, dagster_run_id, dt.datetime.now()],
    )


def published_stamp(analytics: Path) -> Stamp | None:
    """What the analytics file says it was built from; None when there is none, or when it
    predates stamps (then it is republished)."""
    if not analytics.is_file():
        return None
    try:
        with duckdb.connect(str(analytics), read_only=True) as con:
            rows = con.execute(PUBLISHED_SQL).fetchall()
    except duckdb.Error:
        return None
    return Stamp(int(rows[0][0]), rows[0][1]) if rows and rows[0][0] is not None else None


def freshness(con: duckdb.DuckDBPyConnection, analytics: Path) -> Freshness:
    """The warehouse open on `con` (read-only will do) against the analytics file."""
    has_stages = has_table(con, "audit.stages")
    linked = con.execute(LINKED_SQL).fetchall() if has_stages else []
    return Freshness(
        current_stamp(con), int(linked[0][0]) if linked else 0, published_stamp(analytics)
    )


def warehouse_freshness(
    home: Home, timeout: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Freshness | None:
    """The data home's freshness once no run writes its warehouse (WriterBusy after
    `timeout` seconds); None when there is no warehouse yet."""
    if not home.warehouse.is_file():
        return None
    with (
        WriterLock(home.writer_lock, timeout=timeout, on_wait=on_wait),
        duckdb.connect(str(home.warehouse), read_only=True) as con,
    ):
        return freshness(con, home.analytics)
