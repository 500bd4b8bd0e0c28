"""The resilience marts: what a grid worker and an analyst read, graded field by field.

Marts are built from `core.*` and `staging.*` for an as-of date. Every column is declared
here with `field()`, so the mart DDL, the data dictionary and the masking applied on
publication all come from one place, as for the shared entities.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from schemas.base import Locality, PersonMention, Premises, Record
from schemas.classification import Category, Grade, Masking, Quasi, Tier, field
from schemas.health import HealthRecord
from schemas.incident import incident_role
from schemas.person import PersonSource
from schemas.place import Building, Dwelling


class Mart(Record):
    """A mart table, published as an aggregate unless it says otherwise. An aggregate's
    `sums_to` names the columns whose groups of rows add up to a total an outsider may
    know (a grid's, the district's): one suppressed cell in such a group is derivable, so
    suppression hides at least two (warehouse/publish)."""

    tier: ClassVar[Tier] = Tier.AGGREGATE
    sums_to: ClassVar[tuple[str, ...] | None] = None
    # Whether the grid workers' owner-only outreach file carries the mart, masked.
    outreach: ClassVar[bool] = False


def _flag(description: str, category: Category = Category.HEALTH, *, age: bool = False) -> bool:
    """A coarse yes/no flag: the published generalization of L4 facts, never the facts. A
    flag read off the age tells the age band, so it is withheld with the age."""
    quasi = Quasi("age", withheld_from=3) if age else None
    return field(description, category=category, grade=Grade.L3, masking=Masking.KEEP, quasi=quasi)


def _count(description: str) -> int:
    """A count of people (or of incidents that involve them): a cell, suppressed when small."""
    return field(
        description, category=Category.BUILDING, grade=Grade.L2, masking=Masking.KEEP, cell=True
    )


def _building_count(description: str) -> int:
    """A count of buildings: about places, not people, so never suppressed."""
    return field(description, category=Category.BUILDING, grade=Grade.L2, masking=Masking.KEEP)


def _score(description: str) -> int:
    """A score summed over the same people a cell counts: suppressed with that cell."""
    return field(
        description,
        category=Category.BUILDING,
        grade=Grade.L2,
        masking=Masking.KEEP,
        suppressed_with="vulnerable_residents",
    )


def _as_of() -> dt.date:
    return field(
        "Date the mart was computed for (ages, active cases, incident windows).",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )


_PERSON_KEY = field(
    "Causeway person ID; published as a stable keyed-HMAC pseudonym.",
    category=Category.KEY,
    grade=Grade.L3,
    masking=Masking.HASH,
    primary_key=True,
)


class VulnerableResident(Mart):
    """A resident with at least one vulnerability flag, located to floor and building."""

    entity_name = "vulnerable_residents"
    table_name = "mart.vulnerable_residents"
    summary = (
        "One row per living resident with at least one key-population flag, consolidated "
        "from every department; priority score documented in docs/marts.md. Published "
        "de-identified: no names, contacts or keys, age and floor in bands, and every row "
        "sharing its quasi-identifiers with at least k-1 others (meta.disclosure)."
    )
    tier = Tier.DEIDENTIFIED
    outreach = True

    person_id: str = _PERSON_KEY
    name: str | None = PersonMention.model_fields["name"]
    phone: str | None = PersonMention.model_fields["phone"]
    sex: str | None = PersonMention.model_fields["sex"]
    age: int | None = field(
        "Age in whole years on the as-of date.",
        category=Category.DEMOGRAPHIC,
        grade=Grade.L3,
        masking=Masking.KEEP,
        quasi=Quasi("age", withheld_from=3, banded=True),
    )
    district: str | None = Locality.model_fields["district"]
    street: str | None = Locality.model_fields["street"]
    community: str | None = Locality.model_fields["community"]
    grid_id: str | None = Locality.model_fields["grid_id"]
    building_id: str | None = Dwelling.model_fields["building_id"]
    building_no: str | None = Locality.model_fields["building_no"]
    dwelling_id: str | None = field(
        "Dwelling the resident lives in.",
        category=Category.LOCATION,
        grade=Grade.L3,
        pipl=True,
        masking=Masking.HASH,
    )
    unit_no: str | None = Premises.model_fields["unit_no"]
    room_no: str | None = Premises.model_fields["room_no"]
    floor: int | None = Dwelling.model_fields["floor"]
    has_elevator: bool | None = Building.model_fields["has_elevator"]
    aged_80_plus: bool = _flag("Aged 80 or over on the as-of date.", Category.DEMOGRAPHIC, age=True)
    living_alone: bool = _flag(
        "Lives alone: recorded by a welfare case, or the only living resident of the dwelling.",
        Category.HOUSEHOLD,
    )
    disability: bool = _flag("Has a recorded disability (health file or disability subsidy).")
    chronic_illness: bool = _flag("Has a chronic condition under management.")
    power_dependent: bool = _flag("Uses home medical equipment that needs electricity.")
    needs_help: bool = _flag("Cannot leave the building unaided (mobility code).")
    low_income: bool = _flag("Has an active low-income welfare case.", Category.WELFARE)
    child: bool = _flag("Under 18 on the as-of date.", Category.DEMOGRAPHIC, age=True)
    # The health file's own declaration: a pregnancy is graded once, wherever it is carried.
    pregnant: bool = HealthRecord.model_fields["pregnant"]
    needs: list[str] = field(
        "The flags that apply, as `key_population` codes, most urgent first.",
        category=Category.HEALTH,
        grade=Grade.L3,
        masking=Masking.KEEP,
        codes="key_population",
        outreach_only=True,  # names a pregnancy, which the de-identified rows do not carry
    )
    priority_score: int = field(
        "Evacuation priority of the person (higher first); see docs/marts.md.",
        category=Category.HEALTH,
        grade=Grade.L3,
        masking=Masking.KEEP,
        outreach_only=True,  # its stairs term tells the exact floor
    )
    priority_in_building: int | None = field(
        "Rank of the person within the building by priority score, 1 first.",
        category=Category.HEALTH,
        grade=Grade.L3,
        masking=Masking.KEEP,
        outreach_only=True,
    )
    departments: list[str] = field(
        "Departments whose current records know the person.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
        outreach_only=True,  # says whether the police know the person
    )
    as_of: dt.date = _as_of()


class BuildingSummary(Mart):
    """Per building: who lives there, who needs help, and how urgent evacuation is."""

    entity_name = "building_summary"
    table_name = "mart.building_summary"
    summary = "One row per building: residents, vulnerable residents, condition, incidents."
    sums_to = ("grid_id",)
    outreach = True

    building_id: str = Building.model_fields["building_id"]
    district: str | None = Locality.model_fields["district"]
    street: str | None = Locality.model_fields["street"]
    community: str | None = Locality.model_fields["community"]
    grid_id: str | None = Locality.model_fields["grid_id"]
    building_no: str | None = Locality.model_fields["building_no"]
    building_address: str | None = field(
        "The building's address as community and building number (e.g. 玉泉家园社区10号楼).",
        category=Category.LOCATION,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    floors: int | None = Building.model_fields["floors"]
    has_elevator: bool | None = Building.model_fields["has_elevator"]
    condition: str | None = Building.model_fields["condition"]
    year_built: int | None = Building.model_fields["year_built"]
    residents: int = _count("Living residents linked to a dwelling of the building.")
    vulnerable_residents: int = _count("Residents with at least one vulnerability flag.")
    needs_help: int = _count("Residents who cannot leave the building unaided.")
    power_dependent: int = _count("Residents who depend on powered medical equipment.")
    aged_80_plus: int = _count("Residents aged 80 or over.")
    living_alone: int = _count("Vulnerable residents who live alone.")
    stairs_only: int = _count(
        "Vulnerable residents on the 3rd floor or above in a building without an elevator."
    )
    incidents_90d: int = _count("Police incidents at the building in the 90 days to the as-of day.")
    evacuation_score: int = _score("Evacuation priority score of the building; see docs/marts.md.")
    evacuation_rank: int = _building_count("Rank of the building by evacuation score, 1 first.")
    as_of: dt.date = _as_of()


class GridSummary(Mart):
    """Per grid cell: the grid worker's overview of their patch."""

    entity_name = "grid_summary"
    table_name = "mart.grid_summary"
    summary = "One row per grid cell: buildings, residents, vulnerable residents, incidents."
    sums_to = ()

    grid_id: str = field(
        "Grid-management cell (网格) code.",
        category=Category.LOCATION,
        grade=Grade.L1,
        masking=Masking.KEEP,
        primary_key=True,
    )
    district: str | None = Locality.model_fields["district"]
    street: str | None = Locality.model_fields["street"]
    community: str | None = Locality.model_fields["community"]
    buildings: int = _building_count("Buildings in the cell.")
    residents: int = _count("Living residents of the cell's buildings.")
    vulnerable_residents: int = _count("Residents with at least one vulnerability flag.")
    needs_help: int = _count("Residents who cannot leave the building unaided.")
    power_dependent: int = _count("Residents who depend on powered medical equipment.")
    aged_80_plus: int = _count("Residents aged 80 or over.")
    living_alone: int = _count("Vulnerable residents who live alone.")
    dangerous_buildings: int = _building_count(
        "Buildings rated C or D (partly or wholly dangerous)."
    )
    buildings_without_elevator: int = _building_count(
        "Buildings without a working passenger elevator."
    )
    incidents_90d: int = _count("Police incidents in the cell in the 90 days to the as-of date.")
    first_building_id: str | None = field(
        "The cell's building with the highest evacuation score.",
        category=Category.KEY,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    evacuation_score: int = _score("Sum of the evacuation scores of the cell's buildings.")
    as_of: dt.date = _as_of()


class Person360(Mart):
    """Every current record of a person, from every department: restricted, never published."""

    entity_name = "person_360"
    table_name = "mart.person_360"
    summary = (
        "One row per record of a linked person in each department's current data "
        "(restricted: never published to the analytics file)."
    )
    tier = Tier.RESTRICTED

    person_id: str = field(
        "Causeway person ID.",
        category=Category.KEY,
        grade=Grade.L3,
        masking=Masking.HASH,
    )
    department: str = PersonSource.model_fields["department"]
    source: str = PersonSource.model_fields["source"]
    source_record_id: str = PersonSource.model_fields["source_record_id"]
    role: str | None = incident_role(
        "`subject` for register records, the incident role code for incident mentions."
    )
    match_probability: float | None = field(
        "Probability that the record is this person, from linking.",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    match_reason: str | None = PersonSource.model_fields["match_reason"]
    file_id: str | None = field(
        "File the record was loaded from (receipt number).",
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.KEEP,
    )
    record: str | None = field(
        "The whole current staging row, as JSON.",
        category=Category.RECORD,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
    )
    as_of: dt.date = _as_of()


class IslandIndex(Mart):
    """How isolated the departments' records are, before and after linking."""

    entity_name = "island_index"
    table_name = "mart.island_index"
    summary = (
        "People known to 1-4 departments and to each pair of departments: before linking "
        "(exact matching on valid ID numbers only) and after Causeway's linking."
    )
    sums_to = ("stage", "breakdown")

    stage: str = field(
        "`id_number_only` (before linking) or `linked` (after Causeway's linking).",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    breakdown: str = field(
        "`departments` (known to N departments), `only` (known to one named department "
        "only) or `pair` (known to both named departments).",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    departments: int | None = field(
        "Number of departments that know the people, for the `departments` breakdown.",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    department_a: str | None = field(
        "First department, for the `only` and `pair` breakdowns.",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    department_b: str | None = field(
        "Second department, for the `pair` breakdown.",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
    )
    people: int = field(
        "People (before linking: distinct ID numbers, and each record without one).",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
        cell=True,
    )
    share: float = field(
        "People as a share of all people at this stage.",
        category=Category.RECORD,
        grade=Grade.L1,
        masking=Masking.KEEP,
        suppressed_with="people",
    )
    as_of: dt.date = _as_of()


MARTS: tuple[type[Mart], ...] = (
    VulnerableResident,
    BuildingSummary,
    GridSummary,
    Person360,
    IslandIndex,
)
