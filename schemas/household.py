"""Household membership: who lives with whom, derived from co-residence at a dwelling."""

from __future__ import annotations

import datetime as dt

from schemas.base import Record
from schemas.classification import TO_YEAR, Category, Grade, Masking, field


class HouseholdMember(Record):
    """One person's membership of one household."""

    entity_name = "household_member"
    table_name = "core.household_member"
    summary = "One row per person and household, from co-residence at a dwelling."

    household_id: str = field(
        "Stable Causeway household ID.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
        primary_key=True,
    )
    person_id: str = field(
        "Member of the household.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
        primary_key=True,
    )
    dwelling_id: str = field(
        "Dwelling the household lives in.",
        category=Category.KEY,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.HASH,
    )
    relation_to_head: str | None = field(
        "Relation to the head of household (GB/T 4761).",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.KEEP,
        codes="relation_to_head",
    )
    since: dt.date | None = field(
        "Earliest date a source records the person at this dwelling.",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
    )
