"""The warehouse DDL is generated from the schemas and runs on a real DuckDB file."""

import duckdb

from schemas import ENTITIES, field_specs
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
            expected = {s.name: s for s in field_specs(model)}
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
