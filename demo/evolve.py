"""Next month in the demo district: deaths, moves, births, arrivals, new phones, new cases.

Batch 2 starts from batch 1's exact state (same seed), changes the world, and exports
what each department's contract says: a full snapshot, or only the records that changed.
Records a department did not change are written exactly as in batch 1.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demo import mentions
from demo.conditions import add_conditions, mark_low_income
from demo.generate import (
    AS_OF,
    DEPARTMENTS,
    INCIDENT_WINDOW_DAYS,
    INCIDENTS_PER_PERSON,
    Batch,
    render_batch,
    rng_for,
)
from demo.people import add_identity, build_households, mobiles
from demo.truth import mention_rows
from demo.world import World, contact_phones
from schemas.contracts import ExportMode, load_contracts

RATES = {"deaths": 0.004, "movers": 0.015, "births": 0.002, "arrivals": 0.045, "phones": 0.02}
RECORD_PREFIX = {
    "housing_occupants": ("ZF", 8),
    "health_residents": ("JK110105", 7),
    "police_residents": ("DJ", 9),
    "civil_affairs_cases": (f"MZ{AS_OF[1].year}", 6),
}


def second_batch(
    seed: int, first: Batch
) -> tuple[World, dict[str, object], pd.DataFrame, pd.DataFrame]:
    """World, rendered exports, cumulative truth and outsiders after next month."""
    rng = rng_for(seed, "evolve")
    world, events = _evolve_world(rng, first.world)
    records, changed, incidents = _evolve_records(rng, first, world, events)
    rendered = _render(seed, first, records, changed, incidents)
    truth = _cumulative_truth(first.records, records)
    involved = pd.concat([first.records["police_incidents"], records["police_incidents"]])
    return world, rendered, truth, involved[involved.person_id.str.startswith("X")]


def _evolve_world(rng: np.random.Generator, w1: World) -> tuple[World, dict]:
    as_of = AS_OF[2]
    people = w1.people.copy()
    people["death_date"] = None
    n = len(people)
    weight = np.where(people.age >= 70, 20.0, np.where(people.age >= 50, 2.0, 0.1))
    dead = rng.choice(n, size=round(RATES["deaths"] * n), replace=False, p=weight / weight.sum())
    days = rng.integers(1, 31, len(dead)).astype("timedelta64[D]")
    people.loc[dead, "death_date"] = pd.to_datetime(np.datetime64(AS_OF[1], "D") + days).date
    vacant = ~w1.dwellings.dwelling_id.isin(people.dwelling_id)
    free = w1.dwellings.dwelling_id[vacant].to_numpy()
    free = free[rng.permutation(len(free))]
    moving = w1.households.household_id.to_numpy()[
        rng.choice(len(w1.households), round(RATES["movers"] * len(w1.households)), replace=False)
    ]
    new_home = pd.Series(free[: len(moving)], index=moving)
    households = w1.households.copy()
    households.loc[households.household_id.isin(moving), "dwelling_id"] = new_home.reindex(
        households.household_id[households.household_id.isin(moving)]
    ).to_numpy()
    movers = people.household_id.isin(moving).to_numpy()
    people.loc[movers, "prev_dwelling_id"] = people.dwelling_id[movers].to_numpy()
    people.loc[movers, "dwelling_id"] = new_home.reindex(people.household_id[movers]).to_numpy()
    with_mobile = np.flatnonzero(
        people.phone.notna().to_numpy() & (people.contact_phone == people.phone).to_numpy()
    )
    renew = rng.choice(with_mobile, size=round(RATES["phones"] * n), replace=False)
    fresh = mobiles(rng, len(renew))
    people.loc[renew, "phone"] = fresh
    people.loc[renew, "contact_phone"] = fresh
    events = {
        "dead": set(people.person_id.iloc[dead]),
        "movers": set(people.person_id[movers]),
        "phones": set(people.person_id.iloc[renew]),
    }
    babies = _births(rng, people, as_of)
    taken = set(people.id_number) | set(babies.id_number)
    arrived_h, arrived = _arrivals(rng, w1, free[len(moving) :], n + len(babies), as_of, taken)
    households = pd.concat([households, arrived_h], ignore_index=True)
    people = pd.concat([people, babies, arrived], ignore_index=True)
    world = World(as_of, w1.buildings, w1.dwellings, households, people)
    events["babies"] = set(babies.person_id)
    events["arrived"] = set(arrived.person_id)
    return world, events


def _births(rng: np.random.Generator, people: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    mothers = people[
        (people.relation == "10") & people.age.between(22, 42) & people.death_date.isna()
    ]
    k = min(round(RATES["births"] * len(people)), len(mothers))
    mums = mothers.iloc[rng.choice(len(mothers), size=k, replace=False)]
    heads = people[people.relation == "02"].set_index("household_id")
    frame = pd.DataFrame(
        {
            "member": 9,
            "relation": "20",
            "male": rng.random(k) < 0.51,
            "age": 0,
            "surname": heads.surname.reindex(mums.household_id).to_numpy(),
            "household_id": mums.household_id.to_numpy(),
            "dwelling_id": mums.dwelling_id.to_numpy(),
        }
    )
    babies = add_identity(rng, frame, as_of, days_back=31, taken=people.id_number)
    babies["person_id"] = [f"P{len(people) + i + 1:07d}" for i in range(k)]
    babies["contact_phone"] = heads.contact_phone.reindex(mums.household_id).to_numpy()
    return _no_conditions(babies, mums)


def _no_conditions(babies: pd.DataFrame, mums: pd.DataFrame) -> pd.DataFrame:
    for col, value in {
        "disability_type": None,
        "disability_grade": 0,
        "chronic_conditions": None,
        "mobility": "INDEP",
        "medical_equipment": None,
        "pregnant": False,
        "due_date": None,
        "lives_alone": False,
        "homonym": False,
        "prev_dwelling_id": None,
        "stale_phone": None,
        "death_date": None,
    }.items():
        babies[col] = value
    babies["low_income"] = mums.low_income.to_numpy()
    return babies


def _arrivals(
    rng: np.random.Generator,
    w1: World,
    free: np.ndarray,
    last_id: int,
    as_of: dt.date,
    taken: set[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New households moving into empty dwellings; person IDs continue after `last_id`."""
    spaces = w1.dwellings[w1.dwellings.dwelling_id.isin(free)]
    wanted = round(RATES["arrivals"] * len(w1.people))
    households, people = build_households(rng, spaces, wanted)
    offset_h = len(w1.households)
    households["household_id"] = [f"H{offset_h + i + 1:07d}" for i in range(len(households))]
    people["household_id"] = households.household_id.to_numpy()[
        people.household_id.str[1:].astype(int).to_numpy() - 1
    ]
    households = mark_low_income(rng, households)
    people = add_identity(rng, people, as_of, taken=taken)
    people["person_id"] = [f"P{last_id + i + 1:07d}" for i in range(len(people))]
    people = add_conditions(rng, people, households, as_of)
    households, people = contact_phones(rng, households, people, 0.15)
    for col, value in {
        "homonym": False,
        "prev_dwelling_id": None,
        "stale_phone": None,
        "death_date": None,
    }.items():
        people[col] = value
    return households, people


