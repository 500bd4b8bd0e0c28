"""Quality rules as data: kinds of expectation with their severity, and hand-written ones.

`rules.yaml` says how severe each kind of generated expectation is; `domain.yaml` holds
the expectations the schema cannot derive (a dwelling's building exists, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from schemas.dates import date_limits


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
    max_set_aside_share: float
    min_rows_for_shares: int
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
        max_set_aside_share=float(raw["max_set_aside_share"]),
        min_rows_for_shares=int(raw["min_rows_for_shares"]),
        kinds=kinds,
    )


@dataclass(frozen=True)
class DomainRule:
    table: str
    name: str
    severity: Severity
    query: str


# `{max_age_years}` in a domain rule is the setting of rules.yaml or schemas/date_limits.yaml,
# so a limit is written once; `{batch}` is left for GX.
_SETTING = re.compile(r"\{(\w+)\}")


def _with_settings(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "batch":
            return match.group(0)
        number = getattr(settings(), name, getattr(date_limits(), name, None))
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise ValueError(
                f"domain.yaml names {{{name}}}, which is no number of rules.yaml "
                "or date_limits.yaml"
            )
        return str(number)

    return _SETTING.sub(value, text)


@cache
def domain_rules() -> tuple[DomainRule, ...]:
    return tuple(
        DomainRule(
            r["table"],
            _with_settings(r["name"]),
            Severity(r["severity"]),
            _with_settings(r["query"].strip()),
        )
        for r in _read("domain.yaml")
    )


def severity(kind: str) -> Severity:
    return settings().kinds[kind].severity


SITE_FILE = "quality.yaml"


@dataclass(frozen=True)
class SiteSeverities:
    """A data home's own severities (`<home>/quality.yaml`): per kind of generated rule and
    per expectation name, e.g. a district that only warns on `birth_date`."""

    kinds: dict[str, Severity] = field(default_factory=dict)
    expectations: dict[str, Severity] = field(default_factory=dict)

    def of(self, expectation: Expectation) -> Severity:
        found = self.expectations.get(expectation.name) or self.kinds.get(expectation.rule)
        return found or expectation.severity


def site_severities(home_root: Path) -> SiteSeverities:
    """The overrides in `<home>/quality.yaml`; a kind or severity that does not exist is an
    error that names it, never ignored."""
    path = home_root / SITE_FILE
    if not path.is_file():
        return SiteSeverities()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(raw) - {"kinds", "expectations"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}; use kinds, expectations")
    kinds = {name: _severity(path, spec) for name, spec in (raw.get("kinds") or {}).items()}
    strange = set(kinds) - set(settings().kinds) - {"domain"}
    if strange:
        raise ValueError(
            f"{path}: no kind of rule named {sorted(strange)}; kinds: {sorted(settings().kinds)}"
        )
    named = {name: _severity(path, spec) for name, spec in (raw.get("expectations") or {}).items()}
    return SiteSeverities(kinds, named)


def _severity(path: Path, spec: Any) -> Severity:
    value = spec.get("severity") if isinstance(spec, dict) else spec
    try:
        return Severity(value)
    except ValueError:
        raise ValueError(f"{path}: severity {value!r} is not blocking or warning") from None


def with_site(suites: list[Suite], site: SiteSeverities) -> list[Suite]:
    """The suites with the site's severities in place of the defaults."""
    return [
        replace(s, expectations=tuple(replace(e, severity=site.of(e)) for e in s.expectations))
        for s in suites
    ]
