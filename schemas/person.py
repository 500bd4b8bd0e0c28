"""The golden person record: one row per real resident after linking."""

from __future__ import annotations

import datetime as dt

from schemas.base import PersonMention, Record
from schemas.classification import TO_YEAR, Category, Grade, Masking, field
from schemas.incident import incident_role


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
        generalize_to=TO_YEAR,
        after_birth=True,
    )


class PersonSource(Record):
    """Which person a department's record is about, and why Causeway thinks so."""

    entity_name = "person_source"
    table_name = "core.person_source"
    summary = "One row per person mention in a department's record: the person it links to."

    department: str = field(
        "Department whose record mentions the person.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
        primary_key=True,
    )
    source: str = field(
        "Source (export) the record came from; its staging table.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
        primary_key=True,
    )
    source_record_id: str = field(
        "The department's own key of the record (for an incident, the mention's key).",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
        primary_key=True,
    )
    role: str = incident_role(
        "`subject` for a register's own person; for an incident, the person's role code."
    )
    person_id: str = field(
        "The linked person (core.person).",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
    )
    building_id: str | None = field(
        "Building the record places the person in (for an incident: where it happened).",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    dwelling_id: str | None = field(
        "Dwelling the record places the person at, when it names a room.",
        category=Category.LOCATION,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.HASH,
    )
    match_probability: float = field(
        "Probability that the record is this person: 1 for a shared valid ID number.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    match_reason: str = field(
        "Why: `same valid ID number`, or the comparisons of the best probabilistic link.",
        category=Category.RECORD,
        grade=Grade.L3,
        masking=Masking.DROP,
    )
    record_version: dt.datetime | None = field(
        "Version (valid-from time) of the staging record when it was linked.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    link_run_id: str = field(
        "Link run that made this link (link.runs).",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )


class PersonIdHistory(Record):
    """What became of person IDs when a relink merged or split people."""

    entity_name = "person_id_history"
    table_name = "core.person_id_history"
    summary = "One row per person ID created, merged, split or retired by a link run."

    person_id: str = field(
        "The person ID the event is about.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
        primary_key=True,
    )
    event: str = field(
        "`created`, `merged_into` (retired, its records now belong to the related ID), "
        "`split_from` (new ID taking records from the related ID), or `retired`.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
        primary_key=True,
    )
    related_person_id: str | None = field(
        "The other person ID of a merge or split.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
    )
    records: int = field(
        "Number of source records involved.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    link_run_id: str = field(
        "Link run that recorded the event.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
        primary_key=True,
    )
    recorded_at: dt.datetime = field(
        "When the event was recorded.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
