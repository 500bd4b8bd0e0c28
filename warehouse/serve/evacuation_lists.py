"""A building's vulnerable residents in evacuation order, for the grid worker.

The everyday path reads the outreach file (masked names and phones, no room numbers),
written beside the analytics file by every publication, owner-only and never published.
Break-glass reads the restricted warehouse for real contacts; it takes the
writer lock for the few milliseconds it needs (DuckDB lets no other process open the file
while a writer holds it), logs the access to `audit.access_log`, and only then returns.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from connectors.home import Home
from warehouse.db import install_macros
from warehouse.publish import connect_analytics
from warehouse.serve.access_log import check_reason, log_access, logged_session

BUILDING_COLUMNS = (
    "building_id, building_address AS address, district, street, floors, has_elevator, "
    "condition, residents, vulnerable_residents, evacuation_rank"
)
BY_ID = f"SELECT {BUILDING_COLUMNS} FROM mart.building_summary WHERE upper(building_id) = upper(?)"
ID_RANGE = "SELECT min(building_id), max(building_id), count(*) FROM mart.building_summary"
BUILDING_ID = re.compile(r"^\s*BLD\d+\s*$", re.IGNORECASE)
BY_PARTS = f"""
SELECT {BUILDING_COLUMNS} FROM mart.building_summary
WHERE building_no = $no
    AND (community = $community
        OR ($community IS NULL AND strpos($text, replace(community, '社区', '')) > 0)
        -- a community named like a district (竹园小区社区) misleads the parser
        OR strpos($text, community) > 0)
    AND ($street IS NULL OR street = $street OR strpos($text, community) > 0)
    AND ($district IS NULL OR district = $district OR strpos($text, community) > 0)
ORDER BY building_id
"""
BY_NUMBER = f"SELECT {BUILDING_COLUMNS} FROM mart.building_summary WHERE building_no = ? "
BY_NUMBER += "ORDER BY building_id"
# In small steps: the nested macros in one statement took 100 ms to bind.
PARSE_CLEAN = "SELECT cw_clean(?)"
PARSE_AREA = "SELECT a.district, a.street, a.community, a.rest FROM "
PARSE_AREA += "(SELECT cw_address_area(?) AS a)"
PARSE_PREMISES = "SELECT nullif(cw_premises(?)['building'], '')"
PARSE_NUMBER = "SELECT coalesce(cw_number(?), cw_building_no(?))"
RESIDENT_COLUMNS = [
    "priority_in_building",
    "floor",
    "unit_no",
    "name",
    "sex",
    "age",
    "needs",
    "living_alone",
    "phone",
    "priority_score",
    "person_id",
]
RESTRICTED_EXTRA = ["room_no"]
RESIDENTS = "SELECT {columns} FROM mart.vulnerable_residents WHERE building_id = ? "
RESIDENTS += "ORDER BY priority_in_building"
BREAK_GLASS_WAIT = 60.0
_PARSER_LOCK = threading.Lock()


class BuildingNotFound(Exception):
    """No building, or more than one, matches what was asked."""

    def __init__(self, message: str, candidates: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


@dataclass(frozen=True)
class Evacuation:
    building: dict[str, Any]
    columns: list[str]
    rows: list[tuple[Any, ...]]
    restricted: bool


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the standardization macros, made once per process."""
    con = duckdb.connect()
    install_macros(con)
    return con


def address_parts(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """District, street, community and building number of an address, parsed by the same
    SQL macros that standardize the departments' addresses."""
    with _PARSER_LOCK:
        con = _parser()
        clean = con.execute(PARSE_CLEAN, [text]).fetchall()[0][0]
        district, street, community, rest = con.execute(PARSE_AREA, [clean]).fetchall()[0]
        building = con.execute(PARSE_PREMISES, [rest]).fetchall()[0][0]
        number = con.execute(PARSE_NUMBER, [building, rest]).fetchall()[0][0]
    return district, street, community, number


def find_building(con: duckdb.DuckDBPyConnection, text: str) -> dict[str, Any]:
    """The building a grid worker means: its ID, or its address in any usual spelling."""
    found = _records(con.execute(BY_ID, [text.strip()]))
    if found:
        return found[0]
    if BUILDING_ID.match(text):
        first, last, count = con.execute(ID_RANGE).fetchall()[0]
        known = f"the {count:,} buildings are {first} to {last}" if count else "no buildings yet"
        raise BuildingNotFound(f"no building {text.strip()}: {known}; or give its address")
    district, street, community, number = address_parts(text)
    if number is None:
        raise BuildingNotFound(f"no building ID or building number in {text!r}")
    params = {
        "no": number,
        "community": community,
        "street": street,
        "district": district,
        "text": text,
    }
    found = _records(con.execute(BY_PARTS, params))
    if len(found) == 1:
        return found[0]
    if not found:
        others = _records(con.execute(BY_NUMBER, [number]))
        if len(others) == 1 and community is None:
            return others[0]
        if community is not None or not others:
            hint = f"; buildings numbered {number}:" if others else ""
            raise BuildingNotFound(f"no building matches {text!r}{hint}", others)
        found = others
    raise BuildingNotFound(
        f"{len(found)} buildings match {text!r}: give the community or the building ID",
        found,
    )


def residents(
    con: duckdb.DuckDBPyConnection, building_id: str, restricted: bool
) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = RESIDENT_COLUMNS[:3] + (RESTRICTED_EXTRA if restricted else [])
    columns += RESIDENT_COLUMNS[3:]
    sql = RESIDENTS.format(columns=", ".join(columns))
    return columns, con.execute(sql, [building_id]).fetchall()


def evacuation(outreach: Path, text: str) -> Evacuation:
    """The masked list, from the outreach file (never blocked by a run)."""
    with connect_analytics(outreach) as con:
        building = find_building(con, text)
        columns, rows = residents(con, building["building_id"], restricted=False)
    return Evacuation(building, columns, rows, restricted=False)


def break_glass(
    home: Home,
    text: str,
    reason: str,
    wait: float | None = None,
    on_wait: Any = None,
    account: str | None = None,
) -> Evacuation:
    """The unmasked list from the restricted warehouse, logged before it is returned.

    Waits up to `wait` seconds (BREAK_GLASS_WAIT) for a run to release the warehouse
    (WriterBusy after); a reason that says nothing raises ReasonRefused before anything is
    read.
    """
    check_reason(reason)
    wait = BREAK_GLASS_WAIT if wait is None else wait
    with logged_session(home, wait, on_wait) as con:
        try:
            building = find_building(con, text)
        except BuildingNotFound:
            log_access(
                con,
                reason=reason,
                action="evacuation",
                target=text,
                building_id=None,
                person_ids=[],
                account=account,
            )
            raise
        columns, rows = residents(con, building["building_id"], restricted=True)
        ids = [str(r[columns.index("person_id")]) for r in rows]
        log_access(
            con,
            reason=reason,
            action="evacuation",
            target=text,
            building_id=building["building_id"],
            person_ids=ids,
            account=account,
        )
    return Evacuation(building, columns, rows, restricted=True)
