"""Runs expectation suites with Great Expectations' SQL engine on a warehouse connection.

Every expectation is a real GX expectation; GX stores each validation under the data
home and renders it into the Data Docs site. A failed hand-written expectation (SQL
returning the rows that break it) gets a few of those rows as examples.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from warehouse.quality.gx_duckdb import close_datasource, gx, sql_datasource
from warehouse.quality.rules import Expectation, Suite
from warehouse.quality.store import ExpectationOutcome

DATASOURCE = "warehouse"
EXAMPLES = 5
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def context(docs_root: Path) -> Any:
    """An ephemeral GX context whose stores and Data Docs site live under `docs_root`.

    Ephemeral, because the data source reads through a live connection that no
    configuration file can hold; the suites, results and docs are files all the same.
    """
    great_expectations = gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        ProgressBarsConfig,
    )

    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_root / "site"),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(docs_root / "gx")),
        data_docs_sites={"quality": site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return great_expectations.get_context(mode="ephemeral", project_config=config)


def _gx_expectation(spec: Expectation) -> Any:
    expectations = gx().expectations
    return getattr(expectations, spec.gx_type)(
        **spec.kwargs,
        description=spec.name,
        meta={"severity": spec.severity.value, "rule": spec.rule, "name": spec.name},
    )


def _result_format(suite: Suite) -> dict[str, Any]:
    out: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
    if suite.example_columns:
        out["unexpected_index_column_names"] = list(suite.example_columns)
    return out


class Validation:
    """One GX context and data source for many suites, and one Data Docs build at the end.

    GX compiles its page templates on every build and a context costs about half a second
    to make, so the gates of a whole layer share one (`with Validation(...) as v`).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, docs_root: Path) -> None:
        self.con = con
        self.docs_root = docs_root
        self._ctx: Any = None
        self._source: Any = None
        self._stored: list[Any] = []

    def __enter__(self) -> Validation:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._source is not None:
            close_datasource(self._source)
        if self._stored and exc[0] is None:
            # Renders the pages of every validation run here, and the index.
            self._ctx.build_data_docs(resource_identifiers=self._stored)

    def _open(self) -> tuple[Any, Any]:
        if self._ctx is None:
            self._ctx = context(self.docs_root)
            self._source = sql_datasource(self._ctx, DATASOURCE, self.con)
        return self._ctx, self._source

    def run(self, suites: Sequence[Suite], run_name: str) -> list[ExpectationOutcome]:
        """Validate every suite and store GX's results under `docs_root`."""
        great_expectations = gx()
        run_id = great_expectations.RunIdentifier(
            run_name=run_name, run_time=dt.datetime.now(dt.UTC)
        )
        outcomes: list[ExpectationOutcome] = []
        for suite in suites:
            if not suite.expectations:
                continue
            ctx, source = self._open()
            name = _safe(suite.name)
            if any(a.name == name for a in source.assets):  # another load of the table
                source.delete_asset(name)
            asset = source.add_query_asset(name=name, query=suite.query)
            batch = asset.add_batch_definition_whole_table("all rows")
            gx_suite = ctx.suites.add_or_update(
                great_expectations.ExpectationSuite(
                    name=suite.name, expectations=[_gx_expectation(e) for e in suite.expectations]
                )
            )
            definition = ctx.validation_definitions.add_or_update(
                great_expectations.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
            )
            # One checkpoint per suite: GX takes one result format per checkpoint, and the
            # example columns (a record key, a file ID) differ between suites.
            checkpoint = ctx.checkpoints.add_or_update(
                great_expectations.Checkpoint(
                    name=suite.name,
                    validation_definitions=[definition],
                    result_format=_result_format(suite),
                )
            )
            ((identifier, result),) = checkpoint.run(run_id=run_id).run_results.items()
            self._stored.append(identifier)
            outcomes += _outcomes(self.con, suite, result)
        return outcomes


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name)


def _outcomes(
    con: duckdb.DuckDBPyConnection, suite: Suite, result: Any
) -> list[ExpectationOutcome]:
    by_name = {spec.name: spec for spec in suite.expectations}
    out = []
    for item in result.results:
        spec = by_name[item.expectation_config.meta["name"]]
        found = dict(item.result or {})
        error = _error(item.exception_info)
        outcome = ExpectationOutcome(
            table=suite.table,
            suite=suite.name,
            expectation=spec.name,
            expectation_type=item.expectation_config.type,
            column=spec.column,
            rule=spec.rule,
            severity=spec.severity,
            success=bool(item.success),
            element_count=found.get("element_count"),
            unexpected_count=found.get("unexpected_count"),
            observed_value=found.get("observed_value"),
            examples=_examples(found),
            error=error,
        )
        if not outcome.success and spec.gx_type == "UnexpectedRowsExpectation" and not error:
            outcome.unexpected_count = outcome.observed_value
            outcome.examples = _offending_rows(con, suite, spec)
        out.append(outcome)
    return out


def _error(info: dict[str, Any] | None) -> str | None:
    """GX reports an exception on the result, or per metric that could not be computed."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info["exception_message"]) if info["raised_exception"] else None
    for metric in info.values():
        if isinstance(metric, dict) and metric.get("raised_exception"):
            return str(metric.get("exception_message"))
    return None


def _examples(found: dict[str, Any]) -> list[Any]:
    indexed = found.get("partial_unexpected_index_list")
    if indexed:
        return list(indexed)[:EXAMPLES]
    return list(found.get("partial_unexpected_list") or [])[:EXAMPLES]


def _offending_rows(con: duckdb.DuckDBPyConnection, suite: Suite, spec: Expectation) -> list[Any]:
    """A few rows a hand-written rule's query returns, for the check's metadata."""
    query = spec.kwargs["unexpected_rows_query"].replace("{batch}", f"({suite.query})")
    cursor = con.cursor()
    try:
        relation = cursor.execute(f"SELECT * FROM ({query}) LIMIT {EXAMPLES}")
        names = [d[0] for d in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
    finally:
        cursor.close()
