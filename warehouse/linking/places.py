"""Buildings and dwellings from every department's addresses, with stable IDs.

Standardization already reduced `三号楼`, `3栋` and `3号楼` to building number 3, so a
building is its community and number, and a dwelling is a building, unit and room. IDs
are kept by those natural keys from run to run; a place no source mentions any more is
kept (buildings do not vanish with a retracted file). Descriptive attributes (year built,
floors, elevator, area…) come from whichever sources carry them, most common value.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from schemas.base import Locality, Premises
from schemas.contracts import SourceContract
from schemas.place import Building, Dwelling
from warehouse.db import qualified, quote, staging_fields
from warehouse.linking.features import BUILDING_KEY, DWELLING_KEY, dwelling_key_of

BUILDING_PREFIX, BUILDING_DIGITS = "BLD", 7
DWELLING_PREFIX, DWELLING_DIGITS = "DWL", 8


def floor_sql(room: str) -> str:
    """Chinese room numbering: room 2705 is on floor 27, room 302 on floor 3."""
    number = f"TRY_CAST({room} AS INTEGER)"
    return f"CASE WHEN {number} >= 100 THEN {number} // 100 END"


def _attributes(model: type, place_fields: Iterable[str]) -> list[str]:
    skip = set(place_fields) | {"building_id", "dwelling_id", "floor"}
    return [name for name in model.model_fields if name not in skip]


BUILDING_ATTRIBUTES = _attributes(Building, Locality.model_fields)
DWELLING_ATTRIBUTES = _attributes(Dwelling, Premises.model_fields)


def _attribute_rows(contracts: Iterable[SourceContract], key: str, attributes: list[str]) -> str:
    """Rows of (key, attributes…) from every source that carries any of the attributes."""
    selects = []
    for contract in sorted(contracts, key=lambda c: c.source):
        have = {s.name for s in staging_fields(contract)}
        if not set(attributes) & have or not {"community", "building_no"} <= have:
            continue
        cols = [quote(a) if a in have else f"NULL AS {quote(a)}" for a in attributes]
        view = qualified(contract.staging_table + "_current")
        selects.append(
            f"SELECT {key} AS key, {', '.join(cols)} FROM {view} "
            f"WHERE community IS NOT NULL AND building_no IS NOT NULL"
            + (" AND room_no IS NOT NULL" if key == DWELLING_KEY else "")
        )
    if not selects:
        nulls = ", ".join(f"NULL AS {quote(a)}" for a in attributes)
        return f"SELECT NULL::VARCHAR AS key, {nulls} WHERE false"
    return " UNION ALL ".join(selects)


def _modes(attributes: list[str]) -> str:
    return ", ".join(f"mode({quote(a)}) AS {quote(a)}" for a in attributes)


def link_places(con: duckdb.DuckDBPyConnection, contracts: list[SourceContract]) -> None:
    """Upserts core.building and core.dwelling and fills `link_places` (unique_id →
    building_id, dwelling_id) for the mentions in `link_mentions`."""
    battrs = ", ".join(
        f"coalesce(a.{quote(x)}, b.{quote(x)}) AS {quote(x)}" for x in BUILDING_ATTRIBUTES
    )
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE place_buildings AS
WITH seen AS (
    SELECT building_key AS key, any_value(community) AS community,
           any_value(building_no) AS building_no, mode(district) AS district,
           mode(street) AS street, mode(grid_id) AS grid_id
    FROM link_mentions WHERE building_key IS NOT NULL GROUP BY building_key
),
attrs AS (
    SELECT key, {_modes(BUILDING_ATTRIBUTES)}
    FROM ({_attribute_rows(contracts, BUILDING_KEY, BUILDING_ATTRIBUTES)}) GROUP BY key
),
old AS (SELECT *, {BUILDING_KEY} AS key FROM core.building)
SELECT coalesce(b.building_id, s.key) AS building_id, b.building_id IS NULL AS is_new,
       coalesce(s.key, b.key) AS key,
       coalesce(s.district, b.district) AS district, coalesce(s.street, b.street) AS street,
       coalesce(s.community, b.community) AS community,
       coalesce(s.grid_id, b.grid_id) AS grid_id,
       coalesce(s.building_no, b.building_no) AS building_no,
       {battrs}
FROM seen AS s
FULL JOIN old AS b ON b.key = s.key
LEFT JOIN attrs AS a ON a.key = coalesce(s.key, b.key)
""")
    _number(
        con, "place_buildings", "core.building", "building_id", BUILDING_PREFIX, BUILDING_DIGITS
    )
    columns = ", ".join(quote(c) for c in Building.model_fields)
    con.execute("DELETE FROM core.building")
    con.execute(f"INSERT INTO core.building ({columns}) SELECT {columns} FROM place_buildings")

    dattrs = ", ".join(
        f"coalesce(a.{quote(x)}, d.{quote(x)}) AS {quote(x)}" for x in DWELLING_ATTRIBUTES
    )
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE place_dwellings AS
WITH seen AS (
    SELECT dwelling_key AS key, any_value(building_key) AS building_key,
           any_value(unit_no) AS unit_no, any_value(room_no) AS room_no
    FROM link_mentions WHERE dwelling_key IS NOT NULL GROUP BY dwelling_key
),
attrs AS (
    SELECT key, {_modes(DWELLING_ATTRIBUTES)}
    FROM ({_attribute_rows(contracts, DWELLING_KEY, DWELLING_ATTRIBUTES)}) GROUP BY key
),
old AS (
    SELECT d.*, {dwelling_key_of("b.key", "d.unit_no", "d.room_no")} AS key
    FROM core.dwelling AS d JOIN place_buildings AS b USING (building_id)
)
SELECT coalesce(d.dwelling_id, s.key) AS dwelling_id, d.dwelling_id IS NULL AS is_new,
       coalesce(s.key, d.key) AS key,
       coalesce(s.unit_no, d.unit_no) AS unit_no, coalesce(s.room_no, d.room_no) AS room_no,
       coalesce(b.building_id, d.building_id) AS building_id,
       coalesce(d.floor, {floor_sql("s.room_no")}) AS floor,
       {dattrs}
