"""The analytics file: masked by grade, nothing personal in the clear, swapped atomically."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from connectors.home import Home
from schemas.classification import TO_INVOLVED, Grade, Masking, Tier, field_specs
from schemas.idnumber import is_valid
from schemas.marts import MARTS
from schemas.registry import ENTITIES, table_fields
from warehouse.db.connection import open_warehouse
from warehouse.db.ddl import literal, qualified, quote
from warehouse.db.lock import WriterLock
from warehouse.linking.run import link_people
from warehouse.marts.build import default_as_of
from warehouse.publish.masking import mask_middle_sql
from warehouse.publish.pseudonym import KEY_ENV, hmac_pads, hmac_sql, pseudonym, pseudonym_key
from warehouse.publish.publication import (
    STORAGE_VERSION,
    outreach_models,
    publish,
    published_models,
)

ID_CANDIDATE = re.compile(r"[0-9]{17}[0-9X]")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _text_columns(con):
    return con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND data_type LIKE 'VARCHAR%'"
    ).fetchall()


@pytest.mark.parametrize("file", ["analytics", "outreach"])
def test_no_id_number_mobile_or_full_name_in_any_text_column(published, file):
    with (published.demo_truth / "people.csv").open(encoding="utf-8") as f:
        names = {row["name"] for row in csv.DictReader(f) if row["name"]}
    long_names = [n for n in names if len(n) >= 3]
    hits = []
    with duckdb.connect(str(getattr(published, file)), read_only=True) as con:
        columns = _text_columns(con)
        assert len(columns) > 15
        for schema, table, column in columns:
            values = con.execute(
                f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" '
                f'WHERE "{column}" IS NOT NULL'
            ).fetchall()
            for (value,) in values:
                ids = [m for m in ID_CANDIDATE.findall(value) if is_valid(m)]
                named = value in names or any(n in value for n in long_names)
                if ids or MOBILE.search(value) or named:
                    hits.append((schema, table, column, value))
    assert hits == []


def test_masked_shapes(published):
    """The outreach list's names and phones; no ID number leaves the warehouse at all."""
    with duckdb.connect(str(published.outreach), read_only=True) as con:
        rows = con.execute("SELECT name, NULL, phone FROM mart.vulnerable_residents").fetchall()
    mobiles = [r[2] for r in rows if r[2] and "-" not in r[2] and len(r[2]) == 11]
    assert mobiles and all(re.fullmatch(r"1[0-9]{2}\*{4}[0-9]{4}", p) for p in mobiles)
    assert all("*" in r[0] for r in rows if r[0])


@pytest.mark.parametrize(
    ("value", "head", "tail", "masked"),
    [
        ("张三丰", 1, 1, "张*丰"),
        ("欧阳娜娜", 1, 1, "欧**娜"),
        ("张三", 1, 1, "张*"),
        ("张", 1, 1, "*"),
        ("110105195009199139", 6, 4, "110105********9139"),
        ("13812345678", 3, 4, "138****5678"),
    ],
)
def test_mask_middle(value, head, tail, masked):
    sql = mask_middle_sql("v", head, tail)
    assert duckdb.execute(f"SELECT {sql} FROM (SELECT ? AS v)", [value]).fetchall() == [(masked,)]


def test_sql_hmac_is_hmac_sha256():
    key = b"k" * 100
    inner, outer = hmac_pads(key)
    got = duckdb.execute(
        f"SELECT {hmac_sql('v')} FROM (SELECT unnest(['P0000001', '张三']) AS v)",
        {"hmac_inner": inner, "hmac_outer": outer},
    ).fetchall()
    assert [g[0] for g in got] == [pseudonym(key, "P0000001"), pseudonym(key, "张三")]
    assert not any(ch.isdigit() for g in got for ch in g[0])


FILES = [
    *(("analytics", m) for m in published_models()),
    *(("outreach", m) for m in outreach_models()),
]


