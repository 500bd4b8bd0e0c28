"""Analysts' marts, built from the core layer by the SQL files in `sql/`, in name order."""

from warehouse.marts.build import MartsReport, build_marts, default_as_of, refresh_marts

__all__ = [
    "MartsReport",
    "build_marts",
    "default_as_of",
    "refresh_marts",
]
