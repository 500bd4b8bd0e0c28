"""Links people and places under the writer lock: the warehouse side of the core layer."""

from __future__ import annotations

from collections.abc import Callable

from connectors.home import Home
from warehouse.db import (
    WriterLock,
    current_stamp,
    finish_run,
    open_warehouse,
    record_stage,
    start_run,
    write_snapshot,
)
from warehouse.linking.run import LinkResult, Mode, link_people


def link_warehouse(
    home: Home,
    mode: Mode = "auto",
    on_wait: Callable[[str], None] | None = None,
    dagster_run_id: str | None = None,
) -> LinkResult:
    """Incremental by default (a full relink the first time); `full` re-estimates the model
    and re-clusters everyone, keeping IDs by overlap."""
    home.ensure()
    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        run_id = start_run(con, f"link:{mode}", dagster_run_id)
        try:
            result = link_people(con, home, mode, dagster_run_id=dagster_run_id)
        except Exception as exc:
            finish_run(con, run_id, [], exc)
            raise
        finish_run(con, run_id, [])
        record_stage(con, "linked", current_stamp(con), dagster_run_id)
        write_snapshot(con, home)
    return result
