"""Each export is readable by a plain reader in its own encoding and layout."""

import json

import pandas as pd
import pytest

from demo import generate
from schemas.contracts import load_contracts
from tests.demo.exports import RECORD_ID, exports, read_xlsx_register

CONTRACTS = load_contracts()


def test_every_department_gets_its_exports(district):
    names = sorted(
        p.relative_to(district / "ingest").as_posix() for p in (district / "ingest").glob("*/*.*")
    )
    assert names == [
        "civil_affairs/civil_affairs_cases_202609.csv",
        "health/health_residents_202609.csv",
        "housing/housing_occupants_202609.xlsx",
        "police/police_incidents_202609.jsonl",
        "police/police_residents_202609.csv",
    ]
    assert not (district / "ingest" / "demo_truth").exists()


@pytest.mark.parametrize(
    ("relative", "encoding", "bom"),
    [
        ("health/health_residents_202609.csv", "gbk", False),
        ("police/police_residents_202609.csv", "utf-8", True),
        ("civil_affairs/civil_affairs_cases_202609.csv", "utf-8", False),
    ],
)
def test_csv_encodings(district, relative, encoding, bom):
    raw = (district / "ingest" / relative).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    text = raw.decode(encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert "\ufffd" not in text


def test_housing_register_layout(district):
    title, data, tail = read_xlsx_register(
        district / "ingest/housing/housing_occupants_202609.xlsx"
    )
    assert "住户登记表" in title
    assert tail[0][0] == "合计" and tail[0][1] == f"共{len(data)}人"
    assert tail[1][0].startswith("制表单位")
    assert data["出生日期"].map(type).value_counts().size >= 2  # date cells and typed text


def test_health_dates_are_written_in_chinese(district):
    rows = exports(district, "202609")["health_residents"]
    assert rows["出生日期"].str.match(r"^\d{4}年\d{1,2}月\d{1,2}日$").mean() > 0.99


def test_civil_affairs_dates_use_slashes_and_excel_serials(district):
    births = exports(district, "202609")["civil_affairs_cases"]["chusheng_riqi"]
    assert births.str.match(r"^\d{4}/\d{1,2}/\d{1,2}$").mean() > 0.6
    assert births.str.match(r"^\d{4,5}$").mean() > 0.1


def test_incidents_are_json_lines_with_nested_persons(district):
    lines = (
        (district / "ingest/police/police_incidents_202609.jsonl").read_text("utf-8").splitlines()
    )
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(o["涉及人员"], list) for o in objects)
    assert max(len(o["涉及人员"]) for o in objects) >= 3


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_every_header_is_known_to_the_source_contract(district, source):
    contract = CONTRACTS[source]
    aliases = {a for col in contract.columns.values() for a in col.aliases}
    if contract.explode:
        aliases |= set(contract.explode.aliases)
    rows = exports(district, "202609")[source]
    headers = set(rows.columns) - {"mention_id"}
    assert headers <= aliases, headers - aliases


@pytest.mark.parametrize("source", sorted(RECORD_ID))
def test_every_record_is_in_the_truth(district, source):
    truth = pd.read_csv(district / "demo_truth/persons.csv", dtype=str)
    ids = set(exports(district, "202609")[source][RECORD_ID[source]])
    known = set(truth.source_record_id[truth.source == source])
    assert ids == known


def test_truth_files_and_meta(district):
    truth = district / "demo_truth"
    persons = pd.read_csv(truth / "persons.csv", dtype=str)
    assert list(persons.columns) == [
        "department",
        "source",
        "source_record_id",
        "role",
        "true_person_id",
        "true_dwelling_id",
    ]
    assert not persons.duplicated(["source", "source_record_id"]).any()
    people = pd.read_csv(truth / "people.csv", dtype=str)
    assert set(persons.true_person_id) <= set(people.true_person_id)
    dwellings = pd.read_csv(truth / "dwellings.csv", dtype=str)
    assert set(persons.true_dwelling_id.dropna()) <= set(dwellings.dwelling_id)
    buildings = pd.read_csv(truth / "buildings.csv", dtype=str)
    assert set(dwellings.building_id) == set(buildings.building_id)
    meta = json.loads((truth / "meta.json").read_text())
    assert meta["seed"] == 11 and meta["batch"] == 1 and meta["as_of"] == "2026-09-30"


def test_the_generator_tells_each_stage_as_it_ends(tmp_path):
    told: list[str] = []
    result = generate(tmp_path / "ingest", tmp_path / "truth", 200, 3, 1, on_progress=told.append)
    assert told[:2] == [
        "200 residents, their households and dwellings made",
        "every department's records rendered",
    ]
    assert told[2:] == [f"wrote {name}" for name in result.files]
    assert all((tmp_path / "ingest" / name).is_file() for name in result.files)
