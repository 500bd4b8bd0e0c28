"""The analytics file, measured as an attacker would: k-anonymous rows, no small cells."""

from __future__ import annotations

import os
import stat
from collections import Counter, defaultdict

import duckdb
import pytest

from schemas.classification import Tier
from schemas.disclosure import DisclosureError, load_disclosure
from schemas.marts import MARTS
from schemas.registry import ENTITIES, table_fields
from tests.warehouse.published import link_mart_publish, published_home
from warehouse.db import WriterLock, open_warehouse
from warehouse.marts import default_as_of
from warehouse.publish.deidentify import band_sql
from warehouse.publish.publication import publish, published_models


def _classes(con: duckdb.DuckDBPyConnection, table: str) -> Counter:
    quasi = con.execute(
        "SELECT quasi_identifiers FROM meta.disclosure WHERE table_name = ?", [table]
    ).fetchall()[0][0]
    columns = ", ".join(f'"{q}"' for q in quasi)
    return Counter(con.execute(f"SELECT {columns} FROM {table}").fetchall())


def measure(path: str) -> dict[str, object]:
    """What the file discloses: class sizes, small cells, lone suppressed cells in a group."""
    with duckdb.connect(path, read_only=True) as con:
        rules = dict(con.execute("SELECT table_name, k FROM meta.disclosure").fetchall())
        classes = {t: _classes(con, t) for t, k in rules.items() if k is not None}
        threshold = con.execute("SELECT max(threshold) FROM meta.disclosure").fetchall()[0][0]
        small, lone, suppressed = [], [], 0
        for model in MARTS:
            if model.tier is not Tier.AGGREGATE:
                continue
            table = model.table_name
            specs = table_fields(model)
            cells = [s.name for s in specs if s.cell]
            groups = list(model.sums_to or ())
            listed = ", ".join(f'"{c}"' for c in [*groups, *cells])
            rows = con.execute(f"SELECT {listed} FROM {table}").fetchall()
            by_group: dict[tuple, list[tuple]] = defaultdict(list)
            for row in rows:
                by_group[row[: len(groups)]].append(row[len(groups) :])
                for name, value in zip(cells, row[len(groups) :], strict=True):
                    suppressed += value is None
                    if value is not None and 0 < value < threshold:
                        small.append((table, name, value))
            for members in by_group.values():
                for i, name in enumerate(cells):
                    if [m[i] for m in members].count(None) == 1 and len(members) > 1:
                        lone.append((table, name))
        meta = dict(
            con.execute(
                "SELECT table_name, smallest_class FROM meta.disclosure WHERE k IS NOT NULL"
            ).fetchall()
        )
    unique = {t: sum(1 for n in c.values() if n == 1) for t, c in classes.items()}
    return {
        "smallest": {t: min(c.values()) for t, c in classes.items()},
        "meta_smallest": meta,
        "unique": unique,
        "small_cells": small,
        "lone": lone,
        "suppressed": suppressed,
    }


def test_every_published_row_shares_its_quasi_identifiers_with_k_minus_1_others(published):
    k = load_disclosure().k
    m = measure(str(published.analytics))
    assert m["smallest"] and all(n >= k for n in m["smallest"].values()), m["smallest"]
    assert m["meta_smallest"] == m["smallest"]
    assert all(n == 0 for n in m["unique"].values())


def test_no_small_cell_is_published_or_derivable_from_its_group(published):
    m = measure(str(published.analytics))
    assert m["small_cells"] == []
    assert m["lone"] == []
    assert m["suppressed"] > 0, "a 3,000-resident demo has small cells to suppress"
    with duckdb.connect(str(published.analytics), read_only=True) as con:
        listed = con.execute("SELECT count(*) FROM meta.suppressed_cells").fetchall()[0][0]
        counted = con.execute(
            "SELECT sum(cells_suppressed + cells_complementary) FROM meta.disclosure"
        ).fetchall()[0][0]
    assert listed == counted >= m["suppressed"]


def test_person_level_records_and_their_keys_stay_in_the_warehouse(published):
    with duckdb.connect(str(published.analytics), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() "
                "WHERE database_name = current_database()"
            ).fetchall()
        }
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name <> 'meta'"
            ).fetchall()
        }
    restricted = {m.table_name for m in (*ENTITIES, *MARTS) if m.tier is Tier.RESTRICTED}
    assert "core.person" in restricted and not tables & restricted
    assert {m.table_name for m in published_models()} <= tables
    for gone in ("person_id", "dwelling_id", "name", "phone", "id_number", "role", "unit_no"):
        assert gone not in columns, gone
    assert {"age_band", "floor_band"} <= columns


def test_the_outreach_list_is_owner_only_and_carries_the_masked_contacts(published):
    assert stat.S_IMODE(os.stat(published.outreach).st_mode) == 0o600
    with duckdb.connect(str(published.outreach), read_only=True) as con:
        names, phones = con.execute(
            "SELECT count(*) FILTER (WHERE name LIKE '%*%'), "
            "count(*) FILTER (WHERE phone LIKE '%*%') FROM mart.vulnerable_residents"
        ).fetchall()[0]
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert names > 0 and phones > 0
    assert "person" not in tables and "person_source" not in tables


def test_a_home_tightens_k_and_the_threshold(tmp_path):
    home = published_home(tmp_path / "home", 1500, 5)
    home.disclosure_file.write_text("k: 12\nthreshold: 25\n", encoding="utf-8")
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        publish(con, home, default_as_of(home))
    m = measure(str(home.analytics))
    assert all(n >= 12 for n in m["smallest"].values()), m["smallest"]
    assert m["small_cells"] == [] and m["lone"] == []
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        assert con.execute("SELECT max(k), max(threshold) FROM meta.disclosure").fetchall() == [
            (12, 25)
        ]
    home.disclosure_file.write_text("k: 1\n", encoding="utf-8")
    with pytest.raises(DisclosureError, match="k"):
        link_mart_publish(home)


@pytest.mark.parametrize(
    ("value", "band"), [(None, None), (0, "0-4"), (17, "15-17"), (18, "18-19"), (93, "90+")]
)
def test_age_bands(value, band):
    bounds = load_disclosure().ladders["age"].bands[0]
    sql = band_sql("v", bounds)
    assert duckdb.sql(f"SELECT {sql} FROM (SELECT ?::INTEGER AS v)", params=[value]).fetchall() == [
        (band,)
    ]


@pytest.mark.slow
def test_the_20k_demo_meets_k_and_the_threshold(tmp_path):
    """The figures of the closing note: `pytest -m slow tests/warehouse/test_disclosure.py -s`."""
    home = published_home(tmp_path / "home", 20_000, 3)
    m = measure(str(home.analytics))
    print({k: v for k, v in m.items() if k != "small_cells"})
    k = load_disclosure().k
    assert all(n >= k for n in m["smallest"].values()) and m["small_cells"] == []
    assert m["lone"] == [] and all(n == 0 for n in m["unique"].values())