def _renumber(records: pd.DataFrame, source: str, existing: pd.Series) -> pd.DataFrame:
    """New records continue the department's numbering after its highest existing number."""
    prefix, width = RECORD_PREFIX[source]
    last = int(existing.str[len(prefix) :].astype(int).max()) if len(existing) else 0
    out = records.copy()
    out["source_record_id"] = [f"{prefix}{last + i + 1:0{width}d}" for i in range(len(out))]
    return out


def _evolve_records(
    rng: np.random.Generator, first: Batch, world: World, events: dict
) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]], pd.DataFrame]:
    """Each source's batch-2 records (snapshot or delta), changed record IDs, new incidents."""
    people = world.people.set_index("person_id")
    newcomers = world.people[world.people.person_id.isin(events["babies"] | events["arrived"])]
    sub = World(world.as_of, world.buildings, world.dwellings, world.households, newcomers)
    new = {
        "housing_occupants": mentions.housing_records(rng, sub),
        "health_residents": mentions.health_records(rng, sub),
        "police_residents": mentions.police_residents(rng, sub),
        "civil_affairs_cases": mentions.welfare_cases(rng, sub),
    }
    out: dict[str, pd.DataFrame] = {}
    changed: dict[str, set[str]] = {}
    for source, fresh in new.items():
        old = first.records[source].copy()
        fresh = _renumber(fresh, source, old.source_record_id)
        touched = _update(rng, source, old, people, events)
        if source == "housing_occupants":
            gone = old.person_id.isin(events["dead"] | events["movers"])
            movers = old[old.person_id.isin(events["movers"])].copy()
            movers["dwelling_id"] = people.dwelling_id.reindex(movers.person_id).to_numpy()
            fresh = pd.concat([fresh, _renumber(movers, source, fresh.source_record_id)])
            old = old[~gone]
        if source == "civil_affairs_cases":
            fresh = pd.concat([fresh, _new_aged_80(rng, world, old, source, fresh)])
        if source == "police_residents":
            fresh = _household_numbers(fresh, old, people)
        if _mode(source) is ExportMode.DELTA:
            old = old[old.source_record_id.isin(touched)]
        out[source] = pd.concat([old, fresh], ignore_index=True)
        changed[source] = set(touched) | set(fresh.source_record_id)
    count = round(INCIDENTS_PER_PERSON[2] * len(first.world.people))
    last = len(first.incidents)
    incidents, involved = mentions.incidents(rng, world, count, INCIDENT_WINDOW_DAYS[2], last)
    out["police_incidents"] = involved
    changed["police_incidents"] = set(involved.source_record_id)
    return out, changed, incidents


