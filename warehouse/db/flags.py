"""A field generalized to a flag, as SQL: whether a resident is power-dependent, needs help
to leave, or belongs to a key population, read from the field's code table.

The field declares the flag (schemas: `code_flag("power_dependent")` on the medical
equipment, the code table `medical_equipment` marks which codes are); this is the one
place that turns the declaration into SQL. The marts compute residents' needs with it and
the publication publishes it in place of the field, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.classification import FieldSpec, Generalize
from schemas.code_tables import code_table
from warehouse.db.ddl import quote

FLAG_KINDS = (Generalize.PRESENT, Generalize.CODE_FLAG, Generalize.CODE_FLAGS)


@dataclass(frozen=True)
class Flag:
    """A flag column: its name, its SQL over the record's columns, and what the SQL binds."""

    name: str
    sql: str
    params: dict[str, Any]


def is_flag(spec: FieldSpec) -> bool:
    return spec.generalize_to is not None and spec.generalize_to.to in FLAG_KINDS


def flag_of(spec: FieldSpec) -> Flag:
    """The flag a field is generalized to; parameters are named after the field."""
    rule = spec.generalize_to
    if rule is None or rule.to not in FLAG_KINDS or not rule.name:
        raise ValueError(f"{spec.entity}.{spec.name}: not generalized to a flag")
    col, p = quote(spec.name), f"g_{spec.entity}_{spec.name}"
    if rule.to is Generalize.PRESENT:
        return Flag(rule.name, f"{col} IS NOT NULL", {})
    if not spec.codes:
        raise ValueError(f"{spec.entity}.{spec.name}: a code flag needs a code table")
    table = code_table(spec.codes)
    if rule.to is Generalize.CODE_FLAGS:
        # The attribute's value of the code (a key population), NULL for a code without.
        pairs = [(c.code, c.flag(rule.name)) for c in table.codes if c.flag(rule.name)]
        params = {f"{p}_codes": [a for a, _ in pairs], f"{p}_values": [str(b) for _, b in pairs]}
        return Flag(rule.name, f"${p}_values[list_position(${p}_codes, {col})]", params)
    codes = [c.code for c in table.codes if c.flag(rule.name) is True]
    if spec.sql_type.endswith("[]"):  # any of the listed codes
        return Flag(rule.name, f"coalesce(list_has_any({col}, ${p}), false)", {p: codes})
    return Flag(rule.name, f"coalesce(list_contains(${p}, {col}), false)", {p: codes})
