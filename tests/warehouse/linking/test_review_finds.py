"""What the queue finds beyond the uncertain band: the errors a confident model makes.

Hand-written health records added to a small demo district as a supplement in the form
the clinic exports them (GB18030, no ID number where the paper had none); the health
register lists each resident once:

- two men named 李建国 in one flat, father and son, each with his ID number, and a third
  record of 李建国 at that flat with neither ID number nor birth date: the model puts it
  with one of them and cannot know which (`rival_person`, `same_register`);
- 欧阳娜娜 with her ID number, and a bare row of 欧阳娜娜 at another address that matches no
  one (`unmatched`: she is the only other person of that name);
- 司马光 with his ID number, and 司马光 at another flat with a phone: apart, until a
  later record carries both his ID number and that phone and a full relink joins all
  three (`relink_changed`).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from connectors.home import Home
from demo.api import generate
from schemas.idnumber import check_char
from warehouse.ingest import process_pending
from warehouse.linking import link_warehouse
from warehouse.linking.evaluate import queue_coverage
from warehouse.serve import record_decision, report_decision

SOURCE = "health_residents"
ENCODING = "gb18030"
REASON = "checked against the paper file"


def _id(first17: str) -> str:
    return first17 + check_char(first17)


FATHER, SON = _id("11010519500304123"), _id("11010519780912123")
NANA, GUANG = _id("11010519850101234"), _id("11010519600202345")
PHONE = "13912345678"


def _registrations(home: Home) -> tuple[list[str], dict[str, str], dict[str, str]]:
    export = next((home.ingest / "health").glob("health_residents_*.csv"))
    with export.open(encoding=ENCODING, newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        here = next(reader)
        there = next(r for r in reader if r["现住址"] != here["现住址"])
    return header, here, there


def _write(home: Home, name: str, rows: list[dict[str, str]], header: list[str]) -> None:
    with (home.ingest / "health" / name).open("w", encoding=ENCODING, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _case(
    template: dict[str, str], record: str, name: str, number: str = "", born: str = "",
    phone: str = "",
) -> dict[str, str]:  # fmt: skip
    row = dict(template)
    row.update({"档案编号": record, "姓名": name, "性别": "", "出生日期": born,
                "身份证号": number, "联系电话": phone})  # fmt: skip
    return row


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[Home, list[str], dict[str, str]]:
    home = Home.resolve(tmp_path_factory.mktemp("finds")).ensure()
    generate(home.ingest, home.demo_truth, 800, 4, 1)
    header, here, there = _registrations(home)
    rows = [
        _case(here, "HX0001", "李建国", FATHER, "1950年3月4日"),
        _case(here, "HX0002", "李建国", SON, "1978年9月12日"),
        _case(here, "HX0003", "李建国"),
        _case(here, "HX0004", "欧阳娜娜", NANA, "1985年1月1日"),
        _case(there, "HX0005", "欧阳娜娜"),
        _case(here, "HX0006", "司马光", GUANG, "1960年2月2日"),
        _case(there, "HX0007", "司马光", phone=PHONE),
    ]
    _write(home, "health_residents_handwritten.csv", rows, header)
    process_pending(home)
    link_warehouse(home, "full")
    return home, header, here


def _copy(district: tuple[Home, list[str], dict[str, str]], root: Path) -> Home:
    shutil.copytree(district[0].root, root, symlinks=True)
    return Home.resolve(root)


def _rows(home: Home, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _person(home: Home, record: str) -> str:
    return _rows(
        home,
        "SELECT person_id FROM core.person_source WHERE source = ? AND source_record_id = ?",
        [SOURCE, record],
    )[0][0]


def _items(home: Home, record: str, kind: str) -> list[tuple]:
    """Open items of `kind` naming the case `record`: (item, other record, note)."""
    return _rows(
        home,
        "SELECT item_id, CASE WHEN record_a = ? THEN record_b ELSE record_a END, note "
        "FROM link.review_queue WHERE status = 'open' AND kind = ? "
        "AND ? IN (record_a, record_b) AND source_a = ? AND source_b = ? ORDER BY item_id",
        [record, kind, record, SOURCE, SOURCE],
    )


def test_a_namesake_the_model_cannot_tell_apart_is_asked_and_a_match_moves_it(district, tmp_path):
    home = _copy(district, tmp_path / "h")
    father, son, bare = (_person(home, r) for r in ("HX0001", "HX0002", "HX0003"))
    assert father != son, "two valid ID numbers are two people"
    assert bare in (father, son), "the row without an ID number joined one of them"
    joined, other = ("HX0001", "HX0002") if bare == father else ("HX0002", "HX0001")
    [(item, rival, note)] = _items(home, "HX0003", "rival_person")
    assert rival == other and "`match` moves it there" in note
    [(_, same, register_note)] = _items(home, "HX0003", "same_register")
    assert same == joined and SOURCE in register_note

    record_decision(home, item, "match", REASON)
    link_warehouse(home)
    assert _person(home, "HX0003") == _person(home, other)
    assert _person(home, joined) != _person(home, other), "the two men stay two"
    link_warehouse(home, "full")
    assert _person(home, "HX0003") == _person(home, other)
    assert not _items(home, "HX0003", "rival_person"), "a decided pair is not asked again"


def test_a_record_that_matched_no_one_is_offered_its_only_namesake(district, tmp_path):
    home = _copy(district, tmp_path / "h")
    assert _person(home, "HX0004") != _person(home, "HX0005")
    [(item, other, note)] = _items(home, "HX0005", "unmatched")
    assert other == "HX0004" and "the only other person named 欧阳娜娜" in note
    record_decision(home, item, "match", REASON)
    link_warehouse(home)
    assert _person(home, "HX0004") == _person(home, "HX0005")
    assert not _items(home, "HX0005", "unmatched")


def test_a_full_relink_scores_the_labels_with_its_new_model(district, tmp_path):
    """The model cannot link 欧阳娜娜's two cases (a name at two addresses): a `match`
    label is a link it would miss, while `distinct` on father and son agrees with it."""
    home = _copy(district, tmp_path / "h")
    [(item, _, _)] = _items(home, "HX0005", "unmatched")
    record_decision(home, item, "match", REASON)
    report_decision(home, (SOURCE, "HX0001"), (SOURCE, "HX0002"), "distinct", "father and son")
    incremental = link_warehouse(home)
    assert incremental.mode == "incremental" and incremental.labels_checked == 0
    full = link_warehouse(home, "full")
    assert (full.labels_checked, full.labels_disagreeing) == (2, 1)
    assert full.labels_past_limit, "1 of 2 is past the 10 % the settings allow"
    assert _person(home, "HX0004") == _person(home, "HX0005"), "the label still binds"
    [(checked, disagreeing)] = _rows(
        home,
        "SELECT labels_checked, labels_disagreeing FROM link.runs WHERE link_run_id = ?",
        [full.link_run_id],
    )
    assert (checked, disagreeing) == (2, 1)


def test_persons_a_relink_merges_are_asked_until_someone_decides(district, tmp_path):
    home = _copy(district, tmp_path / "h")
    before = _person(home, "HX0006"), _person(home, "HX0007")
    assert before[0] != before[1]
    assert not _items(home, "HX0007", "relink_changed")
    _, header, here = district
    bridge = _case(here, "HX0008", "司马光", GUANG, phone=PHONE)
    _write(home, "health_residents_handwritten_2.csv", [bridge], header)
    process_pending(home)
    link_warehouse(home, "full")
    assert _person(home, "HX0006") == _person(home, "HX0007") == _person(home, "HX0008")
    [(item, other, note)] = _rows(
        home,
        "SELECT item_id, record_a || ' ' || record_b, note FROM link.review_queue "
        "WHERE status = 'open' AND kind = 'relink_changed' AND record_a LIKE 'HX%'",
    )
    assert set(other.split()) == {"HX0006", "HX0007"} and "put two persons together" in note
    assert any(p in note for p in before)
    link_warehouse(home, "full")  # found once, and still open until a clerk decides
    assert _rows(home, "SELECT status FROM link.review_queue WHERE item_id = ?", [item]) == [
        ("open",)
    ]
    record_decision(home, item, "distinct", REASON)
    link_warehouse(home, "full")
    assert _person(home, "HX0006") != _person(home, "HX0007")


def test_the_queue_coverage_counts_the_errors_it_holds(district, tmp_path):
    """Declared the same person, 欧阳娜娜's two rows are an error the queue holds (an
    `unmatched` item) and 司马光's are one it does not (his second row has a phone, so it
    is not a bare row, and nothing else ties the two)."""
    home = _copy(district, tmp_path / "h")
    truth = home.demo_truth / "persons.csv"
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        before = queue_coverage(con, truth)
        with truth.open("a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            for record, person in (("HX0004", "PX1"), ("HX0005", "PX1"), ("HX0006", "PX2"),
                                   ("HX0007", "PX2")):  # fmt: skip
                writer.writerow(["health", SOURCE, record, "subject", person, ""])
        after = queue_coverage(con, truth)
    assert (after.split - before.split, after.split_in_queue - before.split_in_queue) == (2, 1)
    assert after.merged == before.merged and after.open_items == before.open_items
    assert 0 <= after.share <= 1
