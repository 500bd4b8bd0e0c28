"""Quality rules as data: kinds of expectation with their severity, and hand-written ones.

`rules.yaml` says how severe each kind of generated expectation is; `domain.yaml` holds
the expectations the schema cannot derive (a dwelling's building exists, ...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True)
class Kind:
    name: str
    severity: Severity
    says: str


@dataclass(frozen=True)
class Settings:
    max_quarantined_share: float
    max_age_years: int
    date_slack_years: int
    earliest_date: dt.date
    kinds: dict[str, Kind]


@dataclass(frozen=True)
class Expectation:
    """One GX expectation to run: its class, arguments, and the rule it comes from."""

    name: str
    gx_type: str
    kwargs: dict[str, Any]
    severity: Severity
    rule: str
    column: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    """Expectations on one batch: `query` selects the rows they run on."""

    name: str
    table: str
    query: str
    expectations: tuple[Expectation, ...]
    example_columns: tuple[str, ...] = ()


def _read(name: str) -> Any:
    text = (resources.files("warehouse.quality") / name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def settings() -> Settings:
    raw = _read("rules.yaml")
    kinds = {
        name: Kind(name, Severity(spec["severity"]), spec["says"])
        for name, spec in raw["kinds"].items()
    }
    return Settings(
        max_quarantined_share=float(raw["max_quarantined_share"]),
        max_age_years=int(raw["max_age_years"]),
        date_slack_years=int(raw["date_slack_years"]),
        earliest_date=raw["earliest_date"],
        kinds=kinds,
    )


@dataclass(frozen=True)
class DomainRule:
    table: str
    name: str
    severity: Severity
    query: str


@cache
def domain_rules() -> tuple[DomainRule, ...]:
    return tuple(
        DomainRule(r["table"], r["name"], Severity(r["severity"]), r["query"].strip())
        for r in _read("domain.yaml")
    )


def severity(kind: str) -> Severity:
    return settings().kinds[kind].severity
