"""Person-level rows published k-anonymous: generalized only as far as each row's class needs.

An outsider who knows a neighbour's age, sex, building and floor must not find that
neighbour's row: every published row shares its quasi-identifiers (declared on the schema
fields) with at least k-1 others. Rows start at full detail; a row whose class is smaller
than k takes the next step of the schedule (schemas/disclosure.yaml: a wider age band, a
wider floor band, the building withheld, ...), and so on until its class is large enough
(local recoding: the rest of the table keeps its detail). A row still alone after the
last step is withheld, and counted. Names, contacts, keys and whatever is declared
`outreach_only` never reach these rows at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from schemas.base import Record
from schemas.classification import FieldSpec
from schemas.disclosure import DisclosureRules
from schemas.registry import table_fields
from warehouse.db import qualified, quote
from warehouse.publish.masking import Column, published_column

WORK = "_deidentify"


@dataclass(frozen=True)
class RowDisclosure:
    """What de-identifying one table did."""

    table: str
    quasi_identifiers: list[str]
    rows_in: int
    rows_published: int
    rows_generalized: int
    rows_withheld: int
    smallest_class: int | None


def band_sql(column: str, bounds: tuple[int, ...]) -> str:
    """The band of `bounds` (increasing lower bounds, the last band open) a value is in."""
    cases = [f"WHEN {column} >= {bounds[-1]} THEN '{bounds[-1]}+'"]
    for low, high in zip(reversed(bounds[:-1]), reversed(bounds[1:]), strict=True):
        label = str(low) if high - 1 == low else f"{low}-{high - 1}"
        cases.append(f"WHEN {column} >= {low} THEN '{label}'")
    return f"CASE WHEN {column} IS NULL THEN NULL {' '.join(cases)} ELSE '<{bounds[0]}' END"


def quasi_column(spec: FieldSpec, rules: DisclosureRules) -> Column:
    """The published form of a quasi-identifier at the level its row's `_step` reached."""
    quasi = spec.quasi
    assert quasi is not None
    ladder = rules.ladders.get(quasi.ladder)
    if ladder is None:
        raise ValueError(f"{spec.entity}.{spec.name}: no ladder {quasi.ladder!r} in the rules")
    if quasi.banded and quasi.withheld_from > len(ladder.bands):
        raise ValueError(
            f"{spec.entity}.{spec.name}: banded until level {quasi.withheld_from}, but ladder "
            f"{quasi.ladder!r} has {len(ladder.bands)} levels of bands"
        )
    levels = ", ".join(str(n) for n in rules.levels(quasi.ladder))
    level = f"([{levels}])[{quote('_step')} + 1]"
    col = quote(spec.name)
    shown = [
        f"WHEN {n} THEN {band_sql(col, ladder.bands[n]) if quasi.banded else col}"
        for n in range(quasi.withheld_from)
    ]
    sql = f"CASE {level} {' '.join(shown)} ELSE NULL END"
    name = f"{spec.name}_band" if quasi.banded else spec.name
    if not quasi.banded:
        sql = f"CAST({sql} AS {spec.sql_type})"
    return Column(name, sql, {}, spec)


def deidentified_columns(model: type[Record], rules: DisclosureRules) -> list[Column]:
    """The table's published columns in declaration order: quasi-identifiers generalized,
    other fields by their masking, identifying ones left out."""
    columns = []
    for spec in table_fields(model):
        if not spec.deidentified:
            continue
        column = quasi_column(spec, rules) if spec.quasi else published_column(spec)
        if column is not None:
            columns.append(column)
    return columns


def deidentify(
    con: duckdb.DuckDBPyConnection, model: type[Record], target: str, rules: DisclosureRules
) -> RowDisclosure:
    """Create `target` from the model's warehouse table, k-anonymous under `rules`."""
    table = model.table_name or ""
    columns = deidentified_columns(model, rules)
    quasi = [c for c in columns if c.spec.quasi]
    if not quasi:
        raise ValueError(f"{table}: a de-identified table declares no quasi-identifiers")
    steps = len(rules.schedule)
    source = ", ".join(quote(s.name) for s in table_fields(model) if s.deidentified)
    classes = ", ".join(c.sql for c in quasi)
    sized = f"SELECT *, count(*) OVER (PARTITION BY {classes}) AS _class FROM {WORK}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {WORK} AS "
        f"SELECT {source}, 0 AS _step, row_number() OVER () AS _row FROM {qualified(table)}"
    )
    try:
        while True:
            changed = con.execute(
                f"UPDATE {WORK} SET _step = _step + 1 WHERE _row IN "
                f"(SELECT _row FROM ({sized}) WHERE _class < $k AND _step < $steps)",
                {"k": rules.k, "steps": steps},
            ).fetchall()[0][0]
            if not changed:
                break
        select = ", ".join(c.select for c in columns)
        con.execute(
            f"CREATE TABLE {target} AS SELECT {select} FROM ({sized}) "
            "WHERE _class >= $k ORDER BY _row",
            {"k": rules.k},
        )
        rows_in, published, generalized, smallest = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _class >= $k), "
            f"count(*) FILTER (WHERE _class >= $k AND _step > 0), "
            f"min(_class) FILTER (WHERE _class >= $k) FROM ({sized})",
            {"k": rules.k},
        ).fetchall()[0]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {WORK}")
    return RowDisclosure(
        table=table,
        quasi_identifiers=[c.name for c in quasi],
        rows_in=rows_in,
        rows_published=published,
        rows_generalized=generalized,
        rows_withheld=rows_in - published,
        smallest_class=smallest,
    )
