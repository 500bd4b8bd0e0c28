"""Links people and places under the writer lock: the warehouse side of the core layer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from connectors.home import Home
from warehouse.db import (
    LoadResult,
    WriterLock,
    current_stamp,
    finish_run,
    has_table,
    loads_of_dagster_run,
    open_warehouse,
    record_stage,
    start_run,
    write_snapshot,
)
from warehouse.linking.run import LinkError, LinkResult, Mode, link_people
from warehouse.linking.settings import ENGINES, load_settings


def link_warehouse(
    home: Home,
    mode: Mode = "auto",
    on_wait: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
    engine: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> LinkResult:
    """Incremental by default (a full relink the first time); `full` re-estimates the model
    and re-clusters everyone, keeping IDs by overlap. `engine` scores the pairs somewhere
    other than linking.yaml says (`duckdb` or `spark`). `on_progress` hears each phase
    of the link as it ends."""
    home.ensure()
    settings = load_settings()
    if engine:
        if engine not in ENGINES:
            raise LinkError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
        settings = settings.model_copy(update={"engine": engine})
    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        run_id = start_run(con, f"link:{mode}", dagster_run_id)
        try:
            result = link_people(
                con, home, mode, settings, dagster_run_id=dagster_run_id, on_progress=on_progress
            )
        except Exception as exc:
            finish_run(con, run_id, [], exc)
            raise
        finish_run(con, run_id, [])
        record_stage(con, "linked", current_stamp(con), dagster_run_id)
        write_snapshot(con, home)
    return result


@dataclass(frozen=True)
class RunOutcome:
    """What one Dagster run did to the warehouse: the files it loaded and its last link."""

    loads: list[LoadResult] = field(default_factory=list)
    link: LinkResult | None = None


# link.runs holds every field of a LinkResult but `skipped` (a skipped run is not recorded).
RECORDED = [f.name for f in dataclasses.fields(LinkResult) if f.name != "skipped"]
LINK_OF_DAGSTER_RUN = (
    f"SELECT {', '.join(RECORDED)} FROM link.runs WHERE dagster_run_id = ? "
    "ORDER BY finished_at DESC LIMIT 1"
)


def link_of_dagster_run(con: duckdb.DuckDBPyConnection, dagster_run_id: str) -> LinkResult | None:
    if not has_table(con, "link.runs"):
        return None
    found = con.execute(LINK_OF_DAGSTER_RUN, [dagster_run_id]).fetchall()
    if not found:
        return None
    values = dict(zip(RECORDED, found[0], strict=True))
    values["timings"] = values["timings"] or "{}"
    return LinkResult(**values)


def run_outcome(home: Home, dagster_run_id: str) -> RunOutcome:
    """What a Dagster run loaded and linked, even if another run worked meanwhile."""
    if not home.warehouse.exists():
        return RunOutcome()
    # Another run's step may hold the warehouse (DuckDB's lock is exclusive): wait for it.
    with WriterLock(home.writer_lock), duckdb.connect(str(home.warehouse), read_only=True) as con:
        return RunOutcome(
            loads_of_dagster_run(con, dagster_run_id), link_of_dagster_run(con, dagster_run_id)
        )
