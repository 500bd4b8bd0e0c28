"""A data engineer's repairs: retract, reprocess, release or hold a loaded file, and
rebuild the warehouse from the archive.
"""

from warehouse.ops.repair import OperationError, quarantine_held, release, reprocess, retract
from warehouse.ops.replay import rebuild

__all__ = [
    "OperationError",
    "quarantine_held",
    "rebuild",
    "release",
    "reprocess",
    "retract",
]
