"""Batch 2 is next month of the same district, exported as each contract's mode says."""

import json

import numpy as np
import pandas as pd
import pytest

from demo.people import _id_numbers
from schemas.contracts import ExportMode, load_contracts
from schemas.idnumber import is_valid
from tests.demo.exports import RECORD_ID, exports
from tests.demo.test_noise import _unique

CONTRACTS = load_contracts()


@pytest.fixture(scope="module")
def months(two_months):
    return exports(two_months, "202609"), exports(two_months, "202610")


def test_same_district_next_month(district, two_months):
    for name in ("buildings.csv", "dwellings.csv"):
        assert (district / "demo_truth" / name).read_bytes() == (
            two_months / "demo_truth" / name
        ).read_bytes()
    meta = json.loads((two_months / "demo_truth/meta.json").read_text())
    assert meta["batch"] == 2 and meta["as_of"] == "2026-10-31" and meta["seed"] == 11


@pytest.mark.parametrize("source", sorted(RECORD_ID))
def test_snapshot_or_delta_as_the_contract_says(months, source):
    first, second = months
    key = RECORD_ID[source]
    before, after = set(first[source][key]), set(second[source][key])
    kept = len(before & after) / len(before)
    if CONTRACTS[source].mode is ExportMode.SNAPSHOT:
        assert kept > 0.9
    else:
        assert kept < 0.2
        assert len(after) < 0.2 * len(before)


@pytest.mark.parametrize("source", ["health_residents", "civil_affairs_cases"])
def test_delta_rows_are_new_or_changed(months, source):
    first, second = months
    key = RECORD_ID[source]
    old = _unique({"x": first[source]}, "x").set_index(key)
    for row in _unique({"x": second[source]}, "x").itertuples(index=False):
        record = row._asdict()
        rid = record.pop(key)
        if rid in old.index:
            assert tuple(record.values()) != tuple(
                old.loc[rid].iloc[0] if old.loc[rid].ndim > 1 else old.loc[rid]
            ), rid


def test_unchanged_records_are_written_as_before(months):
    first, second = months
    key = "登记编号"
    old = _unique({"x": first["police_residents"]}, "x").drop_duplicates(key).set_index(key)
    new = _unique({"x": second["police_residents"]}, "x").drop_duplicates(key).set_index(key)
    common = old.index.intersection(new.index)
    same = (old.loc[common] == new.loc[common]).all(axis=1).mean()
    assert same > 0.9


def test_about_five_percent_new_records(months):
    first, second = months
    new = sum(
        len(set(second[s][RECORD_ID[s]]) - set(first[s][RECORD_ID[s]]))
        for s in (
            "housing_occupants",
            "health_residents",
            "police_residents",
            "civil_affairs_cases",
        )
    )
    total = sum(len(set(first[s][RECORD_ID[s]])) for s in RECORD_ID if s != "police_incidents")
    assert 0.03 <= new / total <= 0.08, new / total


def test_deaths_moves_and_phones_show(months, two_months):
    first, second = months
    assert (first["police_residents"]["注销日期"] != "").sum() == 0
    assert (second["police_residents"]["注销日期"] != "").sum() > 0
    closed = second["civil_affairs_cases"]
    assert (closed["zhuangtai"] == "已注销").sum() > 0
    people = pd.read_csv(two_months / "demo_truth/people.csv", dtype=str)
    assert people.death_date.notna().sum() > 0


def test_person_ids_are_stable_and_truth_is_cumulative(district, two_months):
    one = pd.read_csv(district / "demo_truth/persons.csv", dtype=str)
    two = pd.read_csv(two_months / "demo_truth/persons.csv", dtype=str)
    merged = one.merge(two, on=["source", "source_record_id"], suffixes=("_1", "_2"))
    assert len(merged) == len(one)
    assert (merged.true_person_id_1 == merged.true_person_id_2).all()
    assert len(two) > len(one)


def test_new_people_never_get_an_id_number_already_issued():
    """The same draw twice would repeat every number; `taken` forces fresh ones."""
    births = np.array(["1980-05-01"] * 300, dtype="datetime64[D]")
    male = np.arange(300) % 2 == 0
    first = _id_numbers(np.random.default_rng(5), births, male)
    again = _id_numbers(np.random.default_rng(5), births, male)
    assert set(first) == set(again)
    fresh = _id_numbers(np.random.default_rng(5), births, male, taken=first)
    assert not set(fresh) & set(first)
    assert len(set(fresh)) == len(fresh)
    assert all(is_valid(n) for n in fresh)


def test_truth_id_numbers_are_unique_after_the_second_month(two_months):
    people = pd.read_csv(two_months / "demo_truth/people.csv", dtype=str)
    numbers = people.id_number.dropna()
    assert numbers.is_unique
