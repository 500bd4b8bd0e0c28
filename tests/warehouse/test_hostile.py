"""Hostile input: each bad file ends with a clear status and reason, and loses nothing."""

import csv
import json
import os

import duckdb
import pytest

from connectors.home import Home
from tests.warehouse.hostile_corpus import CASES, GOOD
from warehouse.ingest.intake import process_pending
from warehouse.ingest.quarantine import export_quarantine, spreadsheet_safe


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = Home.resolve(tmp_path_factory.mktemp("hostile")).ensure()
    folder = home.ingest_dir("civil_affairs")
    for case in [*CASES, GOOD]:
        case.write(folder / case.name)
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("not yours\n", encoding="utf-8")
    os.symlink(outside, folder / "civil_affairs_cases_link.csv")
    results = {r.file_name: r for r in process_pending(home)}
    return home, results, outside


@pytest.mark.parametrize("case", [*CASES, GOOD], ids=lambda c: c.name)
def test_each_file_gets_its_status_and_reason(run, case):
    _, results, _ = run
    result = results[case.name]
    assert result.status == case.status, (result.status, result.reason)
    if case.reason:
        assert case.reason in (result.reason or ""), result.reason
    if case.loaded is not None:
        assert result.rows_loaded == case.loaded
    if case.quarantined is not None:
        assert result.rows_quarantined == case.quarantined
    assert result.rows_in == result.rows_loaded + result.rows_quarantined


def test_a_link_to_outside_is_refused_and_its_target_untouched(run):
    _, results, outside = run
    result = results["civil_affairs_cases_link.csv"]
    assert result.status == "rejected" and "regular files" in result.reason
    assert outside.read_text(encoding="utf-8") == "not yours\n"


def test_rejected_files_are_kept_whole_with_a_reason(run):
    home, results, _ = run
    for name, result in results.items():
        if result.status != "rejected" or name.endswith("_link.csv"):
            continue
        kept = list(home.rejected.glob(f"{result.file_id}_*"))
        originals = [p for p in kept if not p.name.endswith(".reason.txt")]
        assert len(originals) == 1, name
        reason = originals[0].with_name(originals[0].name + ".reason.txt").read_text("utf-8")
        assert result.reason in reason


def test_every_file_left_the_ingest_folder_and_got_a_receipt(run):
    home, results, _ = run
    folder = home.ingest_dir("civil_affairs")
    assert not [p for p in folder.iterdir() if p.is_file() or p.is_symlink()]
    receipts = list(home.receipts_dir("civil_affairs").glob("*.txt"))
    assert len(receipts) == len(results)


def test_nothing_escaped_the_archive(run):
    home, _, _ = run
    for path in home.archive.rglob("*"):
        assert home.archive in path.resolve().parents or path.resolve() == home.archive


def test_warehouse_intact_and_hostile_values_kept_as_text(run):
    home, results, _ = run
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        files = con.execute("SELECT count(*) FROM audit.file_loads").fetchall()[0][0]
        names = dict(
            con.execute(
                "SELECT record_id_or_case, name FROM (SELECT case_id AS record_id_or_case, name "
                "FROM staging.civil_affairs_cases)"
            ).fetchall()
        )
        extra = con.execute(
            "SELECT _extra FROM staging.civil_affairs_cases WHERE case_id = 'MZ8'"
        ).fetchall()[0][0]
    assert files == len(results)
    assert names["MZ9"].startswith("=cmd|")
    assert names["MZ10"] == "王五"
    assert json.loads(extra) == {'name"; DROP TABLE audit.file_loads; --': "x"}


def test_quarantine_export_keeps_the_raw_line_and_neutralizes_formulas(run, tmp_path):
    home, results, _ = run
    broken = results["civil_affairs_cases_broken_quotes.csv"]
    paths = list(export_quarantine(home, tmp_path, broken.file_id))
    with paths[0][0].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["line"], r["original_row"]) for r in rows] == [('MZ3,"李四,F', "3")]
    assert "unbalanced quote" in rows[0]["reasons"]
    assert spreadsheet_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert spreadsheet_safe("+86 13812345678").startswith("'")
    assert spreadsheet_safe("张三") == "张三"
