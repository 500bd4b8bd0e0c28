"""Database sources against a real PostgreSQL: full and incremental loads, lost connections,
renamed columns; every batch audited like a file and its cursor committed with it."""

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa
import yaml

from connectors.home import Home
from connectors.sql_source import SourceError, SourceUnavailable
from demo import health_db
from warehouse.ingest.extracts import pull_database

T0 = dt.datetime(2026, 9, 1, 8, 0)
VALID_ID = "11010519491231002X"


def make_table(url: str, rows: int = 0, start: int = 1) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in health_db.DDL:
            conn.execute(sa.text(statement))
    insert(engine, range(start, start + rows))
    return engine


def insert(engine: sa.Engine, ids, minutes: int = 0, name: str = "张三") -> None:
    values = [
        {
            "dabh": f"JK{i:06d}",
            "xm": f"{name}{i}",
            "xb": "男",
            "sfzh": VALID_ID if i % 2 else None,
            "xzz": "柳荫社区3号楼2单元301室",
            "updated_at": T0 + dt.timedelta(minutes=minutes, seconds=i),
        }
        for i in ids
    ]
    if values:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO health.residents (dabh, xm, xb, sfzh, xzz, updated_at) "
                    "VALUES (:dabh, :xm, :xb, :sfzh, :xzz, :updated_at)"
                ),
                values,
            )


def db_home(tmp_path, batch_size: int = 1000, **changes) -> Home:
    home = Home.resolve(tmp_path / "home").ensure()
    contract = health_db.database_contract()
    contract["database"]["batch_size"] = batch_size
    contract["database"].update(changes)
    (home.contracts_dir / "health_residents.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    return home


def query(home: Home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def pull(home: Home, url: str, **kwargs):
    return pull_database(home, "health_residents", environ={health_db.URL_ENV: url}, **kwargs)


def test_first_full_load_batches_audit_and_cursor(tmp_path, pg_url):
    make_table(pg_url, 2500)
    home = db_home(tmp_path)
    results = pull(home, pg_url)
    assert [r.rows_in for r in results] == [1000, 1000, 500]
    for r in results:
        assert r.rows_in == r.rows_loaded + r.rows_quarantined
        assert r.status == "loaded"
    assert query(home, "SELECT count(*) FROM staging.health_residents_current") == [(2500,)]
    audit = query(
        home,
        "SELECT count(*), sum(rows_in), bool_and(rows_in = rows_loaded + rows_quarantined) "
        "FROM audit.file_loads WHERE source = 'health_residents'",
    )
    assert audit == [(3, 2500, True)]
    cursor = query(home, "SELECT cursor_value, tie_value, file_id FROM audit.source_cursors")
    assert cursor == [(str(T0 + dt.timedelta(seconds=2500)), "JK002500", results[-1].file_id)]
    lineage = query(
        home,
        "SELECT name, sex, _extra->>'updated_at' FROM staging.health_residents "
        "WHERE record_id = 'JK000007'",
    )
    assert lineage == [("张三7", "1", str(T0 + dt.timedelta(seconds=7)))]
    assert pull(home, pg_url) == [], "nothing changed: nothing read"


def test_incremental_inserts_and_updates_supersede(tmp_path, pg_url):
    engine = make_table(pg_url, 300)
    home = db_home(tmp_path, batch_size=100)
    pull(home, pg_url)
    insert(engine, range(301, 311), minutes=60)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE health.residents SET xm = '李四', updated_at = :t WHERE dabh = 'JK000005'"
            ),
            {"t": T0 + dt.timedelta(days=1)},
        )
    results = pull(home, pg_url)
    assert sum(r.rows_in for r in results) == 11
    versions = query(
        home,
        "SELECT name, _valid_to IS NULL FROM staging.health_residents "
        "WHERE record_id = 'JK000005' ORDER BY _valid_from",
    )
    assert versions == [("张三5", False), ("李四", True)]
    assert query(home, "SELECT count(*) FROM staging.health_residents_current") == [(310,)]


def test_rows_sharing_a_timestamp_are_not_lost_at_batch_edges(tmp_path, pg_url):
    engine = make_table(pg_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO health.residents (dabh, xm, updated_at) "
                "SELECT 'JK' || lpad(g::text, 6, '0'), '王五', :t FROM generate_series(1, 250) g"
            ),
            {"t": T0},
        )
    home = db_home(tmp_path, batch_size=40)
    results = pull(home, pg_url)
    assert sum(r.rows_in for r in results) == 250
    assert len(results) == 7, "ties are broken on the record ID, so batches stay small"
    assert query(home, "SELECT count(DISTINCT record_id) FROM staging.health_residents") == [(250,)]


