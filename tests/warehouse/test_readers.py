"""Per-source readers (staging.yaml `readers: per_source`) load what the shared reader
loads, a file per audited run, and clear what a killed reader left."""

from __future__ import annotations

import duckdb
import pytest

from connectors.home import Home
from demo import generate
from warehouse.ingest import process_pending
from warehouse.ingest.readers import StagingSettingsError, staging_settings

STAGED = (
    "SELECT f.department, f.file_name, f.status, f.rows_in, f.rows_loaded, "
    "f.rows_quarantined, (SELECT count(*) FROM quarantine.rows AS q WHERE q.file_id = f.file_id), "
    "(SELECT count(*) FROM quarantine.fields AS q WHERE q.file_id = f.file_id) "
    "FROM audit.file_loads AS f ORDER BY ALL"
)


def _home(root, readers: str | None) -> Home:
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, 300, 8, 1)
    if readers:
        (home.root / "staging.yaml").write_text(f"readers: {readers}\n", encoding="utf-8")
    return home


def _rows(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_per_source_loads_what_the_shared_reader_loads(tmp_path):
    shared, apart = _home(tmp_path / "shared", None), _home(tmp_path / "apart", "per_source")
    process_pending(shared)
    for source in sorted(c.source for c in apart.contracts().values()):
        process_pending(apart, source=source)
    assert _rows(apart, STAGED) == _rows(shared, STAGED)
    assert _rows(apart, "SELECT count(*) FROM staging.health_residents") == _rows(
        shared, "SELECT count(*) FROM staging.health_residents"
    )
    runs = _rows(apart, "SELECT status, files FROM audit.runs ORDER BY started_at")
    assert runs == [("completed", 1)] * len(_rows(apart, "SELECT * FROM audit.file_loads"))
    assert [p.name for p in apart.readers.iterdir() if p.is_dir()] == [], "a reader left files"


def test_a_killed_readers_leftovers_neither_stop_the_next_load_nor_stay(tmp_path):
    home = _home(tmp_path, "per_source")
    left = home.reader_dir("health_residents")
    (left / "file-0").mkdir(parents=True)
    (left / "file-0" / "copy-of-a-department-file.csv").write_text("姓名\n张三\n", "utf-8")
    duckdb.connect(str(left / "reader.duckdb")).close()
    (result,) = process_pending(home, source="health_residents")
    assert result.status in ("loaded", "partial") and result.rows_in == (
        result.rows_loaded + result.rows_quarantined
    )
    assert not left.exists()


def test_a_staging_yaml_that_cannot_be_used_is_named(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    (home.root / "staging.yaml").write_text("readers: everyone\n", encoding="utf-8")
    with pytest.raises(StagingSettingsError, match=r"staging\.yaml"):
        staging_settings(home)
