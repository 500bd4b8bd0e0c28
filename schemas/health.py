"""Health department resident files: conditions that decide who needs help first."""

from __future__ import annotations

import datetime as dt

from schemas.base import AddressParts, PersonMention
from schemas.classification import (
    TO_MONTH,
    Category,
    Grade,
    Masking,
    code_flag,
    field,
    present_flag,
)
from schemas.record_keys import record_id_field


class HealthRecord(PersonMention, AddressParts):
    """A resident's health file at the community health service centre."""

    entity_name = "health_record"
    table_name = "core.health_record"
    summary = "Residents' health files: chronic illness, disability, home medical equipment."

    record_id: str = record_id_field("Health file number at the community health centre.")
    chronic_conditions: list[str] | None = field(
        "Chronic conditions under management.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
        codes="chronic_condition",
    )
    disability_type: str | None = field(
        "Disability category (GB/T 26341-2010).",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=present_flag("has_disability"),
        codes="disability_type",
    )
    disability_recorded: bool | None = field(
        "Recorded as disabled, whether or not the export names the disability category.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
    )
    disability_grade: int | None = field(
        "Disability grade, 1 (most severe) to 4.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
        ge=1,
        le=4,
    )
    mobility: str | None = field(
        "Whether the resident can leave the building unaided.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=code_flag("needs_help"),
        codes="mobility",
    )
    medical_equipment: list[str] | None = field(
        "Home medical equipment in use.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=code_flag("power_dependent"),
        codes="medical_equipment",
    )
    pregnant: bool | None = field(
        "Currently pregnant (maternal health file open).",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
    )
    due_date: dt.date | None = field(
        "Expected delivery date, for pregnant residents.",
        category=Category.HEALTH,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
    )
    last_visit_date: dt.date | None = field(
        "Date of the last follow-up visit.",
        category=Category.HEALTH,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=TO_MONTH,
        after_birth=True,
    )
