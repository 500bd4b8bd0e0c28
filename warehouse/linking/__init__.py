"""Record linkage: the master index of people, dwellings and buildings.

Deterministic links on valid ID numbers first, then Fellegi–Sunter (Splink on DuckDB)
for the mentions that have none; stable IDs across relinks; incremental batches.
"""

from warehouse.linking.explanation import Explanation, explain
from warehouse.linking.run import LinkError, LinkResult, link_people
from warehouse.linking.stage import RunOutcome, link_warehouse, run_outcome

__all__ = [
    "Explanation",
    "LinkError",
    "LinkResult",
    "RunOutcome",
    "explain",
    "link_people",
    "link_warehouse",
    "run_outcome",
]
