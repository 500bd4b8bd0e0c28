"""Police residence registration (户籍 and 居住登记): the household book of the district."""

from __future__ import annotations

import datetime as dt

from schemas.base import AddressParts, PersonMention
from schemas.classification import TO_YEAR, Category, Grade, Masking, field
from schemas.household import HouseholdMember
from schemas.record_keys import record_id_field


class ResidenceRegistration(PersonMention, AddressParts):
    """A person registered at an address by the police station."""

    entity_name = "residence_registration"
    table_name = "core.residence_registration"
    summary = "Police residence registrations: permanent (户籍) and temporary (居住) residents."

    record_id: str = record_id_field("Registration number at the police station.")
    household_no: str | None = field(
        "Household book number (户号); members of one household share it.",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.HASH,
    )
    relation_to_head: str | None = HouseholdMember.model_fields["relation_to_head"]
    registration_type: str | None = field(
        "Permanent household registration or temporary residence permit.",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.KEEP,
        codes="registration_type",
    )
    registered_on: dt.date | None = field(
        "Date of registration at this address.",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
        after_birth=True,
    )
    deregistered_on: dt.date | None = field(
        "Date the registration was cancelled (moved away or died).",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
        after_birth=True,
    )
