"""Places: the address hierarchy, buildings and dwellings that people live in."""

from __future__ import annotations

from schemas.base import AddressParts, Locality, Premises
from schemas.classification import Category, Grade, Masking, Quasi, Tier, field


class Address(AddressParts):
    """A standardized address; embedded in every record that has one."""

    entity_name = "address"
    summary = "Address parts shared by every record that carries an address."


class Building(Locality):
    """A residential building, linked across departments' spellings of its address."""

    entity_name = "building"
    table_name = "core.building"
    summary = "One row per building, linked from every department's addresses."
    tier = Tier.REFERENCE

    building_id: str = field(
        "Stable Causeway building ID.",
        category=Category.KEY,
        grade=Grade.L1,
        masking=Masking.KEEP,
        primary_key=True,
    )
    year_built: int | None = field(
        "Year construction finished.",
        category=Category.BUILDING,
        grade=Grade.L1,
        masking=Masking.KEEP,
        ge=1900,
        le=2100,
    )
    structure: str | None = field(
        "Structural type.",
        category=Category.BUILDING,
        grade=Grade.L1,
        masking=Masking.KEEP,
        codes="building_structure",
    )
    floors: int | None = field(
        "Number of floors above ground.",
        category=Category.BUILDING,
        grade=Grade.L1,
        masking=Masking.KEEP,
        ge=1,
        le=120,
    )
    has_elevator: bool | None = field(
        "Whether the building has a working passenger elevator.",
        category=Category.BUILDING,
        grade=Grade.L1,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=1),
    )
    condition: str | None = field(
        "Safety rating of the building (JGJ 125 grades A-D).",
        category=Category.BUILDING,
        grade=Grade.L2,
        masking=Masking.KEEP,
        codes="building_condition",
    )


class Dwelling(Premises):
    """One home: a room in a unit of a building."""

    entity_name = "dwelling"
    table_name = "core.dwelling"
    summary = "One row per dwelling (room), linked from every department's addresses."

    dwelling_id: str = field(
        "Stable Causeway dwelling ID.",
        category=Category.KEY,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.HASH,
        primary_key=True,
    )
    building_id: str = field(
        "Building the dwelling is in.",
        category=Category.KEY,
        grade=Grade.L1,
        masking=Masking.KEEP,
        quasi=Quasi("place", withheld_from=1),
    )
    floor: int | None = field(
        "Floor of the dwelling, from its room number; what evacuation plans need.",
        category=Category.LOCATION,
        grade=Grade.L2,
        masking=Masking.KEEP,
        quasi=Quasi("floor", withheld_from=3, banded=True),
        ge=-5,
        le=120,
    )
    area_m2: float | None = field(
        "Floor area in square metres.",
        category=Category.HOUSING,
        grade=Grade.L2,
        masking=Masking.KEEP,
        ge=0,
    )
    tenure: str | None = field(
        "How the dwelling is held.",
        category=Category.HOUSING,
        grade=Grade.L2,
        masking=Masking.KEEP,
        codes="tenure",
    )