@pytest.mark.parametrize(("file", "model"), FILES, ids=lambda x: getattr(x, "entity_name", x))
def test_no_masked_column_publishes_a_clear_value(published, file, model):
    """Each published column is its field's grade applied: a hashed or partly masked
    column holds none of the values the restricted warehouse holds, a kept one all of
    them, a dropped one is absent; so a mask that drifts from its field fails here. In
    de-identified rows the identifying fields are absent and the quasi-identifiers
    generalized (tests/warehouse/test_disclosure.py)."""
    table = qualified(model.table_name or "")
    deidentified = file == "analytics" and model.tier is Tier.DEIDENTIFIED
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        con.execute(f"ATTACH {literal(str(getattr(published, file)))} AS pub (READ_ONLY)")
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        assert rows > 0, f"{model.table_name} is empty: its masks never ran"
        published_names = {c[0] for c in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'pub' "
            "AND schema_name = ? AND table_name = ?", (model.table_name or "").split("."),
        ).fetchall()}  # fmt: skip
        for spec in table_fields(model):
            if spec.masking is Masking.DROP or (deidentified and not spec.deidentified):
                assert spec.name not in published_names, spec.name
                continue
            if deidentified and spec.quasi:
                continue
            if spec.masking not in (Masking.KEEP, Masking.HASH, Masking.MASK_MIDDLE):
                continue
            col = quote(spec.name)
            clear = con.execute(
                f"SELECT count(DISTINCT p.{col}) FROM pub.{table} p "
                f"SEMI JOIN {table} w ON w.{col} = p.{col}"
            ).fetchall()[0][0]
            present = con.execute(f"SELECT count(DISTINCT {col}) FROM pub.{table}").fetchall()[0][0]
            if spec.masking is Masking.KEEP:
                assert clear == present, (spec.name, "kept values changed")
            else:
                assert clear == 0, f"{model.table_name}.{spec.name}: {clear} clear values"


def test_restricted_and_dropped_fields_are_absent(published):
    with duckdb.connect(str(published.analytics), read_only=True) as con:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}  # fmt: skip
        assert "mart.person_360" not in tables
        for model in published_models():
            have = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                (model.table_name or "").split("."),
            ).fetchall()}  # fmt: skip
            for spec in field_specs(model):
                if spec.masking is Masking.DROP:
                    assert spec.name not in have, (model.table_name, spec.name)
                if spec.masking is Masking.GENERALIZE:
                    assert spec.name not in have or spec.name in {"needs_help"}


