"""TEST-ONLY stand-in for linking: fills core.* from the demo's ground truth.

The marts and publication read only `core.*` and `staging.*_current`; until Causeway's
linking fills `core.*`, tests fill it here from `<home>/demo_truth/` (truth person IDs as
person IDs), restricted to the records that actually reached staging. Swap this module
for a real linking run once it exists; nothing in product code reads the truth.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# The interface linking provides (schemas/person.py once linking lands).
PERSON_SOURCE_DDL = """
CREATE TABLE IF NOT EXISTS core.person_source (
    department VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    role VARCHAR,
    person_id VARCHAR NOT NULL,
    match_probability DOUBLE,
    match_reason VARCHAR
)
"""
STAGED_KEYS = """
SELECT 'housing_occupants' AS source, _record_key FROM staging.housing_occupants_current
UNION ALL SELECT 'health_residents', _record_key FROM staging.health_residents_current
UNION ALL SELECT 'police_residents', _record_key FROM staging.police_residents_current
UNION ALL SELECT 'police_incidents', _record_key FROM staging.police_incidents_current
UNION ALL SELECT 'civil_affairs_cases', _record_key FROM staging.civil_affairs_cases_current
"""


def fill_core_from_truth(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    """Replace core.person, building, dwelling, household_member and person_source."""
    csv = {name: str(truth / f"{name}.csv") for name in ("people", "persons", "dwellings")}
    csv["buildings"] = str(truth / "buildings.csv")
    con.execute(PERSON_SOURCE_DDL)
    for table in ("person_source", "household_member", "person", "dwelling", "building"):
        con.execute(f"DELETE FROM core.{table}")
    con.execute(
        "INSERT INTO core.person_source "
        "SELECT m.department, m.source, m.source_record_id, m.role, m.true_person_id, 1.0, "
        "'truth fixture' FROM read_csv(?, all_varchar = true) m "
        f"JOIN ({STAGED_KEYS}) s ON s.source = m.source AND s._record_key = m.source_record_id",
        [csv["persons"]],
    )
    con.execute(
        "INSERT INTO core.building BY NAME SELECT building_id, district, street, community, "
        "grid_id, building_no, year_built::BIGINT AS year_built, structure, "
        "floors::BIGINT AS floors, has_elevator::BOOLEAN AS has_elevator, condition "
        "FROM read_csv(?, all_varchar = true)",
        [csv["buildings"]],
    )
    con.execute(
        "INSERT INTO core.dwelling BY NAME SELECT dwelling_id, unit_no, room_no, building_id, "
        "floor::BIGINT AS floor, area_m2::DOUBLE AS area_m2, tenure "
        "FROM read_csv(?, all_varchar = true)",
        [csv["dwellings"]],
    )
    con.execute(
        "INSERT INTO core.person BY NAME SELECT true_person_id AS person_id, name, id_number, "
        "sex, birth_date::DATE AS birth_date, phone, dwelling_id, death_date::DATE AS death_date "
        "FROM read_csv(?, all_varchar = true) "
        "WHERE true_person_id IN (SELECT person_id FROM core.person_source)",
        [csv["people"]],
    )
    con.execute(
        "INSERT INTO core.household_member BY NAME SELECT household_id, "
        "true_person_id AS person_id, dwelling_id, relation_to_head "
        "FROM read_csv(?, all_varchar = true) "
        "WHERE household_id IS NOT NULL AND dwelling_id IS NOT NULL "
        "AND true_person_id IN (SELECT person_id FROM core.person)",
        [csv["people"]],
    )