FROM seen AS s
FULL JOIN old AS d ON d.key = s.key
LEFT JOIN place_buildings AS b ON b.key = s.building_key
LEFT JOIN attrs AS a ON a.key = coalesce(s.key, d.key)
""")
    _number(
        con, "place_dwellings", "core.dwelling", "dwelling_id", DWELLING_PREFIX, DWELLING_DIGITS
    )
    columns = ", ".join(quote(c) for c in Dwelling.model_fields)
    con.execute("DELETE FROM core.dwelling")
    con.execute(f"INSERT INTO core.dwelling ({columns}) SELECT {columns} FROM place_dwellings")
    con.execute("""
CREATE OR REPLACE TEMP TABLE link_places AS
SELECT m.unique_id, b.building_id, d.dwelling_id
FROM link_mentions AS m
LEFT JOIN place_buildings AS b ON b.key = m.building_key
LEFT JOIN place_dwellings AS d ON d.key = m.dwelling_key
""")


def _number(
    con: duckdb.DuckDBPyConnection, work: str, table: str, column: str, prefix: str, digits: int
) -> None:
    """Gives new places the next numbers after the highest ever issued, in key order."""
    last = con.execute(
        f"SELECT coalesce(max(TRY_CAST(substr({column}, {len(prefix) + 1}) AS BIGINT)), 0) "
        f"FROM {table}"
    ).fetchall()[0][0]
    con.execute(
        f"""
UPDATE {work} AS w SET {column} = n.new_id
FROM (
    SELECT key, '{prefix}' || lpad(($last + row_number() OVER (ORDER BY key))::VARCHAR,
                                   {digits}, '0') AS new_id
    FROM {work} WHERE is_new
) AS n
WHERE w.key = n.key
""",
        {"last": last},
    )
