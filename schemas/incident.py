"""Police incidents and the people involved in them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.base import AddressParts, PersonMention
from schemas.classification import TO_DATE, TO_INVOLVED, Category, Grade, Masking, field
from schemas.record_keys import record_id_field

# The role of a register's own person, beside the incident role codes.
SUBJECT_ROLE = "subject"


def incident_role(description: str, *, codes: str | None = None, default: Any = None) -> Any:
    """The part a person played in an incident (a suspect, a victim) is a police record,
    sensitive personal information under PIPL wherever it is carried: declared here once
    for every table that carries it, published only as whether the record is an
    incident's (`involved`)."""
    return field(
        description,
        category=Category.INCIDENT,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=TO_INVOLVED,
        codes=codes,
        default=default,
    )


class Incident(AddressParts):
    """An incident report, located to a grid cell and, where possible, a building."""

    entity_name = "incident"
    table_name = "core.incident"
    summary = "Police incident reports, located to a grid cell and building."

    incident_id: str = record_id_field("Police incident number.")
    incident_type: str = field(
        "Incident category.",
        category=Category.INCIDENT,
        grade=Grade.L2,
        masking=Masking.KEEP,
        codes="incident_type",
    )
    occurred_at: dt.datetime | None = field(
        "When the incident happened.",
        category=Category.INCIDENT,
        grade=Grade.L2,
        masking=Masking.GENERALIZE,
        generalize_to=TO_DATE,
    )
    summary_text: str | None = field(
        "Free-text summary written by the officer.",
        category=Category.INCIDENT,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
        max_length=4000,
    )


class IncidentPerson(PersonMention):
    """One person mentioned in an incident report."""

    entity_name = "incident_person"
    table_name = "core.incident_person"
    summary = "One row per person involved in an incident (victim, reporter, witness...)."

    mention_id: str = record_id_field(
        "Incident number and position in its list of involved persons, as `<incident>#<n>`."
    )
    incident_id: str = field(
        "Incident the person is involved in.",
        category=Category.KEY,
        grade=Grade.L2,
        masking=Masking.HASH,
    )
    role: str = incident_role("Part the person played.", codes="incident_role")