def test_connection_lost_mid_extract_resumes_after_the_last_good_batch(tmp_path, pg_url):
    # Enough data that the server still holds rows when the connection is cut (socket
    # buffers take a few megabytes).
    engine = make_table(pg_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO health.residents (dabh, xm, xzz, updated_at) "
                "SELECT 'JK' || lpad(g::text, 7, '0'), '赵六', repeat('柳荫社区3号楼', 20), "
                ":t + g * interval '1 second' FROM generate_series(1, 60000) g"
            ),
            {"t": T0},
        )
    home = db_home(tmp_path, batch_size=5000)
    killer = sa.create_engine(pg_url)

    def cut_after_second_batch(result):
        if result.file_id.endswith("2"):
            with killer.begin() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'causeway:health_residents'"
                    )
                )

    with pytest.raises(SourceUnavailable, match=r"health_residents: reading health\.residents"):
        pull(home, pg_url, progress=cut_after_second_batch)
    loaded = query(home, "SELECT count(*) FROM staging.health_residents")[0][0]
    batches = query(home, "SELECT count(*), sum(rows_in) FROM audit.file_loads")[0]
    assert batches[1] == loaded and batches[0] >= 2 and loaded < 60000
    cursor = query(home, "SELECT tie_value FROM audit.source_cursors")[0][0]
    assert cursor == f"JK{loaded:07d}", "the cursor is the last committed batch's last row"
    run = query(home, "SELECT status, message FROM audit.runs")
    assert run[0][0] == "failed" and "SourceUnavailable" in run[0][1]

    results = pull(home, pg_url)
    assert sum(r.rows_in for r in results) == 60000 - loaded
    counts = query(
        home,
        "SELECT count(*), count(DISTINCT record_id) FROM staging.health_residents_current",
    )
    assert counts == [(60000, 60000)]


def test_renamed_column_is_named_and_nothing_is_read(tmp_path, pg_url):
    engine = make_table(pg_url, 10)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE health.residents RENAME COLUMN xm TO xingming"))
    home = db_home(tmp_path)
    with pytest.raises(SourceError, match=r"required column missing: name \(one of: 姓名, xm\)"):
        pull(home, pg_url)
    assert query(home, "SELECT count(*) FROM audit.source_cursors") == [(0,)]
    assert query(home, "SELECT count(*) FROM staging.health_residents") == [(0,)]
    assert query(home, "SELECT status FROM audit.runs") == [("failed",)]


def test_renamed_cursor_column_is_named(tmp_path, pg_url):
    engine = make_table(pg_url, 10)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE health.residents RENAME COLUMN updated_at TO changed"))
    with pytest.raises(SourceError, match=r"cursor column 'updated_at' is not in health.residents"):
        pull(db_home(tmp_path), pg_url)


def test_bad_rows_are_quarantined_and_the_cursor_moves_on(tmp_path, pg_url):
    engine = make_table(pg_url, 5)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE health.residents SET xm = NULL WHERE dabh = :d"), {"d": "JK000003"}
        )
        conn.execute(
            sa.text("UPDATE health.residents SET sfzh = '110105194912310021' WHERE dabh = :d"),
            {"d": "JK000005"},
        )
    home = db_home(tmp_path)
    (result,) = pull(home, pg_url)
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_quarantined) == (
        "partial",
        5,
        4,
        1,
    )
    held = query(home, "SELECT raw->>'dabh', reasons FROM quarantine.rows")
    assert held == [("JK000003", ["name is required"])]
    # A row whose identity is usable is loaded with its bad ID number set aside.
    assert result.fields_set_aside == 1
    fields = query(home, "SELECT record_key, field, value, reason FROM quarantine.fields")
    assert fields[0][:3] == ("JK000005", "id_number", "110105194912310021")
    assert "checksum" in fields[0][3]
    assert query(home, "SELECT tie_value FROM audit.source_cursors") == [("JK000005",)]


def test_missing_environment_variable_is_explained(tmp_path):
    home = db_home(tmp_path)
    with pytest.raises(SourceError, match="environment variable CAUSEWAY_HEALTH_DB is not set"):
        pull_database(home, "health_residents", environ={})


def test_password_never_appears_in_errors(tmp_path, postgres):
    home = db_home(tmp_path)
    url = postgres.url("no_such_database")
    with pytest.raises(SourceUnavailable) as caught:
        pull(home, url)
    assert postgres.password not in str(caught.value)
    assert "***" in str(caught.value)


def test_stored_cursor_for_other_columns_is_refused(tmp_path, pg_url):
    make_table(pg_url, 5)
    home = db_home(tmp_path)
    pull(home, pg_url)
    home = db_home(tmp_path, cursor={"column": "updated_at", "tie_breaker": "xm"})
    with pytest.raises(SourceError, match=r"DELETE FROM audit\.source_cursors"):
        pull(home, pg_url)