def _mode(source: str) -> ExportMode:
    return load_contracts()[source].mode


def _update(
    rng: np.random.Generator, source: str, old: pd.DataFrame, people: pd.DataFrame, events: dict
) -> set[str]:
    """Change existing records in place as the department would; return their IDs."""
    touched: set[str] = set()
    pid = old.person_id
    phones = pid.isin(events["phones"]).to_numpy()
    moved = pid.isin(events["movers"]).to_numpy()
    dead = pid.isin(events["dead"]).to_numpy()
    if source != "police_residents":
        phones &= rng.random(len(old)) < 0.5
        moved &= rng.random(len(old)) < 0.5
    if source == "housing_occupants":
        moved[:] = False
    old.loc[phones, "phone"] = people.contact_phone.reindex(pid[phones]).to_numpy()
    old.loc[moved, "dwelling_id"] = people.dwelling_id.reindex(pid[moved]).to_numpy()
    touched |= set(old.source_record_id[phones | moved])
    if source == "police_residents":
        old.loc[dead, "deregistered_on"] = people.death_date.reindex(pid[dead]).to_numpy()
        old.loc[moved, "registered_on"] = AS_OF[2]
        touched |= set(old.source_record_id[dead])
    if source == "civil_affairs_cases":
        closing = dead & (old.status == "ACTIVE").to_numpy()
        old.loc[closing, "status"] = "CLOSED"
        old.loc[closing, "end_date"] = people.death_date.reindex(pid[closing]).to_numpy()
        touched |= set(old.source_record_id[closing])
    return touched


def _new_aged_80(
    rng: np.random.Generator, world: World, old: pd.DataFrame, source: str, fresh: pd.DataFrame
) -> pd.DataFrame:
    """Old-age allowance cases for residents who turned 80 this month."""
    p = world.people
    born = pd.to_datetime(p.birth_date)
    turned = (born > pd.Timestamp(AS_OF[1].replace(year=AS_OF[1].year - 80))) & (
        born <= pd.Timestamp(AS_OF[2].replace(year=AS_OF[2].year - 80))
    )
    eligible = p[turned & p.death_date.isna() & (rng.random(len(p)) < 0.85)].copy()
    eligible["age"] = 80
    sub = World(world.as_of, world.buildings, world.dwellings, world.households, eligible)
    cases = mentions.welfare_cases(rng, sub)
    cases = cases[cases.case_type == "GAOLING"]
    cases["status"] = "ACTIVE"
    cases["start_date"] = AS_OF[2]
    cases["end_date"] = None
    both = pd.concat([old.source_record_id, fresh.source_record_id])
    return _renumber(cases, source, both)


def _household_numbers(
    fresh: pd.DataFrame, old: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """Babies join their family's household book; arriving households get new numbers."""
    house_of = people.household_id
    book = dict(zip(house_of.reindex(old.person_id), old.household_no, strict=True))
    last = int(old.household_no.astype(int).max())
    numbers = []
    for household in house_of.reindex(fresh.person_id):
        if household not in book:
            last += 1
            book[household] = f"{last:09d}"
        numbers.append(book[household])
    out = fresh.copy()
    out["household_no"] = numbers
    return out


def _render(
    seed: int,
    first: Batch,
    records: dict[str, pd.DataFrame],
    changed: dict[str, set[str]],
    incidents: pd.DataFrame,
) -> dict[str, object]:
    """Unchanged records exactly as batch 1 wrote them; changed and new ones freshly noised."""
    before = render_batch(seed, first, "b1")
    part = {k: v[v.source_record_id.isin(changed[k])] for k, v in records.items()}
    fresh = render_batch(seed, Batch(first.world, part, incidents), "b2")
    out: dict[str, object] = {"police_incidents": fresh["police_incidents"]}
    for source, rows in fresh.items():
        if source == "police_incidents":
            continue
        assert isinstance(rows, pd.DataFrame)
        old_rows = before[source]
        assert isinstance(old_rows, pd.DataFrame)
        key = old_rows.columns[0]
        keep = records[source].source_record_id
        unchanged = keep[~keep.isin(changed[source])]
        kept = old_rows[old_rows[key].isin(unchanged)]
        out[source] = pd.concat([kept, rows], ignore_index=True)
    return out


def _cumulative_truth(
    first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Every mention ever exported; a record sent again is described by its latest version."""
    a = mention_rows(first, DEPARTMENTS)
    b = mention_rows(second, DEPARTMENTS)
    both = pd.concat([a, b], ignore_index=True)
    return both.drop_duplicates(["source", "source_record_id"], keep="last").reset_index(drop=True)
