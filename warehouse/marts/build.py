"""Builds the resilience marts (`mart.*`) from `core.*` and the current staging data.

The SQL lives in `warehouse/marts/sql/*.sql`, run in name order with the as-of date bound
as `$as_of`. It reads the core layer, where every department record carries its linked
person (so a new contract for an existing entity feeds the marts with no SQL change).
Before it runs, this module makes the temporary inputs the SQL also reads: every current
record as JSON, for the person's 360° view; the code tables' extra attributes (weights);
and each department record with the flags its fields declare (`mart_health_record` with
`power_dependent`, `needs_help`…: warehouse/db/flags.py, the publication's own rule).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import duckdb
import pyarrow as pa

from connectors.home import Home
from schemas.base import PersonMention
from schemas.classification import field_specs
from schemas.code_tables import code_table, code_table_names
from schemas.contracts import SourceContract
from schemas.marts import MARTS
from schemas.registry import RECORDS, entity
from warehouse.db import (
    Flag,
    WriterLock,
    create_table_sql,
    flag_of,
    has_table,
    is_flag,
    open_warehouse,
    qualified,
    transaction,
)

log = logging.getLogger(__name__)

LINKS_TABLE = "core.person_source"
# What `mart_records` reads: every current staging record.
STAGING = "staging"


@dataclass(frozen=True)
class MartsReport:
    as_of: dt.date
    rows: dict[str, int]
    note: str | None = None


def default_as_of(home: Home) -> dt.date:
    """The demo's own date when the home holds a demo (so results are reproducible), else today."""
    meta = home.demo_truth / "meta.json"
    try:
        return dt.date.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["as_of"])
    except (OSError, ValueError, KeyError):
        return dt.date.today()


def mart_sql() -> list[tuple[str, str]]:
    """(file name, SQL) of every mart statement, in the order they run."""
    folder = resources.files("warehouse.marts") / "sql"
    files = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in files]


def build_marts(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, contracts: list[SourceContract]
) -> MartsReport:
    """Replace every mart with its state on `as_of`, in one transaction.

    Without linking output (`core.person_source`), the marts are created empty and the
    report says why, so readers find the tables and an explanation rather than an error.
    """
    with transaction(con):
        for model in MARTS:
            con.execute(f"DROP TABLE IF EXISTS {qualified(model.table_name or '')}")
            con.execute(create_table_sql(model))
        if (
            not has_table(con, LINKS_TABLE)
            or not con.execute(f"SELECT count(*) FROM {qualified(LINKS_TABLE)}").fetchall()[0][0]
        ):
            note = f"{LINKS_TABLE} is empty (linking has not run): marts left empty"
            log.warning(note)
            return MartsReport(as_of, {m.entity_name: 0 for m in MARTS}, note)
        _install_codes(con)
        _install_flags(con)
        _install_sources(con, contracts)
        for _, sql in mart_sql():
            params = {"as_of": as_of} if "$as_of" in sql else {}
            con.execute(sql, params)
        rows = {
            m.entity_name: con.execute(
                f"SELECT count(*) FROM {qualified(m.table_name or '')}"
            ).fetchall()[0][0]
            for m in MARTS
        }
    return MartsReport(as_of, rows)


def refresh_marts(home: Home, on_wait: Callable[[str], None] | None = None) -> MartsReport:
    """Rebuild every mart of the home's warehouse on its as-of date, under the writer lock."""
    with WriterLock(home.writer_lock, on_wait=on_wait), open_warehouse(home) as con:
        return build_marts(con, default_as_of(home), list(home.contracts().values()))


def _install_codes(con: duckdb.DuckDBPyConnection) -> None:
    """`mart_codes`: every extra attribute of every code table (power_dependent, weights...)."""
    rows: dict[str, list[str]] = {"code_table": [], "code": [], "attribute": [], "value": []}
    for name in code_table_names():
        for code in code_table(name).codes:
            for attribute, value in (code.model_extra or {}).items():
                rows["code_table"].append(name)
                rows["code"].append(code.code)
                rows["attribute"].append(attribute)
                rows["value"].append(json.dumps(value) if isinstance(value, bool) else str(value))
    con.register("_mart_codes", pa.table(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE mart_codes AS SELECT * FROM _mart_codes")
    con.unregister("_mart_codes")


def _flagged_table(model: type) -> str:
    """The temporary table of a department record with its flags: `mart_health_record`."""
    return "mart_" + (model.table_name or "").removeprefix("core.")


def _flags(model: type) -> list[Flag]:
    return [flag_of(s) for s in field_specs(model) if is_flag(s)]


def made_in_python() -> dict[str, set[str]]:
    """Each temporary input this module makes before the SQL runs → what it reads."""
    flagged = {_flagged_table(m): {m.table_name or ""} for m in RECORDS if _flags(m)}
    return {"mart_codes": set(), "mart_records": {STAGING}, **flagged}


def _install_flags(con: duckdb.DuckDBPyConnection) -> None:
    """`mart_<record>`: each department record that declares flags, with them as columns
    (power_dependent, needs_help, key_population...), computed as the publication does."""
    for model in RECORDS:
        flags = _flags(model)
        if not flags:
            continue
        columns = ", ".join(f"{f.sql} AS {f.name}" for f in flags)
        params = {k: v for f in flags for k, v in f.params.items()}
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_flagged_table(model)} AS "
            f"SELECT *, {columns} FROM {qualified(model.table_name or '')}",
            params,
        )


def _install_sources(con: duckdb.DuckDBPyConnection, contracts: list[SourceContract]) -> None:
    """`mart_records`: every current record of every source, as JSON (person_360)."""
    ordered = sorted(contracts, key=lambda c: c.source)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mart_records (_source VARCHAR, _department VARCHAR, "
        "_record_key VARCHAR, _file_id VARCHAR, _person BOOLEAN, id_number VARCHAR, "
        "record VARCHAR)"
    )
    people = {s.name for s in field_specs(PersonMention)}
    for c in ordered:
        is_person = any(people <= {s.name for s in field_specs(entity(e))} for e in c.entities)
        number = "id_number" if is_person else "NULL"
        con.execute(
            f"INSERT INTO mart_records SELECT ?, ?, _record_key, _file_id, ?, {number}, "
            f"CAST(to_json(r) AS VARCHAR) FROM {_current(c)} r",
            [c.source, c.department, is_person],
        )


def _current(contract: SourceContract) -> str:
    return qualified(contract.staging_table + "_current")
