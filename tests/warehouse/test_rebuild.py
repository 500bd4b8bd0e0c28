"""A warehouse rebuilt from the archive holds what the old one held, under the same file IDs."""

import duckdb
import yaml

from connectors.home import Home
from demo import generate
from schemas.contracts import REPO_CONTRACTS, load_contracts
from warehouse.ingest import process_pending
from warehouse.operations import reprocess, retract
from warehouse.rebuild import rebuild

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

    report = rebuild(home)
    assert report.differences == [] and report.replaced
    assert snapshot(report.kept_old_as) == before
    assert snapshot(home.warehouse) == before
    (home.ingest_dir("police") / "police_residents_x.csv").write_text("登记编号,姓名\nQ1,张三\n")
    (result,) = process_pending(home)
    assert int(result.file_id[1:]) > max(int(f[0][1:]) for f in before["files"])


def test_rebuild_refuses_to_replace_when_files_load_differently(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 8, 1)
    process_pending(home)
    contract = yaml.safe_load((REPO_CONTRACTS / "civil_affairs_cases.yaml").read_text("utf-8"))
    contract["required"] = [*contract["required"], "phone"]
    (home.contracts_dir / "civil_affairs_cases.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    before = snapshot(home.warehouse)
    report = rebuild(home)
    assert not report.replaced
    assert any("civil_affairs_cases" in line for line in report.differences)
    assert snapshot(home.warehouse) == before
