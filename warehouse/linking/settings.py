"""The linking settings file, validated: thresholds, blocking, survivorship."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

SETTINGS_FILE = Path(__file__).with_name("linking.yaml")
# Each golden field of core.person and the column of a person's mentions (`m`) or places
# (`p`) it is chosen from (warehouse/linking/golden.py); linking.yaml gives each a rule.
GOLDEN_COLUMNS = {
    "name": "m.name",
    "sex": "m.sex",
    "birth_date": "m.birth_date",
    "phone": "m.phone",
    "dwelling": "p.dwelling_id",
}
GOLDEN_FIELDS = tuple(GOLDEN_COLUMNS)


class GoldenRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Literal["most_common", "most_recent"]
    prefer_id_holders: bool = False
    roles: tuple[str, ...] | None = None
    trust: tuple[str, ...] | None = None


class HouseholdRule(BaseModel):
    """Pairs whose shared phone or dwelling is household evidence, not personal evidence."""

    model_config = ConfigDict(extra="forbid")

    other_given_name: str
    generations_apart: str
    one_apart: str
    m_probability: float = Field(gt=0, le=1)
    u_probability: float = Field(gt=0, le=1)

    @property
    def other_person(self) -> str:
        return f"({self.other_given_name}) OR ({self.generations_apart})"

    @property
    def names_one_apart(self) -> str:
        """Other given names one character apart, whatever the birth dates."""
        return f"({self.other_given_name}) AND ({self.one_apart})"

    @property
    def one_apart_level(self) -> str:
        """The pairs of the one-apart levels: such names, not generations apart."""
        return f"{self.names_one_apart} AND NOT coalesce(({self.generations_apart}), false)"


class RegisterRule(BaseModel):
    """Sources that list each person once, and what a row they leave over is worth."""

    model_config = ConfigDict(extra="forbid")

    repeat_share: float = Field(ge=0, lt=1)
    min_id_numbers: int = Field(gt=0)
    weight: float = Field(ge=0)


class LinkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match_threshold: float = Field(gt=0, lt=1)
    u_max_pairs: int = Field(gt=0)
    u_seed: int
    u_min_id_holders: int = Field(gt=1)
    em_blocking_rules: tuple[str, ...] = Field(min_length=1)
    blocking_rules: tuple[str, ...] = Field(min_length=1)
    prior_recall: float = Field(gt=0, le=1)
    household: HouseholdRule
    registers: RegisterRule
    since_fields: tuple[str, ...] = ()
    trust: tuple[str, ...]
    golden: dict[str, GoldenRule]

    def model_post_init(self, _context: object) -> None:
        missing = set(GOLDEN_FIELDS) - set(self.golden)
        unknown = set(self.golden) - set(GOLDEN_FIELDS)
        if missing or unknown:
            raise ValueError(
                f"golden rules must cover exactly {', '.join(GOLDEN_FIELDS)}"
                f" (missing: {sorted(missing)}, unknown: {sorted(unknown)})"
            )


@cache
def load_settings(path: Path = SETTINGS_FILE) -> LinkSettings:
    return LinkSettings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
