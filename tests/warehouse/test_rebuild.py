"""A warehouse rebuilt from the archive holds what the old one held, under the same file IDs,
with every audit table and everyone's person and place IDs."""

import duckdb
import yaml

from connectors.home import Home
from demo import generate
from schemas.contracts import REPO_CONTRACTS, load_contracts
from tests.warehouse.published import published_home
from tests.warehouse.quality.conftest import drop_next_snapshot, loaded_home
from warehouse.db.ddl import quote
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import process_pending
from warehouse.linking.stage import link_warehouse
from warehouse.ops.repair import release, reprocess, retract
from warehouse.ops.replay import rebuild
from warehouse.quality.gate import check_table
from warehouse.serve.evacuation_lists import break_glass

CONTENT = "SELECT * EXCLUDE (_loaded_at, _valid_from, _valid_to) FROM {} ORDER BY ALL"


def snapshot(path):
    with duckdb.connect(str(path), read_only=True) as con:
        out = {}
        for contract in load_contracts().values():
            out[contract.source] = con.execute(
                CONTENT.format(contract.staging_table + "_current")
            ).fetchall()
        out["files"] = con.execute(
            "SELECT file_id, status, rows_in, rows_loaded, rows_quarantined, retracted_at IS NULL "
            "FROM audit.file_loads ORDER BY file_id"
        ).fetchall()
        out["quarantine"] = con.execute("SELECT count(*) FROM quarantine.rows").fetchall()
    return out


def test_rebuild_reproduces_the_warehouse(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 600, 8, 1)
    process_pending(home)
    generate(home.ingest, home.demo_truth, 600, 8, 2)
    second = process_pending(home)
    retract(home, second[0].file_id, "test")
    reprocess(home, "F0000002")
    before = snapshot(home.warehouse)

    told: list[str] = []
    report = rebuild(home, on_progress=told.append)
    assert report.differences == [] and report.replaced
    replayed = [line for line in told if " replayed: " in line]
    assert len(replayed) == report.files and replayed[0].startswith(f"file 1 of {report.files}")
    assert not any(line.startswith("linking: ") for line in told), "never linked: no relink"
    assert snapshot(report.kept_old_as) == before
    assert snapshot(home.warehouse) == before
    (home.ingest_dir("police") / "police_residents_x.csv").write_text("登记编号,姓名\nQ1,张三\n")
    (result,) = process_pending(home)
    assert int(result.file_id[1:]) > max(int(f[0][1:]) for f in before["files"])


def loaded_then_phone_required(root):
    """A loaded district whose civil-affairs contract then requires a phone: its file loads
    differently when replayed."""
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, 300, 8, 1)
    process_pending(home)
    contract = yaml.safe_load((REPO_CONTRACTS / "civil_affairs_cases.yaml").read_text("utf-8"))
    contract["required"] = [*contract["required"], "phone"]
    (home.contracts_dir / "civil_affairs_cases.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    return home


def test_rebuild_refuses_to_replace_when_files_load_differently(tmp_path):
    home = loaded_then_phone_required(tmp_path)
    before = snapshot(home.warehouse)
    report = rebuild(home)
    assert not report.replaced
    assert any("civil_affairs_cases" in line for line in report.differences)
    assert snapshot(home.warehouse) == before


def audit_tables(path):
    """Every table of the `audit` schema, its columns by name and its rows, whatever tables
    and columns exist (a table added later is compared without editing this test)."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, list(column_name ORDER BY column_name) FROM duckdb_columns() "
            "WHERE schema_name = 'audit' GROUP BY table_name ORDER BY table_name"
        ).fetchall()
        out = {}
        for table, names in columns:
            select = ", ".join(quote(n) for n in names)
            sql = f"SELECT {select} FROM audit.{quote(table)} ORDER BY ALL"
            out[table] = (names, con.execute(sql).fetchall())
        return out


def record_ids(path):
    """(source, record) → (person, dwelling, building) of every linked staging record."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT source, source_record_id, person_id, dwelling_id, building_id "
            "FROM core.person_source"
        ).fetchall()
    return {(source, record): ids for source, record, *ids in rows}


def rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def add_later_decisions(home):
    """What later code may add: a decision column on a replayed file's audit row, and a
    table of decisions the replay knows nothing of."""
    with WriterLock(home.writer_lock), duckdb.connect(str(home.warehouse)) as con:
        con.execute("ALTER TABLE audit.file_loads ADD COLUMN held_reason VARCHAR")
        con.execute(
            "UPDATE audit.file_loads SET held_reason = 'held for review' WHERE file_id = "
            "(SELECT min(file_id) FROM audit.file_loads WHERE retracted_at IS NULL)"
        )
        con.execute(
            "CREATE TABLE audit.review_decisions (left_id VARCHAR NOT NULL, "
            "right_id VARCHAR NOT NULL, decision VARCHAR NOT NULL, decided_at TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO audit.review_decisions SELECT min(person_id), max(person_id), "
            "'distinct', now() FROM core.person"
        )


