"""Field classification: grade, category, PIPL flag and masking rule carried on every field.

Grades follow GB/T 43697-2024 (data security classification): *core* and *important*
data are national-level categories; everything else is *general*, split here by
sensitivity from L4 (highly sensitive personal data) down to L1 (public). The PIPL
flag marks "sensitive personal information" (PIPL art. 28: ID numbers, health,
minors' data, whereabouts, financial accounts), which needs separate consent and
always at least masking on publication.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

META_KEY = "causeway"


class Grade(StrEnum):
    """Sensitivity grade, most to least restrictive."""

    CORE = "core"
    IMPORTANT = "important"
    L4 = "L4"
    L3 = "L3"
    L2 = "L2"
    L1 = "L1"

    @property
    def rank(self) -> int:
        """Higher is more restrictive; lets publication compare grades."""
        return len(Grade) - list(Grade).index(self)

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]


_GRADE_LABELS = {
    Grade.CORE: "core data",
    Grade.IMPORTANT: "important data",
    Grade.L4: "general, highly sensitive",
    Grade.L3: "general, sensitive",
    Grade.L2: "general, internal",
    Grade.L1: "general, public",
}


class Category(StrEnum):
    """What a field is about; groups the data dictionary and drives access reviews."""

    KEY = "key"
    IDENTITY = "identity"
    CONTACT = "contact"
    DEMOGRAPHIC = "demographic"
    LOCATION = "location"
    BUILDING = "building"
    HOUSEHOLD = "household"
    HEALTH = "health"
    WELFARE = "welfare"
    INCIDENT = "incident"
    HOUSING = "housing"
    RECORD = "record"


class Masking(StrEnum):
    """How a field appears in the published analytics database."""

    KEEP = "keep"
    MASK_MIDDLE = "mask_middle"
    HASH = "hash"
    DROP = "drop"
    GENERALIZE = "generalize"


class Generalize(StrEnum):
    """What a generalized field is published as; warehouse/publish/masking.py compiles each."""

    YEAR = "year"  # the year of a date, as `<field>_year`
    BIRTH_YEAR = "birth year"  # the same, for a birth date
    MONTH = "month"  # year and month, as `<field>_month`
    DATE = "date"  # the day of a time, as `<field>_date`
    BUILDING = "building"  # an address cut to its community and building
    INVOLVED = "involved"  # whether an incident role is anyone's but the register's subject
    PRESENT = "present"  # yes/no column `name`: whether the field is filled
    CODE_FLAG = "code flag"  # yes/no column `name`: whether a code with that attribute is there
    CODE_FLAGS = "code flags"  # column `name`: the value of that attribute of the field's code


@dataclass(frozen=True)
class Generalization:
    """A field's published form when it is generalized; `name` is the flag's column and,
    for the code flags, the code table attribute it reads (schemas/codes/*.yaml)."""

    to: Generalize
    name: str | None = None

    def __post_init__(self) -> None:
        flags = (Generalize.PRESENT, Generalize.CODE_FLAG, Generalize.CODE_FLAGS)
        if (self.to in flags) != (self.name is not None):
            raise ValueError(f"generalize to {self.to}: a flag names its column, nothing else")

    @property
    def words(self) -> str:
        """How the data dictionary says it."""
        if self.to is Generalize.PRESENT:
            return f"{(self.name or '').replace('_', ' ')} flag"
        if self.to in (Generalize.CODE_FLAG, Generalize.CODE_FLAGS):
            plural = "s" if self.to is Generalize.CODE_FLAGS else ""
            return f"{(self.name or '').replace('_', '-')} flag{plural}"
        return self.to.value


TO_YEAR = Generalization(Generalize.YEAR)
TO_BIRTH_YEAR = Generalization(Generalize.BIRTH_YEAR)
TO_MONTH = Generalization(Generalize.MONTH)
TO_DATE = Generalization(Generalize.DATE)
TO_BUILDING = Generalization(Generalize.BUILDING)
TO_INVOLVED = Generalization(Generalize.INVOLVED)


def present_flag(name: str) -> Generalization:
    return Generalization(Generalize.PRESENT, name)


def code_flag(attribute: str) -> Generalization:
    return Generalization(Generalize.CODE_FLAG, attribute)


def code_flags(attribute: str) -> Generalization:
    return Generalization(Generalize.CODE_FLAGS, attribute)


class Tier(StrEnum):
    """Where a table's rows may go (docs/security.md): the tier is declared on the model,
    the file each tier reaches is decided in warehouse/publish."""

    RESTRICTED = "restricted"  # the warehouse only: person-level records of the departments
    DEIDENTIFIED = "deidentified"  # published person-level rows, k-anonymous on quasi-identifiers
    AGGREGATE = "aggregate"  # published counts, small cells suppressed
    REFERENCE = "reference"  # published facts about places and codes, about nobody


@dataclass(frozen=True)
class Quasi:
    """A quasi-identifier: something an outsider may know about a person (age, sex, where
    they live). `ladder` names its generalization ladder (schemas/disclosure.py); the
    field is withheld from the ladder's level `withheld_from` on, and a `banded` number is
    published as the ladder's band at the levels before."""

    ladder: str
    withheld_from: int
    banded: bool = False


@dataclass(frozen=True)
class FieldSpec:
    """Everything the rest of Causeway needs to know about one field."""

    entity: str
    name: str
    sql_type: str
    required: bool
    description: str
    category: Category
    grade: Grade
    pipl: bool
    masking: Masking
    mask_keep: tuple[int, int] | None
    generalize_to: Generalization | None
    fmt: str | None
    codes: str | None
    primary_key: bool
    after_birth: bool = False
    # The field's pydantic constraints (`ge`, `le`, `max_length`), read once here.
    ge: float | None = None
    le: float | None = None
    max_length: int | None = None
    # Disclosure control (schemas/disclosure.py): how the field is protected in published
    # person-level rows and aggregate cells.
    quasi: Quasi | None = None
    outreach_only: bool = False
    cell: bool = False
    suppressed_with: str | None = None

    @property
    def deidentified(self) -> bool:
        """Whether the field may appear in a de-identified person-level row: never a name,
        a contact, a pseudonym or anything else declared for the outreach list only."""
        masked = self.masking in (Masking.MASK_MIDDLE, Masking.HASH, Masking.DROP)
        return not (self.outreach_only or masked)

    @property
    def masking_text(self) -> str:
        """The masking rule in words, as the data dictionary shows it."""
        if self.masking is Masking.MASK_MIDDLE and self.mask_keep:
            head, tail = self.mask_keep
            return f"mask_middle (keep first {head}, last {tail})"
        if self.masking is Masking.GENERALIZE and self.generalize_to:
            return f"generalize (to {self.generalize_to.words})"
        return self.masking.value


def field(
    description: str,
    *,
    category: Category,
    grade: Grade,
    masking: Masking,
    pipl: bool = False,
    mask_keep: tuple[int, int] | None = None,
    generalize_to: Generalization | None = None,
    fmt: str | None = None,
    codes: str | None = None,
    primary_key: bool = False,
    after_birth: bool = False,
    quasi: Quasi | None = None,
    outreach_only: bool = False,
    cell: bool = False,
    suppressed_with: str | None = None,
    default: Any = None,
    **constraints: Any,
) -> Any:
    """Declare a classified field; the only way fields are declared in `schemas`.

    `fmt` names a standard format checked by the warehouse (`id_number`, `phone`);
    `codes` names a code table in `schemas/codes/` whose values the field takes;
    `after_birth` marks a date no earlier than the person's birth (a registration, a
    visit): stated before the birth date, it is set aside.

    Disclosure control: `quasi` declares a quasi-identifier and its ladder;
    `outreach_only` keeps a field out of de-identified rows (a unit number, a rank within
    the building); `cell` marks a count of people suppressed when small, and
    `suppressed_with` a value suppressed whenever the named cell of its row is.
    """
    _check_rule(grade, masking, pipl, mask_keep, generalize_to)
    meta = {
        "category": category.value,
        "grade": grade.value,
        "pipl": pipl,
        "masking": masking.value,
        "mask_keep": list(mask_keep) if mask_keep else None,
        "generalize_to": [generalize_to.to.value, generalize_to.name] if generalize_to else None,
        "fmt": fmt,
        "codes": codes,
        "primary_key": primary_key,
        "after_birth": after_birth,
        "quasi": [quasi.ladder, quasi.withheld_from, quasi.banded] if quasi else None,
        "outreach_only": outreach_only,
        "cell": cell,
        "suppressed_with": suppressed_with,
    }
    return Field(
        default, description=description, json_schema_extra={META_KEY: meta}, **constraints
    )


def _check_rule(
    grade: Grade,
    masking: Masking,
    pipl: bool,
    mask_keep: tuple[int, int] | None,
    generalize_to: Generalization | None,
) -> None:
    """Refuse declarations that would publish sensitive data in the clear."""
    if (pipl or grade.rank >= Grade.L4.rank) and masking is Masking.KEEP:
        raise ValueError(f"a {grade} or PIPL-sensitive field cannot be published unmasked")
    if (masking is Masking.MASK_MIDDLE) != (mask_keep is not None):
        raise ValueError("mask_middle needs mask_keep, and only mask_middle takes it")
    if (masking is Masking.GENERALIZE) != (generalize_to is not None):
        raise ValueError("generalize needs generalize_to, and only generalize takes it")


_SQL_TYPES: dict[Any, str] = {
    str: "VARCHAR",
    int: "BIGINT",
    float: "DOUBLE",
    bool: "BOOLEAN",
    dt.date: "DATE",
    dt.datetime: "TIMESTAMP",
}


def sql_type(annotation: Any) -> tuple[str, bool]:
    """DuckDB type of a field annotation, and whether the annotation admits None."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return sql_type(inner[0])[0], True
    if origin is list:
        return f"{sql_type(args[0])[0]}[]", False
    if origin is typing.Literal:
        return "VARCHAR", False
    if annotation in _SQL_TYPES:
        return _SQL_TYPES[annotation], False
    raise TypeError(f"no DuckDB type for {annotation!r}")


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The classified fields of a model, in declaration order."""
    name = getattr(model, "entity_name", model.__name__)
    return [_spec(name, fname, info) for fname, info in model.model_fields.items()]


def _spec(entity: str, name: str, info: FieldInfo) -> FieldSpec:
    extra = info.json_schema_extra
    if not isinstance(extra, dict) or META_KEY not in extra:
        raise TypeError(f"{entity}.{name} is not declared with schemas.field()")
    meta = extra[META_KEY]
    assert isinstance(meta, dict)
    type_name, optional = sql_type(info.annotation)
    keep = meta["mask_keep"]
    return FieldSpec(
        entity=entity,
        name=name,
        sql_type=type_name,
        required=not optional,
        description=info.description or "",
        category=Category(meta["category"]),
        grade=Grade(meta["grade"]),
        pipl=bool(meta["pipl"]),
        masking=Masking(meta["masking"]),
        mask_keep=(int(keep[0]), int(keep[1])) if keep else None,
        generalize_to=_generalization(meta["generalize_to"]),
        fmt=meta["fmt"],
        codes=meta["codes"],
        primary_key=bool(meta["primary_key"]),
        after_birth=bool(meta.get("after_birth")),
        ge=_constraint(info, "ge"),
        le=_constraint(info, "le"),
        max_length=_constraint(info, "max_length"),
        quasi=Quasi(str(q[0]), int(q[1]), bool(q[2])) if (q := meta.get("quasi")) else None,
        outreach_only=bool(meta.get("outreach_only")),
        cell=bool(meta.get("cell")),
        suppressed_with=meta.get("suppressed_with"),
    )


def _constraint(info: FieldInfo, key: str) -> Any:
    return next((getattr(m, key) for m in info.metadata if hasattr(m, key)), None)


def _generalization(stored: list[str | None] | None) -> Generalization | None:
    return Generalization(Generalize(stored[0]), stored[1]) if stored else None
