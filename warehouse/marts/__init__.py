"""Analysts' marts, built from the core layer by the SQL files in `sql/`, in name order."""

from warehouse.marts.build import (
    STAGING,
    MartsReport,
    build_marts,
    default_as_of,
    refresh_marts,
)
from warehouse.marts.lineage import mart_inputs

__all__ = [
    "STAGING",
    "MartsReport",
    "build_marts",
    "default_as_of",
    "mart_inputs",
    "refresh_marts",
]
