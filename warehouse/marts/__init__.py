"""Analysts' marts, built from the core layer by the SQL files in `sql/`, in name order."""

from warehouse.marts.build import build_marts, default_as_of

__all__ = [
    "build_marts",
    "default_as_of",
]
