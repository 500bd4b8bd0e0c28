"""The SQL reader: ordered text batches, ties kept together, NULL kept apart from '', and
hostile contract values quoted or bound (PostgreSQL, and SQLite through the generic path)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from connectors.sql_source import Position, SourceError, SqlSource
from schemas.contracts import DatabaseSource

T0 = dt.datetime(2026, 9, 1, 8, 0)
HOSTILE = "x'); DROP TABLE victims; --"


def db(**changes) -> DatabaseSource:
    spec = {"url_env": "X", "table": "people", "cursor": {"column": "updated_at"}}
    return DatabaseSource.model_validate({**spec, "batch_size": 3, **changes})


def setup(url: str, rows: list[tuple]) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE victims (v integer)"))
        conn.execute(sa.text("INSERT INTO victims VALUES (1)"))
        conn.execute(
            sa.text("CREATE TABLE people (rid text, name text, note text, updated_at timestamp)")
        )
        conn.execute(
            sa.text("INSERT INTO people VALUES (:rid, :name, :note, :t)"),
            [{"rid": r, "name": n, "note": x, "t": t} for r, n, x, t in rows],
        )
    return engine


ROWS = [
    ("A", "张三", None, T0),
    ("B", "NA", "", T0),
    ("C", "NULL", 'multi\nline, "quoted"', T0 + dt.timedelta(seconds=1)),
    ("D", "李四", "x", T0 + dt.timedelta(seconds=2)),
    ("E", "王五", "y", T0 + dt.timedelta(seconds=3)),
]


def read(source: SqlSource, after: Position | None = None):
    batches = list(source.batches(source.db.cursor.tie_breaker or "rid", after))
    rows = [row for b in batches for row in b.data.to_pylist()]
    return batches, rows


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'source.db'}"
    return request.getfixturevalue("pg_url")


def test_batches_are_ordered_text_with_null_apart_from_empty(url):
    setup(url, ROWS)
    with SqlSource(db(), sa.engine.make_url(url), "people") as source:
        assert source.columns() == ["rid", "name", "note", "updated_at"]
        batches, rows = read(source)
    assert [b.data.num_rows for b in batches] == [3, 2]
    assert [r["c0"] for r in rows] == ["A", "B", "C", "D", "E"]
    assert rows[0]["c2"] is None and rows[1]["c2"] == ""
    assert rows[1]["c1"] == "NA" and rows[2]["c1"] == "NULL", "only a real NULL is null"
    assert rows[2]["c2"] == 'multi\nline, "quoted"'
    assert batches[0].last == Position(str(T0 + dt.timedelta(seconds=1)), "C")


def test_resume_after_a_position(url):
    setup(url, ROWS)
    with SqlSource(db(), sa.engine.make_url(url), "people") as source:
        _, rows = read(source, Position(str(T0), "A"))
    assert [r["c0"] for r in rows] == ["B", "C", "D", "E"]


def test_rows_with_the_same_cursor_and_tie_stay_in_one_batch(pg_url):
    rows = [("A", "1", None, T0), ("B", "1", None, T0)] + [("B", "2", None, T0)] * 2
    rows += [("C", "x", None, T0 + dt.timedelta(seconds=1))]
    setup(pg_url, rows)
    with SqlSource(db(batch_size=2), sa.engine.make_url(pg_url), "people") as source:
        batches, _ = read(source)
    assert [[r["c0"] for r in b.data.to_pylist()] for b in batches] == [["A"], ["B"] * 3, ["C"]]


def test_rows_without_a_cursor_value_are_counted(pg_url):
    setup(pg_url, [*ROWS, ("F", "无时间", None, None)])
    with SqlSource(db(), sa.engine.make_url(pg_url), "people") as source:
        assert source.rows_without_cursor() == 1
        _, rows = read(source)
    assert "F" not in [r["c0"] for r in rows]


def test_a_query_source_and_a_schema_qualified_table(pg_url):
    engine = setup(pg_url, ROWS)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE SCHEMA "卫生"'))
        conn.execute(sa.text('CREATE TABLE "卫生"."Residents" AS SELECT * FROM people'))
    url = sa.engine.make_url(pg_url)
    with SqlSource(db(table="卫生.Residents"), url, "t") as source:
        assert len(read(source)[1]) == 5
    query = "SELECT rid, name, updated_at FROM people WHERE name LIKE '%三%' OR rid = 'E';"
    with SqlSource(db(table=None, query=query), url, "q") as source:
        assert source.columns() == ["rid", "name", "updated_at"]
        assert [r["c0"] for r in read(source)[1]] == ["A", "E"]


def _victims(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT v FROM victims")).all()


@pytest.mark.parametrize(
    "changes",
    [
        {"table": 'people"; DROP TABLE victims; --'},
        {"table": "people; DROP TABLE victims"},
        {"cursor": {"column": "updated_at; DROP TABLE victims; --"}},
        {"cursor": {"column": "updated_at", "tie_breaker": 'rid" FROM people; DROP TABLE victims'}},
    ],
)
def test_hostile_identifiers_are_quoted_and_name_nothing(pg_url, changes):
    engine = setup(pg_url, ROWS)
    with (
        SqlSource(db(**changes), sa.engine.make_url(pg_url), "people") as source,
        pytest.raises(SourceError, match=r"does not exist|is not in people"),
    ):
        read(source)
    assert _victims(engine) == [(1,)]


def test_hostile_identifiers_that_exist_are_read_literally(pg_url):
    engine = setup(pg_url, ROWS)
    weird = 'odd "name"; DROP TABLE victims; --'
    column = 'when "changed"'
    with engine.begin() as conn:
        quoted = '"' + weird.replace('"', '""') + '"'
        quoted_column = '"' + column.replace('"', '""') + '"'
        conn.execute(
            sa.text(f"CREATE TABLE {quoted} AS SELECT rid, name, updated_at AS {quoted_column} "
                    "FROM people")
        )  # fmt: skip
    source_db = db(table=weird, cursor={"column": column})
    with SqlSource(source_db, sa.engine.make_url(pg_url), "weird") as source:
        assert len(read(source)[1]) == 5
    assert _victims(engine) == [(1,)]


def test_hostile_cursor_values_are_bound(pg_url):
    engine = setup(pg_url, ROWS)
    with SqlSource(db(), sa.engine.make_url(pg_url), "people") as source:
        with pytest.raises(SourceError, match="invalid input syntax for type timestamp"):
            read(source, Position(HOSTILE, "A"))
        _, rows = read(source, Position(str(T0), HOSTILE))
    assert [r["c0"] for r in rows] == ["C", "D", "E"], "compared as text: 'x…' sorts after A, B"
    assert _victims(engine) == [(1,)]


def test_missing_table_is_named(pg_url):
    setup(pg_url, ROWS)
    with (
        SqlSource(db(table="health.nowhere"), sa.engine.make_url(pg_url), "h") as source,
        pytest.raises(SourceError, match=r"table 'health\.nowhere' does not exist"),
    ):
        source.columns()
