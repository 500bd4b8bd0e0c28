"""A name written in traditional characters, or as a homophone, links to its person.

Hand-written welfare cases of one man, 张伟, who is in no other register: the clerks
wrote his name 張偉, 张伟 and 张玮, without ID number or phone; his son 张强 lives with
him. They are added to a small demo district as one more civil affairs export.
"""

import csv

import duckdb
import pytest

from connectors.home import Home
from demo.api import generate
from warehouse.ingest.intake import process_pending
from warehouse.linking.stage import link_warehouse

BIRTH = "1931/7/14"
CASES = {
    "HW0001": ("張偉", "M", BIRTH),
    "HW0002": ("张伟", "M", BIRTH),
    "HW0003": ("张玮", "M", BIRTH),  # a homophone typo
    "HW0004": ("張　偉", "M", BIRTH),  # traditional, with an ideographic space
    "HW0005": ("张强", "M", "1958/2/3"),  # his son, same dwelling
}
# A homophone of his surname, written where he lived before (another dwelling).
MOVED = {"HW0006": ("章伟", "M", BIRTH)}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    home = Home.resolve(tmp_path_factory.mktemp("names")).ensure()
    generate(home.ingest, home.demo_truth, 1500, 4, 1)
    export = next((home.ingest / "civil_affairs").glob("civil_affairs_cases_*.csv"))
    with export.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        template = next(reader)
        elsewhere = next(r for r in reader if r["jiating_zhuzhi"] != template["jiating_zhuzhi"])
    rows = []
    for case_no, (name, sex, birth) in {**CASES, **MOVED}.items():
        row = dict(template if case_no in CASES else elsewhere)
        row.update(
            case_no=case_no,
            xingming=name,
            xingbie=sex,
            chusheng_riqi=birth,
            shenfenzheng_hao="",
            lianxi_dianhua="",
        )
        rows.append(row)
    extra = home.ingest / "civil_affairs" / "civil_affairs_cases_handwritten.csv"
    with extra.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    process_pending(home)
    link_warehouse(home, "full")
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        people = dict(
            con.execute(
                "SELECT source_record_id, person_id FROM core.person_source "
                "WHERE source = 'civil_affairs_cases' AND source_record_id LIKE 'HW%'"
            ).fetchall()
        )
        golden = dict(con.execute("SELECT person_id, name FROM core.person").fetchall())
        staged = dict(
            con.execute(
                "SELECT _record_key, name FROM staging.civil_affairs_cases_current "
                "WHERE _record_key LIKE 'HW%'"
            ).fetchall()
        )
    return people, golden, staged


def test_traditional_and_homophone_spellings_link_to_one_person(linked):
    people, _, _ = linked
    assert set(people) == set(CASES) | set(MOVED)
    assert people["HW0001"] == people["HW0002"] == people["HW0004"]
    assert people["HW0003"] == people["HW0002"]
    assert people["HW0005"] != people["HW0002"]


def test_a_surname_homophone_at_another_address_links_on_pinyin_and_birth_date(linked):
    people, _, _ = linked
    assert people["HW0006"] == people["HW0002"]


def test_the_golden_name_is_simplified_and_staging_keeps_what_the_clerk_wrote(linked):
    people, golden, staged = linked
    assert golden[people["HW0001"]] == "张伟"
    assert golden[people["HW0005"]] == "张强"
    assert staged["HW0001"] == "張偉"
    assert staged["HW0004"] == "張偉"  # whitespace cleaned, characters as written


def test_no_golden_name_keeps_traditional_characters(linked):
    _, golden, _ = linked
    traditional = {n for n in golden.values() if n and any(c in n for c in "張偉劉麗鄭國陳楊黃趙")}
    assert not traditional
