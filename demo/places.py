"""The demo district's streets, communities, grids, buildings and dwellings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.pools import place_words

DISTRICT = "朝阳区"
CITY = "北京市"
DISTRICT_CODE = "110105"
HOUSEHOLDS_PER_COMMUNITY = 1800
COMMUNITIES_PER_STREET = 6
DWELLINGS_PER_GRID = 320
OCCUPANCY = 0.9


def build_buildings(rng: np.random.Generator, households: int) -> pd.DataFrame:
    """Enough buildings for `households` at the district's occupancy, with their attributes."""
    target = households / OCCUPANCY
    n = int(target / 40) + 50
    kind = rng.choice(3, size=n, p=[0.55, 0.28, 0.17])  # walk-up, mid-rise, tower
    floors = np.select(
        [kind == 0, kind == 1],
        [rng.integers(5, 8, n), rng.integers(8, 19, n)],
        rng.integers(19, 34, n),
    )
    units = np.select(
        [kind == 0, kind == 1],
        [rng.integers(2, 7, n), rng.integers(1, 4, n)],
        rng.integers(1, 3, n),
    )
    per_floor = np.select(
        [kind == 0, kind == 1], [np.full(n, 2), rng.integers(3, 5, n)], rng.integers(4, 7, n)
    )
    capacity = floors * units * per_floor
    keep = int(np.searchsorted(np.cumsum(capacity), target)) + 1
    kind, floors, units, per_floor = kind[:keep], floors[:keep], units[:keep], per_floor[:keep]
    year = np.where(kind == 0, rng.integers(1958, 2001, keep), rng.integers(1990, 2023, keep))
    structure = np.select([year < 1975, year < 1998], ["BW", "BH"], "GH")
    structure = np.where((kind == 2) & (rng.random(keep) < 0.1), "GJ", structure)
    elevator = (kind > 0) | ((kind == 0) & (rng.random(keep) < 0.12))
    age = 2026 - year
    risk = rng.random(keep)
    condition = np.select(
        [(age > 45) & (risk < 0.06), (age > 35) & (risk < 0.15), risk < 0.35],
        ["D", "C", "B"],
        "A",
    )
    frame = pd.DataFrame(
        {
            "year_built": year,
            "structure": structure,
            "floors": floors,
            "has_elevator": elevator,
            "condition": condition,
            "units": units,
            "rooms_per_floor": per_floor,
        }
    )
    return _place_in_communities(rng, frame)


def _place_in_communities(rng: np.random.Generator, buildings: pd.DataFrame) -> pd.DataFrame:
    """Cut the building list into communities, streets and grids of realistic size."""
    streets, words, suffixes = place_words()
    capacity = (buildings.floors * buildings.units * buildings.rooms_per_floor).to_numpy()
    per_community = HOUSEHOLDS_PER_COMMUNITY / OCCUPANCY
    community_ix = (np.cumsum(capacity) - capacity) // per_community
    community_ix = community_ix.astype(int)
    n_comm = community_ix.max() + 1
    word_ix = (
        rng.permutation(len(words) * len(suffixes))[:n_comm]
        if n_comm <= len(words) * len(suffixes)
        else rng.integers(0, len(words) * len(suffixes), n_comm)
    )
    names = np.array([words[i % len(words)] + suffixes[i // len(words)] + "社区" for i in word_ix])
    street_ix = community_ix // COMMUNITIES_PER_STREET
    sides = ["", "东", "西", "南", "北", "中"]
    street_names = np.array([f"{s}{side}街道" for side in sides for s in streets])
    out = buildings.copy()
    out["district"] = DISTRICT
    out["street"] = street_names[street_ix % len(street_names)]
    out["community"] = names[community_ix]
    out["building_no"] = out.groupby(community_ix).cumcount() + 1
    grid_in_comm = (
        pd.Series(capacity).groupby(community_ix).cumsum().to_numpy() - capacity
    ) // DWELLINGS_PER_GRID
    out["grid_id"] = [
        f"G{DISTRICT_CODE}{c + 1:03d}{g + 1:02d}"
        for c, g in zip(community_ix, grid_in_comm, strict=True)
    ]
    out.insert(0, "building_id", [f"B{i + 1:06d}" for i in range(len(out))])
    return out


def build_dwellings(rng: np.random.Generator, buildings: pd.DataFrame) -> pd.DataFrame:
    """Every room of every building: unit, floor and room number (floor * 100 + position)."""
    units = buildings.units.to_numpy()
    floors = buildings.floors.to_numpy()
    per = buildings.rooms_per_floor.to_numpy()
    per_unit = floors * per
    b_ix = np.repeat(np.arange(len(buildings)), units * per_unit)
    k = np.arange(len(b_ix)) - np.repeat(
        np.cumsum(units * per_unit) - units * per_unit, units * per_unit
    )
    unit = k // per_unit[b_ix] + 1
    within = k % per_unit[b_ix]
    floor = within // per[b_ix] + 1
    position = within % per[b_ix] + 1
    n = len(b_ix)
    area = np.round(rng.normal(72, 22, n).clip(28, 180), 1)
    tenure = rng.choice(["OWN", "RENT", "PUB"], size=n, p=[0.68, 0.25, 0.07])
    return pd.DataFrame(
        {
            "dwelling_id": [f"D{i + 1:07d}" for i in range(n)],
            "building_id": buildings.building_id.to_numpy()[b_ix],
            "unit_no": unit,
            "floor": floor,
            "room_no": floor * 100 + position,
            "area_m2": area,
            "tenure": tenure,
        }
    )
