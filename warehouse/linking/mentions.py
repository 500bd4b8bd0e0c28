"""Every person mention in staging, in one shape, so linking needs no per-source code.

A source takes part when one of its contract's entities is a person mention; the role is
the entity's `role` field when it has one (an incident's reporter, victim…), otherwise
`subject`. A new contract with a person entity is linked without any change here.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.base import AddressParts, PersonMention
from schemas.contracts import SourceContract
from schemas.incident import SUBJECT_ROLE
from schemas.registry import entity
from warehouse.db import literal, qualified, quote
from warehouse.linking.gazetteer import known_communities_sql, parsed_from_text, resolved_sql

ADDRESS_FIELDS = ("district", "street", "community", "grid_id", "building_no", "unit_no", "room_no")


def person_sources(contracts: Iterable[SourceContract]) -> list[SourceContract]:
    """The sources whose rows mention a person, in a stable order."""
    return sorted(
        (c for c in contracts if any(issubclass(entity(e), PersonMention) for e in c.entities)),
        key=lambda c: c.source,
    )


def _fields(contract: SourceContract) -> set[str]:
    names: set[str] = set()
    for e in contract.entities:
        names |= set(entity(e).model_fields)
    return names


def _select(
    contract: SourceContract, since_fields: tuple[str, ...], known: str | None = None
) -> str:
    """One source's mentions; `known` (warehouse.linking.gazetteer) names the communities
    the registers know, which replace those parsed from this source's address text."""
    fields = _fields(contract)
    view = qualified(contract.staging_table + "_current")
    resolve = known is not None and has_address(contract) and parsed_from_text(contract)
    role = quote("role") if "role" in fields else literal(SUBJECT_ROLE)
    columns = [
        f"{literal(contract.department)} AS department",
        f"{literal(contract.source)} AS source",
        "_record_key AS source_record_id",
        f"{role} AS role",
        "_valid_from AS seen_at",
    ]
    columns += [quote(f) for f in ("name", "id_number", "sex", "birth_date", "phone")]
    for f in ADDRESS_FIELDS:
        if resolve and f == "community":
            columns.append("coalesce(g.community, v.community) AS community")
        else:
            columns.append(
                quote(f) if has_address(contract) and f in fields else f"NULL::VARCHAR AS {f}"
            )
    relation = "relation_to_head"
    columns.append(quote(relation) if relation in fields else f"NULL::VARCHAR AS {relation}")
    dates = [quote(f) for f in since_fields if f in fields]
    columns.append(f"least({', '.join(dates)}) AS since" if dates else "NULL::DATE AS since")
    columns.append(f"{'true' if at_event(contract) else 'false'} AS at_event")
    if resolve:
        return (
            f"SELECT {', '.join(columns)} FROM {view} AS v "
            f"LEFT JOIN ({resolved_sql(view, str(known))}) AS g ON g.address = v.address"
        )
    return f"SELECT {', '.join(columns)} FROM {view}"


def has_address(contract: SourceContract) -> bool:
    return any(issubclass(entity(e), AddressParts) for e in contract.entities)


def at_event(contract: SourceContract) -> bool:
    """Whether the address of the source's rows is where something happened (an incident's
    发生地址), not where the person lives: no person entity of it carries the address."""
    return has_address(contract) and not any(
        issubclass(entity(e), PersonMention) and issubclass(entity(e), AddressParts)
        for e in contract.entities
    )


def mentions_sql(contracts: Iterable[SourceContract], since_fields: tuple[str, ...] = ()) -> str:
    """One query over every person source's current rows, in one column order;
    `since` is the earliest of `since_fields` (dates a record places the person at home)."""
    contracts = list(contracts)
    known = known_communities_sql(contracts)
    selects = [_select(c, since_fields, known) for c in person_sources(contracts)]
    if not selects:
        raise ValueError("no source contract mentions a person: nothing to link")
    return "\nUNION ALL\n".join(selects)
