"""The comparisons and blocking rules of `comparisons.yaml`, validated and compiled to Splink.

The model's shape is data a reviewer reads in one file; this module only turns each level
into the comparison-library object it names (`missing` → `NullLevel`, `exact` →
`ExactMatchLevel`, `when` → `CustomLevel`, `else` → `ElseLevel`) and expands the named
conditions. What the numbers become is training's business (warehouse/linking/model.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

COMPARISONS_FILE = Path(__file__).with_name("comparisons.yaml")
# The SQL dialect the file's conditions are written in (and the engine that trains).
WRITTEN_IN = "duckdb"
_REFERENCE = re.compile(r"\{([a-z_]+)\}")
# A column of the pair in a level (`name_l`) or a blocking rule (`l.name`).
_PAIR_COLUMN = re.compile(r"\b([a-z][a-z0-9_]*)_[lr]\b")
_RULE_COLUMN = re.compile(r"\b[lr]\.([a-z][a-z0-9_]*)\b")


class LevelRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comparison: str
    label: str


class CountedU(BaseModel):
    """u counted on the data: among different people (one mention per ID number) joined
    on `pairs_sharing`, the pairs that meet `where`, over the pairs the `among` level's
    sampled u says there are."""

    model_config = ConfigDict(extra="forbid")

    pairs_sharing: str
    where: str
    among: LevelRef


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    label: str | None = None
    missing: str | None = None
    exact: str | None = None
    when: str | None = None
    otherwise: bool = Field(False, alias="else")
    is_null: bool = False
    tf: str | None = None
    household: bool = False
    fixed_m: float | None = Field(None, gt=0, le=1)
    fixed_u: float | None = Field(None, gt=0, le=1)
    counted_u: CountedU | None = None
    m_of: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Level:
        kinds = [k for k in ("missing", "exact", "when") if getattr(self, k)] + (
            ["else"] if self.otherwise else []
        )
        if len(kinds) != 1:
            raise ValueError(f"a level is one of missing, exact, when or else (got {kinds})")
        if self.missing is None and not self.label:
            raise ValueError("every level but a `missing` one has a label")
        if self.is_null and self.when is None:
            raise ValueError("is_null marks a `when` level")
        return self


class Blocking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    training: tuple[str, ...] = Field(min_length=1)
    prediction: tuple[str, ...] = Field(min_length=1)
    skip: str | None = None


class LinkRules(BaseModel):
    """The parsed file: named conditions, blocking and the comparisons' levels."""

    model_config = ConfigDict(extra="forbid")

    conditions: dict[str, str]
    household_evidence: dict[str, float]
    blocking: Blocking
    comparisons: dict[str, list[Level]]

    @model_validator(mode="after")
    def _references(self) -> LinkRules:
        for name in self.conditions:
            self.condition(name)
        for comparison, levels in self.comparisons.items():
            labels = [lv.label for lv in levels if lv.label]
            if len(labels) != len(set(labels)):
                raise ValueError(f"{comparison}: two levels with one label")
            for level in levels:
                if level.when:
                    self.expand(level.when)
                if level.m_of and level.m_of not in labels:
                    raise ValueError(f"{comparison}: m_of names no level: {level.m_of}")
                if level.counted_u:
                    self.expand(level.counted_u.where)
                    self.level(level.counted_u.among.comparison, level.counted_u.among.label)
        return self

    def expand(self, sql: str, seen: tuple[str, ...] = ()) -> str:
        """`sql` with every {name} replaced by its condition, recursively."""

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.conditions:
                raise ValueError(f"unknown condition {{{name}}} in: {sql}")
            if name in seen:
                raise ValueError(f"condition {name} refers to itself")
            return self.expand(self.conditions[name], (*seen, name))

        return _REFERENCE.sub(one, sql)

    def condition(self, name: str) -> str:
        return self.expand(self.conditions[name], (name,))

    def level(self, comparison: str, label: str) -> Level:
        found = [lv for lv in self.comparisons[comparison] if lv.label == label]
        if not found:
            raise ValueError(f"{comparison} has no level labelled {label!r}")
        return found[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of a mention that a level or a blocking rule reads, sorted."""
        found: set[str] = set(self.tf_columns)
        for rule in (*self.blocking.training, *self.blocking.prediction, self.blocking.skip):
            found |= set(_RULE_COLUMN.findall(rule or ""))
        for levels in self.comparisons.values():
            for lv in levels:
                found |= {c for c in (lv.missing, lv.exact) if c}
                found |= set(_PAIR_COLUMN.findall(self.expand(lv.when or "")))
                if lv.counted_u:
                    found.add(lv.counted_u.pairs_sharing)
                    found |= set(_PAIR_COLUMN.findall(self.expand(lv.counted_u.where)))
        return tuple(sorted(found))

    @property
    def tf_columns(self) -> tuple[str, ...]:
        """Every column a level adjusts by term frequency, in the file's order."""
        found = (lv.tf for levels in self.comparisons.values() for lv in levels if lv.tf)
        return tuple(dict.fromkeys(found))

    @property
    def prediction_rules(self) -> list[str]:
        skip = f" AND NOT ({self.blocking.skip})" if self.blocking.skip else ""
        return [f"({rule}){skip}" for rule in self.blocking.prediction]

    def splink_comparisons(
        self,
        household_levels: bool = True,
        counted_u: dict[str, float] | None = None,
        dialect: str = WRITTEN_IN,
    ) -> list[Any]:
        """Splink comparisons of every comparison; `household_levels=False` leaves those
        levels out (to sample u); `counted_u` gives the counted levels' u by comparison,
        a placeholder until it is counted. For another engine's `dialect`, Splink
        translates the `when` conditions from DuckDB's SQL (sqlglot) as it builds them."""
        import splink.comparison_library as cl

        return [
            cl.CustomComparison(
                output_column_name=name,
                comparison_levels=[
                    self._splink_level(name, lv, counted_u or {}, dialect)
                    for lv in levels
                    if household_levels or not lv.household
                ],
            )
            for name, levels in self.comparisons.items()
        ]

    def _splink_level(
        self, comparison: str, level: Level, counted_u: dict[str, float], dialect: str
    ) -> Any:
        import splink.comparison_level_library as cll

        if level.missing is not None:
            built = cll.NullLevel(level.missing)
        elif level.exact is not None:
            built = cll.ExactMatchLevel(level.exact)
        elif level.when is not None:
            translate = WRITTEN_IN if dialect != WRITTEN_IN else None
            built = cll.CustomLevel(self.expand(level.when), base_dialect_str=translate)
        else:
            built = cll.ElseLevel()
        options: dict[str, Any] = {}
        if level.label:
            options["label_for_charts"] = level.label
        if level.tf:
            options["tf_adjustment_column"] = level.tf
        if level.is_null:
            options["is_null_level"] = True
        if level.fixed_m is not None:
            options |= {"m_probability": level.fixed_m, "fix_m_probability": True}
        if level.fixed_u is not None:
            options |= {"u_probability": level.fixed_u, "fix_u_probability": True}
        if level.counted_u is not None:
            u = counted_u.get(comparison, PLACEHOLDER_U)
            options |= {"u_probability": u, "fix_u_probability": True}
        return built.configure(**options) if options else built


# The u of a counted level before it is counted (the first, u-sampling pass leaves such
# household levels out, so it never reaches a model that scores).
PLACEHOLDER_U = 0.5


@cache
def link_rules(path: Path = COMPARISONS_FILE) -> LinkRules:
    return LinkRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
