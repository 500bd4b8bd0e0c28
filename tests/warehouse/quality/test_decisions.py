"""An operator's decisions on a held load: quarantine its rows or release it, recorded."""

import duckdb
import pytest

from tests.warehouse.quality.conftest import drop_next_snapshot
from warehouse.db.snapshot import summary
from warehouse.ingest.intake import process_pending
from warehouse.ops.repair import OperationError, quarantine_held, release
from warehouse.quality.gate import check_table

TABLE = "staging.police_residents"
CURRENT = f"SELECT _file_id, count(*) FROM {TABLE}_current GROUP BY 1"
ROWS_OF = "SELECT DISTINCT reasons FROM quarantine.rows WHERE file_id = ?"
ACTIONS = "SELECT file_id, action, reason, new_file_id FROM audit.file_actions"


def _query(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _hold_a_small_snapshot(home):
    drop_next_snapshot(home, share=0.1)
    (loaded,) = process_pending(home)
    (held,) = check_table(home, TABLE).held
    assert held.file_id == loaded.file_id
    return loaded


def test_quarantining_a_held_load_sets_every_row_aside(fresh_home):
    before = _query(fresh_home, CURRENT)
    loaded = _hold_a_small_snapshot(fresh_home)
    result = quarantine_held(fresh_home, loaded.file_id, "the station sent a test extract")
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (
        loaded.rows_in,
        0,
        loaded.rows_in,
    )
    reasons = _query(
        fresh_home,
        "SELECT DISTINCT reasons FROM quarantine.rows WHERE file_id = ?",
        [result.file_id],
    )
    assert reasons == [
        (
            [
                "held back by the quality gate and set aside by an operator: "
                "the station sent a test extract"
            ],
        )
    ]
    assert _query(fresh_home, "SELECT count(*) FROM quarantine.rows WHERE file_id = ?",
                  [loaded.file_id]) == [(0,)]  # fmt: skip
    assert (
        _query(fresh_home, f"SELECT _file_id, count(*) FROM {TABLE}_current GROUP BY 1") == before
    )
    actions = _query(
        fresh_home, "SELECT file_id, action, reason, new_file_id FROM audit.file_actions"
    )
    assert actions[-1] == (
        loaded.file_id,
        "quarantine",
        "the station sent a test extract",
        result.file_id,
    )
    with pytest.raises(OperationError, match="already retracted"):
        release(fresh_home, loaded.file_id, "changed my mind")


def test_a_held_load_is_not_released_over_a_newer_one(fresh_home):
    loaded = _hold_a_small_snapshot(fresh_home)
    drop_next_snapshot(fresh_home)
    (newer,) = process_pending(fresh_home)
    assert check_table(fresh_home, TABLE).held == []
    with pytest.raises(OperationError, match=f"{newer.file_id} of police_residents was loaded"):
        release(fresh_home, loaded.file_id, "too late")


def test_only_a_held_load_can_be_released(fresh_home):
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    check_table(fresh_home, TABLE)
    with pytest.raises(OperationError, match="not held back"):
        release(fresh_home, loaded.file_id, "why not")


def _apart(home):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {f["file_id"]: f["happened"] for f in summary(con, home)["set_apart"]}


def test_status_lists_a_held_load_and_then_the_decision_on_it(fresh_home):
    loaded = _hold_a_small_snapshot(fresh_home)
    happened = _apart(fresh_home)[loaded.file_id]
    assert happened.startswith("held back by the quality gate (each snapshot has")
    assert "causeway gate release|quarantine" in happened
    result = quarantine_held(fresh_home, loaded.file_id, "a test extract")
    assert _apart(fresh_home)[loaded.file_id] == (
        f"set aside by an operator as {result.file_id}: a test extract"
    )
