"""The GX-on-DuckDB patches: pinned to one GX version, needed, and sufficient."""

import re
import subprocess
import sys
import textwrap

import duckdb
import pytest

from warehouse.quality.gx_duckdb import (
    GX_VERSION,
    UnsupportedGXVersion,
    check_version,
    close_datasource,
    gx,
    sql_datasource,
)

VALIDATE = textwrap.dedent(
    """
    import sys
    import duckdb
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from duckdb_engine import ConnectionWrapper
    if sys.argv[2] == "patched":
        from warehouse.quality.gx_duckdb import gx as patched
        patched()
    con = duckdb.connect(sys.argv[1])
    ctx = gx.get_context(mode="ephemeral")
    source = ctx.data_sources.add_sql(
        name="w", connection_string="duckdb:///:memory:",
        kwargs={"creator": lambda: ConnectionWrapper(con.cursor())})
    asset = source.add_query_asset(name="t", query="SELECT * FROM t")
    batch = asset.add_batch_definition_whole_table("b")
    suite = ctx.suites.add(gx.ExpectationSuite(name="s", expectations=[
        gxe.ExpectTableRowCountToBeBetween(min_value=3, max_value=3),
        gxe.ExpectColumnValuesToMatchRegex(column="phone", regex="^1[3-9][0-9]{9}$"),
    ]))
    result = gx.ValidationDefinition(name="v", data=batch, suite=suite).run()
    print([r.success for r in result.results])
    """
)


def _table(path):
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE t AS SELECT * FROM (VALUES ('13812345678'), ('138'), (NULL)) v(phone)"
        )


def test_other_gx_versions_are_refused():
    check_version(GX_VERSION)
    with pytest.raises(UnsupportedGXVersion, match=re.escape(GX_VERSION)):
        check_version("1.25.0")


def test_the_installed_gx_is_the_pinned_one():
    assert gx().__version__ == GX_VERSION


@pytest.mark.parametrize(
    ("mode", "expected"), [("plain", "False, False"), ("patched", "True, False")]
)
def test_the_patches_are_needed_and_sufficient(tmp_path, mode, expected):
    """Unpatched, GX cannot even count rows on DuckDB; patched, the count passes and the
    regex finds the one bad phone. If the unpatched case starts passing, GX fixed it
    upstream and the patch can go."""
    path = tmp_path / "w.duckdb"
    _table(path)
    out = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == f"[{expected}]"


def test_regex_results_on_a_cursor_and_clean_close(tmp_path):
    path = tmp_path / "w.duckdb"
    _table(path)
    great_expectations = gx()
    expectations = great_expectations.expectations
    with duckdb.connect(str(path)) as con:
        ctx = great_expectations.get_context(mode="ephemeral")
        source = sql_datasource(ctx, "w", con)
        batch = source.add_query_asset(name="t", query="SELECT * FROM t")
        suite = ctx.suites.add(
            great_expectations.ExpectationSuite(
                name="s",
                expectations=[
                    expectations.ExpectColumnValuesToNotMatchRegex(column="phone", regex="^138$"),
                    expectations.ExpectColumnValuesToMatchRegexList(
                        column="phone", regex_list=["^1[3-9][0-9]{9}$", "^138$"], match_on="any"
                    ),
                ],
            )
        )
        definition = great_expectations.ValidationDefinition(
            name="v", data=batch.add_batch_definition_whole_table("b"), suite=suite
        )
        result = definition.run(result_format="SUMMARY")
        close_datasource(source)
        not_match, match_any = result.results
        assert not not_match.success and not_match.result["unexpected_count"] == 1
        assert match_any.success
        con.execute("INSERT INTO t VALUES ('139')")  # the writer is free after the check