def test_rebuild_keeps_every_audit_table_and_everyones_ids(tmp_path):
    home = published_home(tmp_path, 1200, 9)
    (building,) = rows(home.warehouse, "SELECT min(building_id) FROM core.building")[0]
    assert break_glass(home, building, "evacuation drill").rows
    check_table(home, "core.person", run_id="before-rebuild")
    civil = rows(
        home.warehouse,
        "SELECT file_id FROM audit.file_loads WHERE source = 'civil_affairs_cases'",
    )[0][0]
    reprocessed = reprocess(home, civil)
    retract(home, reprocessed.file_id, "wrong month")
    link_warehouse(home)
    add_later_decisions(home)
    audit, ids = audit_tables(home.warehouse), record_ids(home.warehouse)
    for table in ("access_log", "quality_results", "file_actions", "runs", "review_decisions"):
        assert audit[table][1], f"audit.{table} has rows to carry"
    history = rows(home.warehouse, "SELECT * FROM core.person_id_history ORDER BY ALL")
    link_runs = rows(home.warehouse, "SELECT link_run_id FROM link.runs ORDER BY ALL")

    told: list[str] = []
    report = rebuild(home, on_progress=told.append)

    assert report.replaced and report.differences == []
    # Each file replayed, then each phase of the relink, as they end.
    last_file = max(n for n, line in enumerate(told) if " replayed: " in line)
    relinked = [n for n, line in enumerate(told) if line.startswith("linking: cluster done in")]
    assert relinked and relinked[0] > last_file, told
    assert audit_tables(home.warehouse) == audit
    after = record_ids(home.warehouse)
    assert after.keys() == ids.keys()
    kept = sum(after[key][0] == ids[key][0] for key in ids)
    assert kept >= 0.999 * len(ids), f"{kept} of {len(ids)} records kept their person ID"
    assert [v[1:] for v in after.values()] == [ids[k][1:] for k in after], "places keep IDs"
    assert report.link is not None and report.link.mode == "full"
    assert report.link.ids_created == 0
    now = rows(home.warehouse, "SELECT * FROM core.person_id_history ORDER BY ALL")
    assert set(history) <= set(now)
    runs = rows(home.warehouse, "SELECT link_run_id FROM link.runs ORDER BY ALL")
    assert runs == sorted([*link_runs, (report.link.link_run_id,)])
    assert link_warehouse(home).nothing_new, "the next run finds nothing left to link"


def test_rebuild_keeps_only_the_latest_old_warehouses(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 200, 3, 1)
    process_pending(home)
    first, second = rebuild(home), rebuild(home)
    assert second.removed_old == [first.kept_old_as]
    assert list(tmp_path.glob("warehouse.*.duckdb")) == [second.kept_old_as]
    third = rebuild(home, keep=2)
    assert third.removed_old == []
    assert sorted(tmp_path.glob("warehouse.*.duckdb")) == [second.kept_old_as, third.kept_old_as]
    assert rows(third.kept_old_as, "SELECT count(*) FROM audit.file_loads") == [(5,)]


def test_a_forced_rebuild_keeps_each_files_quarantine_its_own(tmp_path):
    home = loaded_then_phone_required(tmp_path)
    report = rebuild(home, force=True)
    assert report.replaced and report.differences
    counts = (
        "SELECT f.file_id, f.rows_quarantined, count(q.file_id) FROM audit.file_loads AS f "
        "LEFT JOIN quarantine.rows AS q USING (file_id) GROUP BY ALL ORDER BY ALL"
    )
    assert [(f, held) for f, held, _ in rows(home.warehouse, counts)] == [
        (f, n) for f, _, n in rows(home.warehouse, counts)
    ]


def test_a_write_ahead_log_left_by_a_killed_writer_stays_with_the_old_warehouse(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 200, 4, 1)
    process_pending(home)
    with duckdb.connect(str(home.warehouse)) as con:  # a writer that never checkpoints
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
        con.execute(
            "INSERT INTO audit.runs (run_id, scope, started_at, status) "
            "VALUES ('last-write', 'run', now(), 'died')"
        )
    assert (tmp_path / "warehouse.duckdb.wal").is_file()
    report = rebuild(home)
    assert report.replaced and not (tmp_path / "warehouse.duckdb.wal").exists()
    assert rows(home.warehouse, "SELECT count(*) FROM audit.file_loads") == [(5,)]
    last = "SELECT status FROM audit.runs WHERE run_id = 'last-write'"
    assert rows(report.kept_old_as, last) == rows(home.warehouse, last) == [("died",)]


def test_a_held_load_stays_held_and_can_be_released_after_a_rebuild(tmp_path):
    home = loaded_home(tmp_path)
    drop_next_snapshot(home, share=0.1)
    (loaded,) = process_pending(home)
    (held,) = check_table(home, "staging.police_residents").held
    current = "SELECT * FROM staging.police_residents_current ORDER BY ALL"
    before = rows(home.warehouse, current)
    report = rebuild(home)
    assert report.replaced and report.differences == []
    gate = f"SELECT gate FROM audit.file_loads WHERE file_id = '{held.file_id}'"
    assert rows(home.warehouse, gate) == [("held",)]
    assert rows(home.warehouse, current) == before, "the held rows stay out of staging"
    released = release(home, held.file_id, "a smaller register this month")
    assert released.rows_loaded == loaded.rows_loaded
    assert len(rows(home.warehouse, current)) == loaded.rows_loaded
