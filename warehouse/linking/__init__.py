"""Record linkage: the master index of people, dwellings and buildings.

Deterministic links on valid ID numbers first, then Fellegi–Sunter (Splink, trained on
DuckDB, scoring on DuckDB or Spark) for the mentions that have none; stable IDs across
relinks; incremental batches.
"""

from warehouse.linking.accuracy import Accuracy, Interval, Sample, draw_sample, estimate
from warehouse.linking.explanation import Explanation, explain
from warehouse.linking.review import (
    COMPARED,
    DECISIONS,
    NoSuchItem,
    QueueStats,
    agreement,
    decide,
    decisions_of,
    item,
    list_queue,
    queue_stats,
    report_pair,
    sides,
    undo,
)
from warehouse.linking.run import LinkError, LinkResult, link_people
from warehouse.linking.settings import ENGINES, load_settings
from warehouse.linking.stage import RunOutcome, link_warehouse, run_outcome

__all__ = [
    "COMPARED",
    "DECISIONS",
    "ENGINES",
    "Accuracy",
    "Explanation",
    "Interval",
    "LinkError",
    "LinkResult",
    "NoSuchItem",
    "QueueStats",
    "RunOutcome",
    "Sample",
    "agreement",
    "decide",
    "decisions_of",
    "draw_sample",
    "estimate",
    "explain",
    "item",
    "link_people",
    "link_warehouse",
    "list_queue",
    "load_settings",
    "queue_stats",
    "report_pair",
    "run_outcome",
    "sides",
    "undo",
]
