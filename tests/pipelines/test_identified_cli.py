"""`causeway explain`, `quarantine` and `access-log`: identifiable data is shown only after
its access is logged, and auditors read the log."""

from __future__ import annotations

import json
import os
import pwd
from contextlib import contextmanager

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.warehouse.published import published_home
from warehouse.db import WriterLock, create_access_log
from warehouse.serve import identified

runner = CliRunner()
ZERO_WIDTH = "\u200b" * 10


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return published_home(tmp_path_factory.mktemp("identified"), 800, 5)


@pytest.fixture(scope="module")
def person(home):
    """A person with a name, a phone and an ID number."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        names = ("person_id", "name", "phone", "id_number")
        row = con.execute(
            f"SELECT {', '.join(names)} FROM core.person WHERE phone IS NOT NULL "
            "AND id_number IS NOT NULL ORDER BY person_id LIMIT 1"
        ).fetchall()[0]
    return dict(zip(names, row, strict=True))


def run(home, *args, env=None):
    return runner.invoke(app, [*args, "--home", str(home.root)], catch_exceptions=False, env=env)


def _log(home) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT user_name, sudo_user, action, target, person_ids, reason "
            "FROM audit.access_log ORDER BY accessed_at"
        ).fetchall()


@contextmanager
def unwritable_log(home):
    """audit.access_log replaced by a table that takes no entry (a NOT NULL column that an
    entry leaves empty), the real one put back afterwards."""
    with duckdb.connect(str(home.warehouse)) as con:
        create_access_log(con)
        con.execute("ALTER TABLE audit.access_log RENAME TO access_log_kept")
        con.execute(
            "CREATE TABLE audit.access_log (accessed_at TIMESTAMP, user_name VARCHAR, "
            "sudo_user VARCHAR, host VARCHAR, pid BIGINT, reason VARCHAR, action VARCHAR, "
            "target VARCHAR, building_id VARCHAR, person_ids VARCHAR[], rows_shown BIGINT, "
            "blocked VARCHAR NOT NULL)"
        )
    try:
        yield
    finally:
        with duckdb.connect(str(home.warehouse)) as con:
            con.execute("DROP TABLE audit.access_log")
            con.execute("ALTER TABLE audit.access_log_kept RENAME TO access_log")


def _shows_nothing_of(person, output: str) -> None:
    for field in ("name", "phone", "id_number"):
        assert str(person[field]) not in output, field


def test_explain_needs_a_reason_that_says_something(home, person):
    missing = run(home, "explain", person["person_id"])
    assert missing.exit_code == 2 and "--reason" in missing.output
    blank = run(home, "explain", person["person_id"], "--reason", ZERO_WIDTH)
    assert blank.exit_code == 1 and "visible characters" in blank.output
    _shows_nothing_of(person, blank.output)


def test_explain_is_logged_before_it_prints_and_the_log_names_the_real_account(home, person):
    before = len(_log(home))
    shown = run(
        home, "explain", person["person_id"], "--reason", "checking a merge [/]",
        env={"SUDO_USER": "somebody_else", "COLUMNS": "250"},
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert person["name"] in shown.output and person["phone"] in shown.output
    entry = _log(home)[before:]
    account = pwd.getpwuid(os.getuid()).pw_name
    assert entry == [
        (account, "somebody_else", "explain", person["person_id"], [person["person_id"]],
         "checking a merge [/]"),
    ]  # fmt: skip
    listed = run(home, "access-log", "--format", "json")
    assert listed.exit_code == 0, listed.output
    last = json.loads(listed.output)[-1]
    assert (last["user"], last["sudo_user"], last["action"], last["target"]) == (
        account, "somebody_else", "explain", person["person_id"]
    )  # fmt: skip
    assert last["reason"] == "checking a merge [/]" and last["persons"] == 1
    table = run(home, "access-log", "--user", account, env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "[/]" in table.output  # wrapped to the console's width
    nobody = run(home, "access-log", "--user", "nobody_at_all", "--format", "json")
    assert json.loads(nobody.output) == []
    later = run(home, "access-log", "--since", "2999-01-01", "--format", "json")
    assert json.loads(later.output) == []


def test_explain_prints_nothing_when_the_log_cannot_be_written(home, person):
    with unwritable_log(home):
        failed = run(home, "explain", person["person_id"], "--reason", "checking a merge")
    assert failed.exit_code == 2, failed.output
    assert "could not be read and logged" in failed.output
    _shows_nothing_of(person, failed.output)


def test_explain_prints_nothing_while_a_run_holds_the_warehouse(home, person, monkeypatch):
    monkeypatch.setattr(identified, "READ_WAIT", 0.3)
    before = len(_log(home))
    with WriterLock(home.writer_lock):
        busy = run(home, "explain", person["person_id"], "--reason", "checking a merge")
    assert busy.exit_code == 3 and "nothing is shown" in busy.output
    _shows_nothing_of(person, busy.output)
    assert len(_log(home)) == before


def test_quarantine_is_logged_and_refused_without_a_reason(home, tmp_path):
    assert run(home, "quarantine").exit_code == 2
    blank = run(home, "quarantine", "--reason", ZERO_WIDTH)
    assert blank.exit_code == 1
    before = len(_log(home))
    listed = run(home, "quarantine", "--reason", "fixing the exports")
    assert listed.exit_code == 0, listed.output
    exported = run(home, "quarantine", "--reason", "fixing the exports", "--export", str(tmp_path))
    assert exported.exit_code == 0, exported.output
    actions = [(a, t) for _, _, a, t, _, _ in _log(home)[before:]]
    assert actions == [("quarantine", "all"), ("quarantine export", f"all to {tmp_path}")]
    with unwritable_log(home):
        out = tmp_path / "not_written"
        failed = run(home, "quarantine", "--reason", "fixing the exports", "--export", str(out))
    assert failed.exit_code == 2 and not out.exists()


def test_break_glass_refuses_a_zero_width_reason(home):
    with duckdb.connect(str(home.analytics), read_only=True) as con:
        building = con.execute("SELECT min(building_id) FROM mart.building_summary").fetchall()
    before = len(_log(home))
    refused = run(home, "evacuation", building[0][0], "--break-glass", "--reason", ZERO_WIDTH)
    assert refused.exit_code == 1 and "--reason" in refused.output
    assert len(_log(home)) == before


def _set_aside(home) -> tuple[int, list[tuple]]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM quarantine.fields").fetchall()[0][0]
        by_file = con.execute(
            "SELECT file_id, count(*) FROM quarantine.fields GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return total, by_file


def test_quarantine_summarises_by_file_and_reason_then_pages(home):
    total, by_file = _set_aside(home)
    assert total > 3, "the demo sets values aside"
    shown = run(home, "quarantine", "--reason", "fixing the exports", "--fields", "--limit", "2")
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert f"{total:,} values set aside, by reason" in said
    assert f"Showing 2 of {total:,} values set aside: --limit N or --all for more" in said
    for file_id, _ in by_file:
        assert file_id in said
    listed = run(home, "quarantine", "--reason", "fixing the exports", "--fields", "--all",
                 "--format", "json")  # fmt: skip
    records = json.loads(listed.output)
    assert len(records) == total and {r["file_id"] for r in records} == {f for f, _ in by_file}
    assert set(records[0]) == {"file_id", "file_name", "original_row", "record_id", "field",
                               "value", "reason"}  # fmt: skip
    entry = _log(home)[-1]
    assert entry[2:4] == ("quarantine fields", "all")
    csv_rows = run(home, "quarantine", "--reason", "fixing the exports", "--fields", "--limit",
                   "3", "--format", "csv").output.splitlines()  # fmt: skip
    assert csv_rows[0].startswith("file_id,file_name,original_row") and len(csv_rows) == 4


def test_quarantine_of_an_unknown_file_names_the_files_that_have_some(home):
    _, by_file = _set_aside(home)
    before = len(_log(home))
    unknown = run(home, "quarantine", "--reason", "fixing the exports", "--file", "F0999999")
    assert unknown.exit_code == 1
    said = " ".join(unknown.output.split())
    assert "no file F0999999 in audit.file_loads" in said
    assert all(file_id in said for file_id, _ in by_file)
    assert len(_log(home)) == before, "nothing was shown, nothing logged"
