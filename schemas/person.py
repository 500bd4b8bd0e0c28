"""The golden person record: one row per real resident after linking."""

from __future__ import annotations

import datetime as dt

from schemas.base import PersonMention
from schemas.classification import Category, Grade, Masking, field


class Person(PersonMention):
    """A resident of the district, as Causeway's master index knows them."""

    entity_name = "person"
    table_name = "core.person"
    summary = "One row per resident after linking; golden fields by survivorship rules."

    person_id: str = field(
        "Stable Causeway person ID; survives relinking and new months of data.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
        primary_key=True,
    )
    dwelling_id: str | None = field(
        "Dwelling the person lives in now, by the most trusted recent source.",
        category=Category.LOCATION,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.HASH,
    )
    death_date: dt.date | None = field(
        "Date of death, when a department has recorded it.",
        category=Category.DEMOGRAPHIC,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to="year",
    )
