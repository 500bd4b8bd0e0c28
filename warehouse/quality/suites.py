"""Expectation suites generated from the shared schemas, the contracts and the audit.

A staging table gets two suites: its current records (required fields filled, formats,
code values, ranges, one current row per record id) and its loads (the share of rows a
file quarantined, and its rows against the previous snapshot or the contract's bounds).
A conformed table gets its columns' rules and key uniqueness. Hand-written rules from
`domain.yaml` join the suite of their table. Every expectation carries its severity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas import ENTITIES, table_fields
from schemas.base import ID_NUMBER_PATTERN, LANDLINE_PATTERN, MOBILE_PATTERN, Record
from schemas.classification import FieldSpec
from schemas.code_tables import code_table
from schemas.contracts import ExportMode, SourceContract
from schemas.dates import date_limits
from warehouse.db import literal, qualified, quote, staging_fields
from warehouse.ingest import SPREADSHEET_DAMAGE
from warehouse.quality.rules import Expectation, Suite, domain_rules, settings

RECORD_KEY = "_record_key"
# Loads that count: loaded, not retracted, and not held back by a gate.
LOADED = (
    "source = {source} AND status IN ('loaded', 'partial') AND retracted_at IS NULL "
    "AND (gate IS NULL OR gate <> 'held' OR file_id = {file_id})"
)
# Values a number cell damaged are the source's known defect, not a broken mapping: their
# share is a warning of its own, outside the blocking set_aside_share.
_DAMAGED = f"contains(q.reason, {literal(SPREADSHEET_DAMAGE)})"
# One load, with the rows of the load before it and the most-failed field's share. Shares
# of a file too small to have one (a clerk's two-row supplement) are NULL, which GX skips.
LOADS_SQL = f"""
SELECT file_id, file_name, rows_in, rows_loaded, rows_quarantined, previous_rows_loaded,
       CASE WHEN rows_in >= {{min_rows}} THEN rows_quarantined / rows_in END
           AS quarantined_share,
       rows_loaded / previous_rows_loaded AS ratio_to_previous,
       CASE WHEN rows_in >= {{min_rows}} THEN coalesce((SELECT max(n) FROM (
           SELECT count(*) AS n FROM quarantine.fields q
           WHERE q.file_id = files.file_id AND NOT {_DAMAGED} GROUP BY q.field)), 0) / rows_in END
           AS set_aside_share,
       CASE WHEN rows_in >= {{min_rows}} THEN coalesce((SELECT max(n) FROM (
           SELECT count(*) AS n FROM quarantine.fields q
           WHERE q.file_id = files.file_id AND {_DAMAGED} GROUP BY q.field)), 0) / rows_in END
           AS spreadsheet_damage_share
