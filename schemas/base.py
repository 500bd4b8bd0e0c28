"""Base class and reusable field groups shared by the entity models.

A person mention (name, ID number, sex, birth date, phone) and an address appear in
every department's records; declaring them once here keeps their grades identical.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from schemas.classification import (
    TO_BIRTH_YEAR,
    TO_BUILDING,
    Category,
    Grade,
    Masking,
    Quasi,
    Tier,
    field,
)

# The standard shapes of an ID number and a phone, defined once: the fields' patterns, the
# quality suites and the standardization macros (warehouse/db/macros.sql) all read these.
ID_NUMBER_SHAPE = "[0-9]{17}[0-9X]"
MOBILE_SHAPE = "1[3-9][0-9]{9}"
LANDLINE_SHAPE = "0[0-9]{2,3}-[0-9]{7,8}"
ID_NUMBER_PATTERN = f"^{ID_NUMBER_SHAPE}$"
MOBILE_PATTERN = f"^{MOBILE_SHAPE}$"
LANDLINE_PATTERN = f"^{LANDLINE_SHAPE}$"


class Record(BaseModel):
    """A shared model. `entity_name` names it; `table_name` is its conformed table, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity_name: ClassVar[str]
    table_name: ClassVar[str | None] = None
    summary: ClassVar[str] = ""
    # Where the table's rows may go; a department's person-level records stay in the
    # warehouse unless a model says otherwise.
    tier: ClassVar[Tier] = Tier.RESTRICTED


class PersonMention(Record):
    """How a person is written in a department's record, before linking."""

    name: str | None = field(
        "Full name in Chinese characters, trimmed, half-width, inner spaces removed.",
        category=Category.IDENTITY,
        grade=Grade.L3,
        masking=Masking.MASK_MIDDLE,
        mask_keep=(1, 1),
        max_length=64,
    )
    id_number: str | None = field(
        "Resident ID number (GB 11643-1999), 18 characters, checksum-valid, upper-case X; "
        "15-digit legacy numbers upgraded.",
        category=Category.IDENTITY,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.MASK_MIDDLE,
        mask_keep=(6, 4),
        fmt="id_number",
        pattern=ID_NUMBER_PATTERN,
    )
    sex: str | None = field(
        "Sex, GB/T 2261.1 code; cross-checked with the ID number's 17th digit.",
        category=Category.DEMOGRAPHIC,
        grade=Grade.L3,
        masking=Masking.KEEP,
        codes="sex",
        quasi=Quasi("sex", withheld_from=1),
    )
    birth_date: dt.date | None = field(
        "Date of birth; cross-checked with the ID number's digits 7-14.",
        category=Category.DEMOGRAPHIC,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_BIRTH_YEAR,
    )
    phone: str | None = field(
        "Contact phone: 11-digit mobile, or landline as area code, dash, number.",
        category=Category.CONTACT,
        grade=Grade.L3,
        masking=Masking.MASK_MIDDLE,
        mask_keep=(3, 4),
        fmt="phone",
    )


class Locality(Record):
    """Where a building stands in the district's hierarchy."""

    district: str | None = field(
        "District (区) name.",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    street: str | None = field(
        "Sub-district (街道) name.",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=3),
    )
    community: str | None = field(
        "Residents' community (社区) name.",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=2),
    )
    grid_id: str | None = field(
        "Grid-management cell (网格) code.",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=2),
    )
    building_no: str | None = field(
        "Building number within the community, Arabic digits (三号楼, 3栋 and 3号楼 are all 3).",
        category=Category.LOCATION,
        grade=Grade.L2,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=1),
    )


class Premises(Record):
    """Where a home is inside its building."""

    unit_no: str | None = field(
        "Unit (单元, stairwell) number, Arabic digits.",
        category=Category.LOCATION,
        grade=Grade.L3,
        masking=Masking.KEEP,
        outreach_only=True,
    )
    room_no: str | None = field(
        "Room (室) number, Arabic digits; its leading digits are the floor.",
        category=Category.LOCATION,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.DROP,
    )


class AddressParts(Locality, Premises):
    """An address as written, parsed into the district's hierarchy down to the room."""

    address: str | None = field(
        "The address as written by the department, kept for explanation.",
        category=Category.LOCATION,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=TO_BUILDING,
    )
