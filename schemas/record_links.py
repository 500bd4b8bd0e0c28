"""The keys linking gives a department's record in its conformed table (`core.<record>`).

A record is staged as its department sent it; in the core layer it also carries where it
came from and who and where it is about, so the marts and analysts join records to people
and places through the core layer alone. Each key is the same field as on
`core.person_source`, so its grade and mask are declared once.
"""

from __future__ import annotations

from schemas.base import Record
from schemas.person import PersonSource


class RecordLinks(Record):
    """Lineage and link keys, first columns of every conformed department record."""

    entity_name = "record_links"

    department: str = PersonSource.model_fields["department"]
    source: str = PersonSource.model_fields["source"]
    person_id: str | None = PersonSource.model_fields["person_id"]  # none for an incident
    building_id: str | None = PersonSource.model_fields["building_id"]
    dwelling_id: str | None = PersonSource.model_fields["dwelling_id"]
