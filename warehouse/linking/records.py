"""The conformed department records (`core.health_record`, `core.incident`, ...): every
current staging record of each source, with the person, building and dwelling its link
gave it, rewritten whole on every link so it never lags staging or the links.

A record whose table key is coarser than a staging row (an incident, whose rows are its
mentions) is one row, taken from its first mention; it names no person.
"""

from __future__ import annotations

import duckdb

from schemas.base import Record
from schemas.classification import field_specs
from schemas.contracts import SourceContract
from schemas.record_links import RecordLinks
from schemas.registry import RECORDS
from warehouse.db import qualified, quote, record_key_of

LINKS = "core.person_source"


def write_records(con: duckdb.DuckDBPyConnection, contracts: list[SourceContract]) -> None:
    """Rewrite every conformed record table from staging and `core.person_source`; the
    caller holds the transaction."""
    for model in RECORDS:
        table = model.table_name or ""
        con.execute(f"DELETE FROM {qualified(table)}")
        for contract in sorted(contracts, key=lambda c: c.source):
            if model.entity_name in contract.entities:
                con.execute(
                    insert_sql(model, contract),
                    {"department": contract.department, "source": contract.source},
                )


def insert_sql(model: type[Record], contract: SourceContract) -> str:
    specs = field_specs(model)
    (key,) = [s.name for s in specs if s.primary_key]
    per_row = key == record_key_of(contract)
    links = [s.name for s in field_specs(RecordLinks)]
    keys = {
        "department": "$department",
        "source": "$source",
        "person_id": "l.person_id" if per_row else "NULL",
        "building_id": "l.building_id",
        "dwelling_id": "l.dwelling_id" if per_row else "NULL",
    }
    assert set(keys) == set(links), "RecordLinks and the keys written here differ"
    columns = ", ".join(quote(c) for c in [*links, *(s.name for s in specs)])
    values = ", ".join([*(keys[c] for c in links), *(f"s.{quote(s.name)}" for s in specs)])
    # A row the table cannot hold (a required field set aside) stays in staging only.
    filled = " AND ".join(f"s.{quote(s.name)} IS NOT NULL" for s in specs if s.required)
    staged = (
        f"FROM {qualified(contract.staging_table + '_current')} AS s "
        f"LEFT JOIN {qualified(LINKS)} AS l "
        "ON l.source = $source AND l.source_record_id = s._record_key "
        f"WHERE ({filled or 'true'})"
    )
    # A key held by one row is that row; a key held by several (an incident's mentions)
    # is its first. Only those few are sorted: DISTINCT ON over every row sorts them all
    # in memory, and at 250,000 residents, inside the link's transaction, it ran out.
    repeated = (
        f"SELECT {quote(key)} FROM {qualified(contract.staging_table + '_current')} "
        f"WHERE {quote(key)} IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
    )
    k = f"s.{quote(key)}"
    return (
        f"INSERT INTO {qualified(model.table_name or '')} ({columns}) "
        f"SELECT {values} {staged} AND {k} NOT IN ({repeated}) "
        f"UNION ALL SELECT * FROM (SELECT DISTINCT ON ({k}) {values} {staged} "
        f"AND {k} IN ({repeated}) ORDER BY {k}, s._record_key)"
    )
