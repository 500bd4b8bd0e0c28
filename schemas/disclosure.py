"""The disclosure-control rules: k, the small-cell threshold and the generalization ladders.

They are data (schemas/disclosure.yaml, overridable per home) so a privacy officer can
read and tighten them without reading code; warehouse/publish compiles them. Which
fields are quasi-identifiers, and which counts are cells, is declared on the fields.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.site_rules import load_site_rules

DEFAULTS = Path(str(resources.files("schemas") / "disclosure.yaml"))


class DisclosureError(ValueError):
    """The rules file cannot be read or does not make sense."""


class LadderRule(BaseModel):
    """One ladder: the bands of its banded fields, level by level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bands: tuple[tuple[int, ...], ...] = ()


class DisclosureRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(ge=2, description="Smallest class size of published person-level rows.")
    threshold: int = Field(ge=2, description="Counts of people below this are suppressed.")
    ladders: dict[str, LadderRule]
    schedule: tuple[str, ...]

    @model_validator(mode="after")
    def _known_ladders(self) -> DisclosureRules:
        unknown = sorted(set(self.schedule) - set(self.ladders))
        if unknown:
            raise ValueError(f"schedule names unknown ladders: {', '.join(unknown)}")
        for name, ladder in self.ladders.items():
            for bounds in ladder.bands:
                if not bounds or list(bounds) != sorted(set(bounds)):
                    raise ValueError(f"ladder {name}: bands must be increasing lower bounds")
        return self

    def levels(self, ladder: str) -> list[int]:
        """The ladder's level after each number of schedule steps (0 to all of them)."""
        return [self.schedule[:step].count(ladder) for step in range(len(self.schedule) + 1)]


def load_disclosure(site: Path | None = None) -> DisclosureRules:
    """The repository's rules, with the keys of `site` (a home's disclosure.yaml) over them."""
    return load_site_rules(DisclosureRules, DEFAULTS, site, DisclosureError, "disclosure rules")
