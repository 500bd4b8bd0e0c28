"""The list of shared entities, in the order the data dictionary presents them."""

from __future__ import annotations

import dataclasses

from schemas.base import Record
from schemas.classification import FieldSpec, field_specs
from schemas.health import HealthRecord
from schemas.household import HouseholdMember
from schemas.housing import HousingRecord
from schemas.incident import Incident, IncidentPerson
from schemas.person import Person, PersonIdHistory, PersonSource
from schemas.place import Address, Building, Dwelling
from schemas.record_links import RecordLinks
from schemas.registration import ResidenceRegistration
from schemas.welfare import WelfareCase

# Department records: staged per source, and conformed in core with the keys linking
# gave them (schemas/record_links.py).
RECORDS: tuple[type[Record], ...] = (
    HousingRecord,
    HealthRecord,
    ResidenceRegistration,
    Incident,
    IncidentPerson,
    WelfareCase,
)

ENTITIES: tuple[type[Record], ...] = (
    Person,
    PersonSource,
    PersonIdHistory,
    Address,
    Building,
    Dwelling,
    HouseholdMember,
    *RECORDS,
)

# The core tables the link step writes (people, their records and places, households).
LINKED: tuple[type[Record], ...] = (
    Person,
    PersonSource,
    PersonIdHistory,
    Building,
    Dwelling,
    HouseholdMember,
    *RECORDS,
)

_BY_NAME = {model.entity_name: model for model in ENTITIES}


def entity(name: str) -> type[Record]:
    """The model of an entity, by its name (as source contracts refer to it)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise KeyError(f"unknown entity {name!r}; known entities: {known}") from None


def entity_names() -> list[str]:
    return list(_BY_NAME)


def table_fields(model: type[Record]) -> list[FieldSpec]:
    """The columns of a model's table: its fields, after the keys linking gives it when it
    is a department record. DDL, checks, masks and the dictionary all read this."""
    specs = field_specs(model)
    if model not in RECORDS:
        return specs
    links = [dataclasses.replace(s, entity=model.entity_name) for s in field_specs(RecordLinks)]
    return [*links, *specs]
