"""The true state of the demo district: places, households and people, before any export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo.conditions import add_conditions, mark_low_income
from demo.people import (
    add_identity,
    build_households,
    landlines,
    make_twins,
    mean_household_size,
    name_after_relatives,
)
from demo.places import build_buildings, build_dwellings
from demo.pools import noise_rates


@dataclass
class World:
    """Everything true about the district at `as_of`; exports are noisy views of it."""

    as_of: dt.date
    buildings: pd.DataFrame
    dwellings: pd.DataFrame
    households: pd.DataFrame
    people: pd.DataFrame


def build_world(rng: np.random.Generator, persons: int, as_of: dt.date) -> World:
    households_needed = persons / mean_household_size()
    buildings = build_buildings(rng, int(households_needed))
    dwellings = build_dwellings(rng, buildings)
    households, people = build_households(rng, dwellings, persons)
    households = mark_low_income(rng, households)
    people = add_identity(rng, people, as_of)
    rates = noise_rates()["district"]
    people = make_twins(rng, people, rates["twins"])
    people = add_conditions(rng, people, households, as_of)
    households, people = contact_phones(rng, households, people, rates["shared_phone"])
    people = _homonyms(rng, people, buildings, dwellings, rates["homonyms"])
    people = name_after_relatives(rng, people, rates["namesakes"])
    people = _movers(rng, people, households, dwellings, rates["moved"])
    people["stale_phone"] = _stale_phones(rng, people, rates["stale_phone"])
    return World(as_of, buildings, dwellings, households, people)


def contact_phones(
    rng: np.random.Generator, households: pd.DataFrame, people: pd.DataFrame, share: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The number each person gives: own mobile, the household landline, or a parent's."""
    h = households.copy()
    h["landline"] = landlines(rng, len(h))
    size = people.groupby("household_id").size().reindex(h.household_id).to_numpy()
    h["shared_phone"] = (size >= 2) & (rng.random(len(h)) < share / 0.78)
    p = people.copy()
    line = h.set_index("household_id").landline.reindex(p.household_id).to_numpy()
    shared = h.set_index("household_id").shared_phone.reindex(p.household_id).to_numpy()
    head_phone = p[p.relation == "02"].set_index("household_id").phone
    head = head_phone.reindex(p.household_id).to_numpy()
    contact = p.phone.to_numpy().copy()
    child = p.age.to_numpy() < 14
    contact = np.where(child, head, contact)
    contact = np.where(pd.isna(contact) | shared, line, contact)
    p["contact_phone"] = contact
    return h, p


def _homonyms(
    rng: np.random.Generator,
    people: pd.DataFrame,
    buildings: pd.DataFrame,
    dwellings: pd.DataFrame,
    share: float,
) -> pd.DataFrame:
    """Give some people the exact name of someone else in their community."""
    p = people.copy()
    building = dwellings.set_index("dwelling_id").building_id.reindex(p.dwelling_id)
    community = buildings.set_index("building_id").community.reindex(building).to_numpy()
    k = round(share * len(p))
    chosen = rng.choice(len(p), size=k, replace=False)
    names = p.name.to_numpy().copy()
    sexes = p.sex.to_numpy()
    order = pd.Series(np.arange(len(p))).groupby(community).apply(list)
    for i in chosen:
        pool = order[community[i]]
        for j in rng.choice(pool, size=min(6, len(pool))):
            if j != i and sexes[j] == sexes[i] and names[j] != names[i]:
                names[i] = names[j]
                break
    p["name"] = names
    p["homonym"] = False
    p.loc[chosen, "homonym"] = names[chosen] != people.name.to_numpy()[chosen]
    return p


def _movers(
    rng: np.random.Generator,
    people: pd.DataFrame,
    households: pd.DataFrame,
    dwellings: pd.DataFrame,
    share: float,
) -> pd.DataFrame:
    """Whole households that moved within the district in the last two years."""
    p = people.copy()
    order = rng.permutation(len(households))
    sizes = p.groupby("household_id").size().reindex(households.household_id).to_numpy()
    take = order[: int(np.searchsorted(np.cumsum(sizes[order]), share * len(p))) + 1]
    moved = households.household_id.to_numpy()[take]
    previous = dwellings.dwelling_id.to_numpy()[rng.integers(0, len(dwellings), len(take))]
    prev = pd.Series(previous, index=moved)
    p["prev_dwelling_id"] = prev.reindex(p.household_id).to_numpy()
    p.loc[p.prev_dwelling_id == p.dwelling_id, "prev_dwelling_id"] = None
    return p


def _stale_phones(rng: np.random.Generator, people: pd.DataFrame, share: float) -> np.ndarray:
    """An old mobile number for some people who have one; one department still has it."""
    n = len(people)
    has = np.flatnonzero(people.phone.notna().to_numpy())
    k = round(share * n)
    chosen = rng.choice(has, size=min(k, len(has)), replace=False)
    out = np.full(n, None, dtype=object)
    old = rng.integers(0, 10**8, len(chosen)).astype(str)
    out[chosen] = [f"13{d % 10}{o.zfill(8)}" for d, o in zip(range(len(chosen)), old, strict=True)]
    return out
