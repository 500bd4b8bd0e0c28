"""The limits of a plausible date, defined once for standardization and the quality suites.

A field's fixed bounds live on its schema field (`FieldSpec.ge`/`le`); these move with
today's date, so they are settings (`date_limits.yaml`) rather than numbers on a field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class DateLimits:
    max_age_years: int
    date_slack_years: int
    earliest_date: dt.date


@cache
def date_limits() -> DateLimits:
    text = (resources.files("schemas") / "date_limits.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return DateLimits(
        max_age_years=int(raw["max_age_years"]),
        date_slack_years=int(raw["date_slack_years"]),
        earliest_date=raw["earliest_date"],
    )
