"""The warehouse DDL is generated from the schemas and runs on a real DuckDB file."""

import duckdb

from schemas import ENTITIES, field_specs, table_fields
from schemas.health import HealthRecord
from warehouse.db.ddl import LAYERS, create_table_sql, create_warehouse, quote


def test_warehouse_has_every_layer_and_conformed_table(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_warehouse(con)
        create_warehouse(con)  # idempotent
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
        assert set(LAYERS) <= schemas
        for model in ENTITIES:
            if not model.table_name:
                continue
            schema, table = model.table_name.split(".")
            columns = con.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            expected = {s.name: s for s in table_fields(model)}
            assert {c[0] for c in columns} == set(expected)
            for name, data_type, nullable in columns:
                assert data_type == expected[name].sql_type
                assert (nullable == "NO") == expected[name].required


def test_comments_carry_grade_for_any_client(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        create_warehouse(con)
        rows = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE schema_name = 'core' "
            "AND table_name = 'person' AND column_name = 'id_number'"
        ).fetchall()
    assert "grade L4, PIPL" in rows[0][0]


def test_primary_key_is_enforced(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        create_warehouse(con)
        con.execute("INSERT INTO core.building (building_id) VALUES (?)", ["B1"])
        try:
            con.execute("INSERT INTO core.building (building_id) VALUES (?)", ["B1"])
        except duckdb.ConstraintException:
            pass
        else:
            raise AssertionError("duplicate building_id accepted")


def test_identifiers_are_quoted():
    assert quote('a"; DROP TABLE x; --') == '"a""; DROP TABLE x; --"'
    sql = create_table_sql(ENTITIES[0])
    assert sql.startswith('CREATE TABLE IF NOT EXISTS "core"."person"')


def test_a_record_table_made_before_its_link_keys_is_made_anew(tmp_path):
    """core.health_record made by an earlier release (the entity's fields alone, and empty,
    since nothing wrote it) gains the link keys when the warehouse is next opened."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("CREATE SCHEMA core")
        old = ", ".join(f"{s.name} {s.sql_type}" for s in field_specs(HealthRecord))
        con.execute(f"CREATE TABLE core.health_record ({old})")
        create_warehouse(con)
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'health_record' "
            "ORDER BY column_index").fetchall()]  # fmt: skip
    assert columns[:5] == ["department", "source", "record_id", "person_id", "building_id"]
    assert set(columns) == {s.name for s in table_fields(HealthRecord)}


def test_the_macros_are_written_once_per_version_of_their_sql(tmp_path):
    from connectors.home import Home
    from warehouse.db.connection import open_warehouse
    from warehouse.db.macros import MACRO_DIGEST

    home = Home.resolve(tmp_path).ensure()

    def macro(con, name):
        found = con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_name = ? "
            "AND database_name = current_database()",
            [name],
        ).fetchall()
        return found[0][0] > 0

    with open_warehouse(home) as con:
        assert macro(con, "cw_trim") and con.execute("SELECT cw_trim('  a ')").fetchall() == [
            ("a",)
        ]
        con.execute("DROP MACRO cw_trim")
    with open_warehouse(home) as con:
        assert not macro(con, "cw_trim"), "the same SQL is not written again"
        con.execute(f"UPDATE {MACRO_DIGEST} SET digest = 'an older version'")
    with open_warehouse(home) as con:
        assert macro(con, "cw_trim"), "other SQL replaces the macros"
    # A reader of the file finds them too: they live in the warehouse, not the connection.
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("SELECT cw_trim(' b ')").fetchall() == [("b",)]


def test_an_open_rewrites_only_the_comments_that_differ(tmp_path):
    path = str(tmp_path / "w.duckdb")
    query = (
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'core' "
        "AND table_name = 'person' AND column_name = 'id_number'"
    )
    with duckdb.connect(path) as con:
        create_warehouse(con)
        (expected,) = con.execute(query).fetchall()[0]
        con.execute("COMMENT ON COLUMN core.person.id_number IS 'edited by hand'")
        con.execute("COMMENT ON TABLE core.person IS NULL")
    with duckdb.connect(path) as con:
        tables_before = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()
        create_warehouse(con)
        assert con.execute(query).fetchall() == [(expected,)], "a changed comment is put back"
        table = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'core' "
            "AND table_name = 'person'"
        ).fetchall()
        assert table[0][0], "a removed table comment is put back"
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == tables_before
