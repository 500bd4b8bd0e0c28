"""Housing department occupancy register: who lives in which dwelling, and the building."""

from __future__ import annotations

import datetime as dt

from schemas.base import AddressParts, PersonMention
from schemas.classification import TO_YEAR, Category, Grade, Masking, field
from schemas.place import Building, Dwelling
from schemas.record_keys import record_id_field


class HousingRecord(PersonMention, AddressParts):
    """One occupant of one dwelling, with the dwelling's and building's attributes."""

    entity_name = "housing_record"
    table_name = "core.housing_record"
    summary = "Housing occupancy register: occupants, dwellings and building condition."

    record_id: str = record_id_field("Occupancy registration number.")
    occupant_role: str | None = field(
        "Whether the occupant owns, rents, or lives with the owner or tenant.",
        category=Category.HOUSING,
        grade=Grade.L3,
        masking=Masking.KEEP,
        codes="occupant_role",
    )
    move_in_date: dt.date | None = field(
        "Date the occupant moved in.",
        category=Category.HOUSING,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
    )
    area_m2: float | None = Dwelling.model_fields["area_m2"]
    tenure: str | None = Dwelling.model_fields["tenure"]
    year_built: int | None = Building.model_fields["year_built"]
    structure: str | None = Building.model_fields["structure"]
    floors: int | None = Building.model_fields["floors"]
    has_elevator: bool | None = Building.model_fields["has_elevator"]
    condition: str | None = Building.model_fields["condition"]