def test_key_file_is_owner_only_and_env_key_wins(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    home = Home.resolve(tmp_path).ensure()
    first = pseudonym_key(home)
    assert pseudonym_key(home) == first, "generated once, then reused"
    assert (home.secrets / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    assert home.secrets.stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv(KEY_ENV, "site key from the vault")
    assert pseudonym_key(home) == b"site key from the vault"


def test_published_file_is_readable_and_restricted_ones_are_not(published):
    assert published.analytics.stat().st_mode & 0o777 == 0o644
    assert published.warehouse.stat().st_mode & 0o777 == 0o600
    assert published.outreach.stat().st_mode & 0o777 == 0o600
    assert not list(published.root.glob(".analytics.duckdb.*")), "no temporary file left"
    assert not list(published.root.glob(".outreach.duckdb.*")), "no temporary file left"


def test_meta_counts_match_the_tables(published):
    with duckdb.connect(str(published.analytics), read_only=True) as con:
        for name, count in con.execute("SELECT table_name, row_count FROM meta.tables").fetchall():
            assert con.execute(f"SELECT count(*) FROM {name}").fetchall() == [(count,)]


def test_one_grade_and_mask_per_meaning():
    """A field carried by several tables (a pregnancy, a record's source, an address) is
    declared once: the same name and type never has two grades or masks."""
    rules: dict[tuple[str, str], set] = {}
    for model in (*ENTITIES, *MARTS):
        for s in field_specs(model):
            rule = (s.grade, s.pipl, s.masking, s.generalize_to)
            rules.setdefault((s.name, s.sql_type), set()).add(rule)
    assert {name: r for name, r in rules.items() if len(r) > 1} == {}


def test_an_incident_role_is_one_rule_wherever_it_is_carried():
    """A suspect or a victim is a police record: never published as the role code."""
    rules = {
        (spec.grade, spec.pipl, spec.masking, spec.generalize_to)
        for model in (*ENTITIES, *MARTS)
        for spec in field_specs(model)
        if spec.name == "role"
    }
    assert rules == {(Grade.L3, True, Masking.GENERALIZE, TO_INVOLVED)}


def _copy_of(home: Home, root) -> Home:
    """A copy of the shared published home that a test may publish again."""
    copy = Home.resolve(root).ensure()
    for name in ("warehouse.duckdb", "analytics.duckdb", "outreach.duckdb"):
        shutil.copy2(home.root / name, copy.root / name)
    shutil.copytree(home.secrets, copy.secrets, dirs_exist_ok=True)
    shutil.copytree(home.demo_truth, copy.demo_truth, dirs_exist_ok=True)
    shutil.copytree(home.models, copy.models, dirs_exist_ok=True)
    return copy


def _pseudonyms(path) -> set[str]:
    """The outreach list's person pseudonyms (the analytics file carries none)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT person_id FROM mart.vulnerable_residents").fetchall()
    return {r[0] for r in rows}


def test_pseudonyms_stay_the_same_across_publications_and_relinks(published, tmp_path):
    """A grid worker's list keeps naming the same person by the same key: the same key gives
    the same pseudonym, and a full relink keeps the IDs (so the pseudonyms) of nearly all."""
    home = _copy_of(published, tmp_path / "copy")
    before = _pseudonyms(home.outreach)
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        publish(con, home, default_as_of(home))
        assert _pseudonyms(home.outreach) == before
        link_people(con, home, "full")
        publish(con, home, default_as_of(home))
    kept = len(_pseudonyms(home.outreach) & before)
    assert kept / len(before) >= 0.999, kept / len(before)


def test_the_analytics_file_opens_in_duckdb_1x_storage(published):
    """Written in storage version v1.4.0, so DuckDB 1.x clients open it; the restricted
    warehouse stays in the engine's own newer format."""
    con = duckdb.connect()
    con.execute(f"ATTACH {literal(str(published.analytics))} AS pub (READ_ONLY)")
    con.execute(f"ATTACH {literal(str(published.warehouse))} AS wh (READ_ONLY)")
    versions = dict(
        con.execute(
            "SELECT database_name, tags['storage_version'] FROM duckdb_databases() "
            "WHERE database_name IN ('pub', 'wh')"
        ).fetchall()
    )
    con.close()
    assert versions["pub"] == f"{STORAGE_VERSION}+"
    assert versions["wh"] != versions["pub"]


def test_the_stock_duckdb_cli_1x_opens_the_analytics_file_and_reads_every_table(published):
    """The stock CLI (PyPI's duckdb-cli, DuckDB 1.5) reads every table the engine published."""
    spec = importlib.util.find_spec("duckdb_cli")
    assert spec is not None and spec.origin is not None, "duckdb-cli is a dev dependency"
    cli = Path(spec.origin).parent / "duckdb"
    with duckdb.connect(str(published.analytics), read_only=True) as con:
        names = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1"
        ).fetchall()
        counts = {
            name: con.execute(f"SELECT count(*) FROM {qualified(name)}").fetchone()[0]
            for (name,) in names
        }
    assert "mart.vulnerable_residents" in counts and "meta.disclosure" in counts
    query = " UNION ALL ".join(
        f"SELECT {literal(name)} AS t, count(*) AS n FROM {qualified(name)}" for name in counts
    )
    out = subprocess.run(
        [str(cli), "-readonly", "-csv", "-noheader", str(published.analytics), "-c", query],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    read = dict(line.rsplit(",", 1) for line in out.stdout.splitlines())
    assert {name: int(n) for name, n in read.items()} == counts
    version = subprocess.run([str(cli), "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("v1."), version.stdout
