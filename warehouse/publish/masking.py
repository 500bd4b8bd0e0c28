"""Compiles each field's masking rule (from `schemas`) into a DuckDB select expression.

Publication never names a column: it asks this module how every field of every published
table appears, and the answer comes from the field's declared `Masking`. Generalizations
are declared on the field as a `Generalization` (schemas/classification.py); each kind has
its rule here, and a kind without one fails the type check, so a new kind cannot silently
publish a field in the clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schemas.classification import FieldSpec, Generalize, Masking
from schemas.incident import SUBJECT_ROLE
from warehouse.db import flag_of, quote
from warehouse.publish.pseudonym import hmac_sql

MASK_CHAR = "*"
YEAR_LIKE = re.compile(r"_(date|on|at)$")


@dataclass(frozen=True)
class Column:
    """One published column: its name, its SQL, and what the SQL binds."""

    name: str
    sql: str
    params: dict[str, Any]
    spec: FieldSpec

    @property
    def select(self) -> str:
        return f"{self.sql} AS {quote(self.name)}"


def mask_middle_sql(column: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters and star the rest; a value too short to keep both
    still loses at least its last character (张三 → 张*), so no value is published whole."""
    n = f"length({column})"
    keep = f"least({int(head)}, {n} - 1)"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN {n} > {int(head) + int(tail)} THEN left({column}, {int(head)}) || "
        f"repeat('{MASK_CHAR}', {n} - {int(head) + int(tail)}) || right({column}, {int(tail)}) "
        f"ELSE left({column}, {keep}) || repeat('{MASK_CHAR}', {n} - {keep}) END"
    )


def _base(name: str) -> str:
    return YEAR_LIKE.sub("", name)


def generalized(spec: FieldSpec) -> Column:
    """The published form of a field declared `generalize` (its `Generalization`)."""
    col, rule = quote(spec.name), spec.generalize_to
    if rule is None:
        raise ValueError(f"{spec.entity}.{spec.name}: generalized to nothing")
    p = f"g_{spec.entity}_{spec.name}"
    match rule.to:
        case Generalize.YEAR | Generalize.BIRTH_YEAR:
            return Column(f"{_base(spec.name)}_year", f"CAST(year({col}) AS INTEGER)", {}, spec)
        case Generalize.MONTH:
            return Column(f"{_base(spec.name)}_month", f"strftime({col}, '%Y-%m')", {}, spec)
        case Generalize.DATE:
            return Column(f"{_base(spec.name)}_date", f"CAST({col} AS DATE)", {}, spec)
        case Generalize.BUILDING:
            sql = (
                'CASE WHEN "building_no" IS NOT NULL THEN coalesce("community", \'\') || '
                "\"building_no\" || '号楼' END"
            )
            return Column("building_address", sql, {}, spec)
        case Generalize.INVOLVED:
            # Whether the record is an incident's: a register's own person is not involved.
            sql = f"coalesce({col} <> ${p}_subject, false)"
            return Column("involved", sql, {f"{p}_subject": SUBJECT_ROLE}, spec)
        case Generalize.PRESENT | Generalize.CODE_FLAG | Generalize.CODE_FLAGS:
            flag = flag_of(spec)
            return Column(flag.name, flag.sql, flag.params, spec)
    raise ValueError(f"{spec.entity}.{spec.name}: no rule to generalize to {rule.to}")


def published_column(spec: FieldSpec) -> Column | None:
    """How a field appears in the analytics file; None when it is dropped."""
    col = quote(spec.name)
    if spec.masking is Masking.KEEP:
        return Column(spec.name, col, {}, spec)
    if spec.masking is Masking.DROP:
        return None
    if spec.masking is Masking.HASH:
        return Column(spec.name, hmac_sql(col), {}, spec)
    if spec.masking is Masking.MASK_MIDDLE:
        head, tail = spec.mask_keep or (0, 0)
        return Column(spec.name, mask_middle_sql(col, head, tail), {}, spec)
    return generalized(spec)


def published_columns(specs: list[FieldSpec]) -> list[Column]:
    return [c for c in (published_column(s) for s in specs) if c is not None]
