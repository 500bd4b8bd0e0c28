"""Keeping a home's warehouse in step with the lake: catch up before a run writes, commit
after it published.

A run on a machine whose warehouse is behind the lake first pulls the newest commit, so
two machines take turns as the writer without either undoing the other. A warehouse that
changed since its last commit while the lake moved on has diverged: the run stops before
writing, and says so, rather than overwrite either side. A lake that cannot be reached
does not stop the district: the run loads, links and publishes locally, and the next push
finds out whether anyone else committed in between.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.home import Home
from warehouse.db import WriterLock
from warehouse.lake.catalog import LakeUnavailable, commit_at, head, moved_on, open_catalog
from warehouse.lake.config import WAREHOUSE_ENV, Lake, LakeConfigError, configured_lake
from warehouse.lake.pull import LakeDiverged, NoSuchCommit, PullReport, in_step, pull
from warehouse.lake.push import PushReport, push
from warehouse.lake.state import read_state


@dataclass(frozen=True)
class CatchUp:
    pulled: PullReport | None = None
    warning: str | None = None  # the lake could not be reached: the run went on locally


def catch_up(home: Home, on_wait: Callable[[str], None] | None = None) -> CatchUp:
    """Pull the lake's newest commit if this home's warehouse is behind it; LakeDiverged if
    the warehouse changed on its own meanwhile. Nothing to do without a configured lake."""
    lake = configured_lake(home)
    if lake is None:
        return CatchUp()
    with WriterLock(home.writer_lock, on_wait=on_wait):
        try:
            return _catch_up(home, lake)
        except LakeUnavailable as exc:
            return CatchUp(warning=f"{exc}; this run works on the local warehouse only")


def _catch_up(home: Home, lake: Lake) -> CatchUp:
    with open_catalog(lake) as catalog:
        newest = head(catalog)
    if newest is None:
        return CatchUp()
    state = read_state(home, lake)
    if state is not None and state.seq == newest.seq:
        return CatchUp()
    if home.warehouse.is_file():
        if state is None:
            raise LakeDiverged(
                f"this home's warehouse was never in step with the lake {lake.shown}, which "
                f"already holds commit {newest.seq}: move the file aside to take the lake's, "
                "or point CAUSEWAY_WAREHOUSE at another lake"
            )
        with open_catalog(lake) as catalog:
            mine = commit_at(catalog, state.seq)
        if mine is None or not in_step(home, mine):
            raise LakeDiverged(
                moved_on(newest, state.seq)
                + ", and this warehouse changed since that commit without pushing it. "
                "Nothing was written on either side; decide which to keep: "
                "`causeway lake pull --discard-local` takes the lake's (this file is kept "
                "aside), or move the lake's commits aside and `causeway lake push`"
            )
    return CatchUp(pulled=pull(home, lake))


def pull_home(
    home: Home, discard_local: bool = False, on_wait: Callable[[str], None] | None = None
) -> PullReport:
    """`causeway lake pull`: this home's warehouse becomes the lake's newest commit. One that
    changed since its own last commit is kept unless `discard_local`, and then it is kept
    aside (`Home.discarded_warehouse`), never deleted."""
    lake = required_lake(home)
    with WriterLock(home.writer_lock, on_wait=on_wait):
        try:
            result = _catch_up(home, lake)
        except LakeDiverged:
            if not discard_local:
                raise
            kept = home.discarded_warehouse(f"{dt.datetime.now():%Y%m%dT%H%M%S}")
            os.replace(home.warehouse, kept)
            Path(f"{home.warehouse}.wal").unlink(missing_ok=True)
            home.lake_state.unlink(missing_ok=True)
            result = _catch_up(home, lake)
        if result.pulled is None:
            with open_catalog(lake) as catalog:
                newest = head(catalog)
            if newest is None:
                raise NoSuchCommit("nothing was pushed to the lake yet")
            return PullReport(newest, 0, 0, False, already=True)
        return result.pulled


def unpushed(home: Home) -> bool:
    """Whether this home's warehouse changed since the commit it is in step with (a push
    that failed, a run whose publication was held back)."""
    lake = configured_lake(home)
    if lake is None or not home.warehouse.is_file():
        return False
    state = read_state(home, lake)
    if state is None:
        return True
    with open_catalog(lake) as catalog:
        mine = commit_at(catalog, state.seq)
    return mine is None or not in_step(home, mine)


def required_lake(home: Home) -> Lake:
    """The configured lake; LakeConfigError, saying how to configure one, if none is."""
    lake = configured_lake(home)
    if lake is None:
        raise LakeConfigError(
            f"no lake is configured: set {WAREHOUSE_ENV}=iceberg:<catalog URL> (docs/lake.md)"
        )
    return lake


def commit_home(
    home: Home,
    kind: str = "run",
    dagster_run_id: str | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> PushReport | None:
    """Push the home's warehouse and publication as the lake's next commit, under the
    writer lock; None without a configured lake."""
    lake = configured_lake(home)
    if lake is None:
        return None
    with WriterLock(home.writer_lock, on_wait=on_wait):
        return push(home, lake, kind, dagster_run_id)


def push_home(home: Home, on_wait: Callable[[str], None] | None = None) -> PushReport:
    """`causeway lake push`: commit what the warehouse holds now."""
    required_lake(home)
    report = commit_home(home, "push", None, on_wait)
    assert report is not None
    return report
