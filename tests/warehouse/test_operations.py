"""Retract and reprocess: a file's rows leave or come back, the archive and audit keep all."""

import duckdb
import pytest
import yaml

from connectors.home import Home
from schemas.contracts import REPO_CONTRACTS
from tests.warehouse.hostile_corpus import HEADER, row
from warehouse.ingest.intake import process_pending
from warehouse.ops.repair import OperationError, reprocess, retract

POLICE = "登记编号,姓名,公民身份号码,居住地址"
FIRST = f"{POLICE}\nA,张三,11010519491231002X,柳荫社区3号楼\nB,李四,,柳荫社区4号楼\n"
SECOND = f"{POLICE}\nA,张三,11010519491231002X,柳荫社区5号楼\nC,王五,,柳荫社区6号楼\nD,,,\n"
CURRENT = "SELECT record_id, name, building_no FROM staging.police_residents_current ORDER BY 1"


def query(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def drop(home, name, text):
    (home.ingest_dir("police") / name).write_text(text, encoding="utf-8")
    return process_pending(home)[0]


def test_retract_restores_the_state_before_the_file(tmp_path):
    only_first = Home.resolve(tmp_path / "one").ensure()
    drop(only_first, "police_residents_1.csv", FIRST)
    home = Home.resolve(tmp_path / "two").ensure()
    drop(home, "police_residents_1.csv", FIRST)
    second = drop(home, "police_residents_2.csv", SECOND)
    assert second.rows_quarantined == 1
    assert query(home, CURRENT) != query(only_first, CURRENT)

    retract(home, second.file_id, "sent by mistake")
    assert query(home, CURRENT) == query(only_first, CURRENT)
    assert query(
        home, "SELECT count(*) FROM quarantine.rows WHERE file_id = ?", [second.file_id]
    ) == [(0,)]
    audit = query(
        home,
        "SELECT retracted_at IS NOT NULL FROM audit.file_loads WHERE file_id = ?",
        [second.file_id],
    )
    assert audit == [(True,)]
    actions = query(home, "SELECT action, reason FROM audit.file_actions")
    assert actions == [("retract", "sent by mistake")]
    assert list(home.archive.rglob("police_residents_2.csv")), "the archive keeps the file"

    again = drop(home, "police_residents_2.csv", SECOND)
    assert again.status == "partial", "retracted content can be sent again"
    with pytest.raises(OperationError, match="already retracted"):
        retract(home, second.file_id, "twice")


def test_reprocess_after_a_contract_fix(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    contract = yaml.safe_load((REPO_CONTRACTS / "civil_affairs_cases.yaml").read_text("utf-8"))
    del contract["columns"]["case_type"]["values"]["城乡最低生活保障"]
    (home.contracts_dir / "civil_affairs_cases.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    (home.ingest_dir("civil_affairs") / "civil_affairs_cases_1.csv").write_text(
        f"{HEADER}\n{row('MZ1')}\n{row('MZ2')}\n", encoding="utf-8"
    )
    first = process_pending(home)[0]
    assert first.status == "rejected" and first.rows_quarantined == 2

    with pytest.raises(OperationError, match="only loaded files"):
        reprocess(home, first.file_id)

    (home.contracts_dir / "civil_affairs_cases.yaml").unlink()
    (home.ingest_dir("civil_affairs") / "civil_affairs_cases_1.csv").write_text(
        f"{HEADER}\n{row('MZ1')}\n{row('MZ2')}\n{row('MZ3', name='')}\n", encoding="utf-8"
    )
    partial = process_pending(home)[0]
    assert partial.status == "partial" and partial.rows_loaded == 2
    result = reprocess(home, partial.file_id)
    assert result.file_id != partial.file_id and result.rows_loaded == 2
    staged = query(home, "SELECT DISTINCT _file_id FROM staging.civil_affairs_cases")
    assert staged == [(result.file_id,)]
    actions = query(home, "SELECT action, file_id, new_file_id FROM audit.file_actions")
    assert actions == [("reprocess", partial.file_id, result.file_id)]


def test_unknown_file(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    process_pending(home)
    (home.ingest_dir("police") / "police_residents_1.csv").write_text(FIRST, encoding="utf-8")
    process_pending(home)
    with pytest.raises(OperationError, match="no file F9999999"):
        retract(home, "F9999999", "x")


def test_reprocessing_a_snapshot_keeps_what_it_dropped_gone(tmp_path):
    """B left the register in the second snapshot; reloading that snapshot (say after a
    contract fix) must not bring B back."""
    home = Home.resolve(tmp_path).ensure()
    drop(home, "police_residents_1.csv", FIRST)
    second = drop(home, "police_residents_2.csv", SECOND)
    before = query(home, CURRENT)
    assert [r[0] for r in before] == ["A", "C"]
    again = reprocess(home, second.file_id)
    assert again.rows_loaded == second.rows_loaded
    assert query(home, CURRENT) == before
