"""Source contracts: how one department export maps onto the shared schemas.

A contract is a YAML file validated by `SourceContract`; onboarding a new export is
writing one. Contracts ship in the repository's `contracts/` folder, and a data home
may add or override them in `<home>/contracts/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.classification import field_specs
from schemas.code_tables import code_table
from schemas.registry import entity

IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"
REPO_CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"


class ExportMode(StrEnum):
    SNAPSHOT = "snapshot"
    DELTA = "delta"


class ColumnMap(BaseModel):
    """One shared field, the headers it may appear under, and how to read its values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aliases: tuple[str, ...] = Field(min_length=1)
    values: dict[str, str] | None = None
    date_formats: tuple[str, ...] | None = None
    separator: str | None = None
    in_item: bool = False


class Explode(BaseModel):
    """A nested list (JSON) that becomes one row per item, e.g. an incident's persons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aliases: tuple[str, ...] = Field(min_length=1)
    mention_id: str


class RowCountBounds(BaseModel):
    """How many rows a file may have: relative to the last snapshot, or absolute for deltas."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_ratio: float | None = Field(default=None, gt=0, le=1)
    max_ratio: float | None = Field(default=None, ge=1)
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=1)


class SourceContract(BaseModel):
    """The declarative description of one department export."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(pattern=IDENTIFIER)
    department: str = Field(pattern=IDENTIFIER)
    description: str
    entities: tuple[str, ...] = Field(min_length=1)
    file_patterns: tuple[str, ...] = Field(min_length=1)
    mode: ExportMode
    record_id: str
    explode: Explode | None = None
    columns: dict[str, ColumnMap] = Field(min_length=1)
    required: tuple[str, ...] = ()
    row_count: RowCountBounds | None = None
    phone_area_code: str | None = Field(default=None, pattern=r"^0[0-9]{2,3}$")

    @model_validator(mode="after")
    def _check(self) -> SourceContract:
        fields = self.target_fields()
        unknown = sorted(set(self.columns) - set(fields))
        if unknown:
            raise ValueError(f"columns map to fields not in {list(self.entities)}: {unknown}")
        for name in (self.record_id, *self.required):
            if name not in self.columns:
                raise ValueError(f"field {name!r} is required but no column maps to it")
        if self.explode and self.explode.mention_id not in fields:
            raise ValueError(f"explode.mention_id {self.explode.mention_id!r} is not a field")
        self._check_aliases()
        self._check_value_maps(fields)
        return self

    def _check_aliases(self) -> None:
        seen: dict[str, str] = {}
        for name, col in self.columns.items():
            for alias in col.aliases:
                key = alias.strip().casefold()
                if key in seen:
                    raise ValueError(f"header alias {alias!r} maps to {seen[key]} and {name}")
                seen[key] = name

    def _check_value_maps(self, fields: dict[str, str | None]) -> None:
        for name, col in self.columns.items():
            table = fields[name]
            if col.values and table:
                allowed = set(code_table(table).values)
                bad = sorted({v for v in col.values.values() if v not in allowed})
                if bad:
                    raise ValueError(f"{name}: values {bad} are not codes of table {table!r}")

    def target_fields(self) -> dict[str, str | None]:
        """Every field of the contract's entities, with the code table it takes."""
        out: dict[str, str | None] = {}
        for name in self.entities:
            for spec in field_specs(entity(name)):
                out.setdefault(spec.name, spec.codes)
        return out

    @property
    def staging_table(self) -> str:
        return f"staging.{self.source}"


class ContractError(ValueError):
    """A contract file that cannot be used, with the file named in the message."""


def load_contract(path: Path) -> SourceContract:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SourceContract.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContractError(f"contract {path}: {exc}") from exc


def load_contracts(folders: Iterable[Path] = (REPO_CONTRACTS,)) -> dict[str, SourceContract]:
    """Contracts by source name; a later folder overrides an earlier one's source."""
    found: dict[str, SourceContract] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            contract = load_contract(path)
            found[contract.source] = contract
    return found
