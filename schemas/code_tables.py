"""Standard code tables, loaded from the YAML files in `schemas/codes/`.

Code tables are data: adding a code is editing a YAML file, never Python.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Code(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    code: str
    label: str
    label_en: str

    def flag(self, name: str) -> Any:
        """An extra attribute of the code (e.g. `power_dependent`), None when absent."""
        return (self.model_extra or {}).get(name)


class CodeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    standard: str | None = None
    codes: tuple[Code, ...] = Field(min_length=1)

    @property
    def values(self) -> list[str]:
        return [c.code for c in self.codes]

    def by_code(self, code: str) -> Code:
        for item in self.codes:
            if item.code == code:
                return item
        raise KeyError(f"{code!r} is not in code table {self.name}")


@cache
def code_table(name: str) -> CodeTable:
    """The code table named `name`; raises KeyError naming the known tables."""
    path = resources.files("schemas") / "codes" / f"{name}.yaml"
    if not path.is_file():
        raise KeyError(f"unknown code table {name!r}; known: {', '.join(code_table_names())}")
    table = CodeTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if table.name != name:
        raise ValueError(f"code table file {name}.yaml declares name {table.name!r}")
    return table


def code_table_names() -> list[str]:
    folder = resources.files("schemas") / "codes"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )
