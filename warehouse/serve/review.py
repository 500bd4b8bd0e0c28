"""Clerical review for the people who do it: the queue, an item with its two records side
by side (identifiable: logged before it is shown), and decisions and undos recorded under
the writer lock with the reviewer's real account (warehouse/linking/review.py holds the
rules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from connectors.home import Home
from warehouse.db import create_link_tables
from warehouse.linking import (
    Accuracy,
    QueueStats,
    Sample,
    agreement,
    decide,
    decisions_of,
    draw_sample,
    estimate,
    item,
    list_queue,
    load_settings,
    queue_stats,
    report_pair,
    sides,
    undo,
)
from warehouse.serve.access_log import (
    check_reason,
    log_access,
    logged_session,
    sudo_user,
    who,
)

READ_WAIT = 60.0


@dataclass
class ReviewItem:
    item: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0  # other reviewers' decisions, not shown before this reviewer decides


@contextmanager
def _session(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    """A logged session on a warehouse whose review tables exist (one linked before them)."""
    with logged_session(home, READ_WAIT) as con:
        create_link_tables(con)
        yield con


def _required() -> int:
    return load_settings().review.reviewers_required


def review_queue(
    home: Home,
    department: str | None = None,
    building: str | None = None,
    priority: float | None = None,
    limit: int = 50,
) -> tuple[list[str], list[tuple[Any, ...]], int]:
    """The open items (no names or contacts), and how many are open in all."""
    with _session(home) as con:
        columns, rows = list_queue(con, department, building, priority, limit)
        total = queue_stats(con, load_settings().review.queue_limit).open
    return columns, rows, total


def queue_summary(home: Home) -> QueueStats:
    """How many items are open, since when, and the limit past which that is a warning."""
    with _session(home) as con:
        return queue_stats(con, load_settings().review.queue_limit)


def review_sample(home: Home, size: int, seed: int = 42) -> Sample:
    """Draw a random sample of pairs for reviewers to label (warehouse/linking/accuracy.py)."""
    with _session(home) as con:
        return draw_sample(con, list(home.contracts().values()), size, seed)


def review_accuracy(home: Home, sample_id: str | None = None) -> Accuracy | None:
    """Precision and recall estimated from a sample's labels (the newest by default)."""
    with _session(home) as con:
        return estimate(con, sample_id, _required())


def review_agreement(home: Home) -> tuple[int, int]:
    """(items two or more reviewers decided, items they agreed on)."""
    with _session(home) as con:
        return agreement(con)


def _reviewer(account: str | None) -> str:
    """The web account (`web:<name>`) a decision or view is made under, else the OS one."""
    return f"web:{account}" if account else who()


def show_item(
    home: Home, item_id: str, reason: str | None = None, account: str | None = None
) -> ReviewItem:
    """An item with its two records as the departments hold them; logged first."""
    why = check_reason(reason or f"clerical review of {item_id}")
    with _session(home) as con:
        found = item(con, item_id)
        records = sides(con, list(home.contracts().values()), found)
        log_access(
            con,
            reason=why,
            action="review",
            target=found["item_id"],
            building_id=found["building_id"],
            person_ids=sorted({str(r["person_id"]) for r in records if r["person_id"]}),
            rows_shown=len(records),
            account=account,
        )
        decisions = decisions_of(con, found["item_id"])
        hidden = 0
        if _required() > 1 and found["status"] != "decided":
            # Blind second review: another's decision is not shown before one's own.
            mine = [d for d in decisions if d["reviewer"] == _reviewer(account)]
            hidden, decisions = len(decisions) - len(mine), mine
        return ReviewItem(found, records, decisions, hidden)


def record_decision(
    home: Home, item_id: str, decision: str, reason: str, account: str | None = None
) -> str:
    """A reviewer's decision on an item; the next link run applies it."""
    why = check_reason(reason)
    sudo = None if account else sudo_user()
    with _session(home) as con:
        return decide(con, item_id, decision, _reviewer(account), why, sudo, _required())


def report_decision(
    home: Home, first: tuple[str, str], second: tuple[str, str], decision: str, reason: str
) -> tuple[str, str]:
    """A decision on two records found outside the queue; returns (item, decision)."""
    why = check_reason(reason)
    with _session(home) as con:
        return report_pair(con, first, second, decision, who(), why, sudo_user(), _required())


def undo_decision(home: Home, decision_id: str, reason: str) -> str:
    why = check_reason(reason)
    with _session(home) as con:
        return undo(con, decision_id, who(), why, sudo_user(), _required())