FROM (
    SELECT *, lag(rows_loaded) OVER (ORDER BY loaded_at, file_id) AS previous_rows_loaded
    FROM audit.file_loads WHERE {LOADED}
) AS files
WHERE file_id = {{file_id}}
"""


def _expect(
    kind: str, gx_type: str, name: str, column: str | None = None, **kwargs: Any
) -> Expectation:
    if column is not None:
        kwargs["column"] = column
    return Expectation(name, gx_type, kwargs, settings().kinds[kind].severity, kind, column)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def field_expectations(spec: FieldSpec, key: str, today: dt.date) -> list[Expectation]:
    """Format, code, range and date rules of one field, from its declaration."""
    col, out = spec.name, []
    if spec.fmt == "id_number":
        out.append(
            _expect(
                "format",
                "ExpectColumnValuesToMatchRegex",
                f"{col} is an ID number",
                col,
                regex=ID_NUMBER_PATTERN,
            )
        )
    if spec.fmt == "phone":
        out.append(
            _expect(
                "format",
                "ExpectColumnValuesToMatchRegexList",
                f"{col} is a mobile or landline number",
                col,
                regex_list=[MOBILE_PATTERN, LANDLINE_PATTERN],
                match_on="any",
            )
        )
    if spec.codes and spec.sql_type.endswith("[]"):
        codes = ", ".join(literal(c) for c in code_table(spec.codes).values)
        query = (
            f"SELECT {quote(key)}, {quote(col)} FROM {{batch}} "
            f"WHERE NOT list_has_all([{codes}], {quote(col)})"
        )
        out.append(
            _expect(
                "codes",
                "UnexpectedRowsExpectation",
                f"{col} items are in code table {spec.codes}",
                unexpected_rows_query=query,
            )
        )
    elif spec.codes:
        out.append(
            _expect(
                "codes",
                "ExpectColumnValuesToBeInSet",
                f"{col} is in code table {spec.codes}",
                col,
                value_set=code_table(spec.codes).values,
            )
        )
    low, high = spec.ge, spec.le
    if low is not None or high is not None:
        out.append(
            _expect(
                "range",
                "ExpectColumnValuesToBeBetween",
                f"{col} is within {_text(low)}..{_text(high)}",
                col,
                min_value=low,
                max_value=high,
            )
        )
    out += _date_expectations(spec, today)
    return out


def _text(bound: float | None) -> str:
    return "" if bound is None else f"{bound:g}"


def _date_expectations(spec: FieldSpec, today: dt.date) -> list[Expectation]:
    # GX compares date columns with datetime bounds only (a date bound raises).
    if spec.sql_type not in ("DATE", "TIMESTAMP"):
        return []
    rules = date_limits()
    col = spec.name
    if col == "birth_date":
        oldest = _years_before(today, rules.max_age_years)
        return [
            _expect(
                "birth_date",
                "ExpectColumnValuesToBeBetween",
                f"{col} is not in the future and at most {rules.max_age_years} years ago",
                col,
                min_value=_midnight(oldest),
                max_value=_midnight(today),
            )
        ]
    latest = _years_before(today, -rules.date_slack_years)
    return [
        _expect(
            "date",
            "ExpectColumnValuesToBeBetween",
            f"{col} is between {rules.earliest_date} and {latest}",
            col,
            min_value=_midnight(rules.earliest_date),
            max_value=_midnight(latest),
        )
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _domain(table: str) -> list[Expectation]:
    return [
        Expectation(
            r.name,
            "UnexpectedRowsExpectation",
            {"unexpected_rows_query": r.query},
            r.severity,
            "domain",
        )
        for r in domain_rules()
        if r.table == table
    ]


def staging_suites(contract: SourceContract, today: dt.date, file_id: str) -> list[Suite]:
    """The suites of one load: its current records (and every current record sharing their
    keys, for uniqueness), and its audit row. Rows other loads brought are not judged."""
    table = contract.staging_table
    expectations = [
        _expect("required", "ExpectColumnValuesToNotBeNull", f"{name} is filled", name)
        for name in dict.fromkeys((contract.record_id, *contract.required))
    ]
    for spec in staging_fields(contract):
        expectations += field_expectations(spec, RECORD_KEY, today)
    expectations.append(
        _expect(
            "unique_record",
            "ExpectColumnValuesToBeUnique",
            "one current row per record id",
            RECORD_KEY,
        )
    )
    expectations += _domain(table)
    current, fid = qualified(table + "_current"), literal(file_id)
    records = Suite(
        name=table,
        table=table,
        query=f"SELECT * FROM {current} WHERE {RECORD_KEY} IN "
        f"(SELECT {RECORD_KEY} FROM {current} WHERE _file_id = {fid})",
        expectations=tuple(expectations),
        example_columns=(RECORD_KEY,),
    )
    loads = Suite(
        name=f"{table}.loads",
        table=table,
        query=LOADS_SQL.format(
            source=literal(contract.source),
            file_id=fid,
            min_rows=int(settings().min_rows_for_shares),
        ).strip(),
        expectations=tuple(_load_expectations(contract)),
        example_columns=("file_id",),
    )
    return [records, loads]


def _load_expectations(contract: SourceContract) -> list[Expectation]:
    share, fields = settings().max_quarantined_share, settings().max_set_aside_share
    out = [
        _expect(
            "quarantined_share",
            "ExpectColumnValuesToBeBetween",
            f"each load quarantines at most {share:.0%} of its rows",
            "quarantined_share",
            min_value=0,
            max_value=share,
        ),
        _expect(
            "set_aside_share",
            "ExpectColumnValuesToBeBetween",
            f"each load sets aside one field in at most {fields:.0%} of its rows",
            "set_aside_share",
            min_value=0,
            max_value=fields,
        ),
        _expect(
            "spreadsheet_damage_share",
            "ExpectColumnValuesToBeBetween",
            f"each load has at most {fields:.0%} of one field damaged by a spreadsheet",
            "spreadsheet_damage_share",
            min_value=0,
            max_value=fields,
        ),
    ]
    bounds = contract.row_count
    if contract.mode is ExportMode.SNAPSHOT and bounds and (bounds.min_ratio or bounds.max_ratio):
        out.append(
            _expect(
                "snapshot_rows",
                "ExpectColumnValuesToBeBetween",
                f"each snapshot has {bounds.min_ratio or 0}-{bounds.max_ratio or 'any'}× "
                "the previous snapshot's rows",
                "ratio_to_previous",
                min_value=bounds.min_ratio,
                max_value=bounds.max_ratio,
            )
        )
    if contract.mode is ExportMode.DELTA and bounds and (bounds.min_rows or bounds.max_rows):
        out.append(
            _expect(
                "delta_rows",
                "ExpectColumnValuesToBeBetween",
                f"each file loads {bounds.min_rows or 0}-{bounds.max_rows or 'any'} rows",
                "rows_loaded",
                min_value=bounds.min_rows,
                max_value=bounds.max_rows,
            )
        )
    return out


def core_suite(model: type[Record], today: dt.date) -> Suite:
    """A conformed table: filled required fields, column rules, a unique key.

    An empty table passes every blocking rule (nothing in it is wrong); only a warning
    says it is empty, since linking may not have run yet.
    """
    assert model.table_name
    specs = table_fields(model)
    keys = [s.name for s in specs if s.primary_key]
    expectations = [
        _expect("required", "ExpectColumnValuesToNotBeNull", f"{s.name} is filled", s.name)
        for s in specs
        if s.required
    ]
    for spec in specs:
        expectations += field_expectations(spec, keys[0] if keys else spec.name, today)
    if len(keys) == 1:
        expectations.append(
            _expect("unique_key", "ExpectColumnValuesToBeUnique", f"{keys[0]} is unique", keys[0])
        )
    elif keys:
        expectations.append(
            _expect(
                "unique_key",
                "ExpectCompoundColumnsToBeUnique",
                f"({', '.join(keys)}) is unique",
                column_list=keys,
            )
        )
    expectations.append(
        _expect("not_empty", "ExpectTableRowCountToBeBetween", "the table has rows", min_value=1)
    )
    expectations += _domain(model.table_name)
    return Suite(
        name=model.table_name,
        table=model.table_name,
        query=f"SELECT * FROM {qualified(model.table_name)}",
        expectations=tuple(expectations),
        example_columns=tuple(keys),
    )


def other_suite(table: str) -> Suite:
    """A table the schemas do not describe (a mart): its hand-written rules only."""
    return Suite(
        name=table,
        table=table,
        query=f"SELECT * FROM {qualified(table)}",
        expectations=tuple(_domain(table)),
    )


def suites_for(table: str, today: dt.date | None = None) -> list[Suite]:
    """Every suite of one conformed or mart table, e.g. `core.person`; a staging table's
    suites judge one load at a time (`staging_suites`)."""
    today = today or dt.date.today()
    for model in ENTITIES:
        if model.table_name == table:
            return [core_suite(model, today)]
    return [other_suite(table)]
