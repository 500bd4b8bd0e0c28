"""Households and residents of the demo district, with the attributes that make them vulnerable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from demo.places import DISTRICT_CODE
from demo.pools import draw_given_names, draw_surnames
from schemas.divisions import division_codes
from schemas.idnumber import CHECK_CHARS, WEIGHTS

# (kind, share of households, members as (relation, sex, age rule)); ages are years.
# Age rules: ("abs", lo, hi), ("spouse",), ("child",), ("parent",).
HOUSEHOLD_KINDS: list[tuple[str, float, list[tuple[str, str, tuple]]]] = [
    ("elder_alone", 0.09, [("02", "any", ("abs", 65, 97))]),
    ("adult_alone", 0.13, [("02", "any", ("abs", 20, 64))]),
    ("elder_couple", 0.14, [("02", "M", ("abs", 60, 92)), ("10", "F", ("spouse",))]),
    ("couple", 0.14, [("02", "M", ("abs", 24, 59)), ("10", "F", ("spouse",))]),
    (
        "family_1",
        0.17,
        [("02", "M", ("abs", 27, 56)), ("10", "F", ("spouse",)), ("20", "any", ("child",))],
    ),
    (
        "family_2",
        0.13,
        [
            ("02", "M", ("abs", 30, 56)),
            ("10", "F", ("spouse",)),
            ("20", "any", ("child",)),
            ("20", "any", ("child",)),
        ],
    ),
    (
        "three_gen",
        0.12,
        [
            ("02", "M", ("abs", 30, 52)),
            ("10", "F", ("spouse",)),
            ("20", "any", ("child",)),
            ("50", "any", ("parent",)),
        ],
    ),
    ("single_parent", 0.05, [("02", "F", ("abs", 25, 55)), ("20", "any", ("child",))]),
    ("shared", 0.03, [("02", "any", ("abs", 20, 40)), ("99", "any", ("abs", 20, 40))]),
]
MOBILE_PREFIXES = np.array(
    [
        "130",
        "131",
        "132",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "155",
        "158",
        "159",
        "166",
        "176",
        "177",
        "180",
        "181",
        "186",
        "187",
        "188",
        "189",
        "199",
    ]
)


def mean_household_size() -> float:
    return sum(p * len(members) for _, p, members in HOUSEHOLD_KINDS)


def build_households(
    rng: np.random.Generator, dwellings: pd.DataFrame, persons: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households placed in random dwellings, and their members with sex, age and relation."""
    n_house = round(persons / mean_household_size())
    if n_house > len(dwellings):
        raise ValueError("not enough dwellings for the households")
    kinds = [k for k, _, _ in HOUSEHOLD_KINDS]
    shares = np.array([p for _, p, _ in HOUSEHOLD_KINDS])
    kind_ix = np.sort(rng.choice(len(kinds), size=n_house, p=shares / shares.sum()))
    chosen = rng.choice(len(dwellings), size=n_house, replace=False)
    households = pd.DataFrame(
        {
            "household_id": [f"H{i + 1:07d}" for i in range(n_house)],
            "dwelling_id": dwellings.dwelling_id.to_numpy()[chosen],
            "kind": np.array(kinds)[kind_ix],
        }
    )
    parts = [
        _members(rng, np.flatnonzero(kind_ix == k), HOUSEHOLD_KINDS[k][2])
        for k in range(len(kinds))
    ]
    people = pd.concat([p for p in parts if len(p)], ignore_index=True)
    people = people.sort_values(["household_ix", "member"], kind="stable", ignore_index=True)
    people["household_id"] = households.household_id.to_numpy()[people.household_ix]
    people["dwelling_id"] = households.dwelling_id.to_numpy()[people.household_ix]
    return households, people.drop(columns=["household_ix"])


def _members(rng: np.random.Generator, house_ix: np.ndarray, roles: list) -> pd.DataFrame:
    m = len(house_ix)
    if m == 0:
        return pd.DataFrame()
    head_age = rng.integers(roles[0][2][1], roles[0][2][2] + 1, m)
    head_male = _sex(rng, roles[0][1], m, None)
    head_surname = draw_surnames(rng, m)
    frames = []
    for member, (relation, sex_rule, age_rule) in enumerate(roles):
        male = head_male if member == 0 else _sex(rng, sex_rule, m, head_male)
        age = head_age if member == 0 else _age(rng, age_rule, head_age)
        surname = head_surname
        if member > 0 and relation in ("10", "99"):
            surname = draw_surnames(rng, m)
        elif relation == "20":
            surname = np.where(
                head_male | (rng.random(m) < 0.4), head_surname, draw_surnames(rng, m)
            )
        elif relation == "50":
            surname = np.where(male, head_surname, draw_surnames(rng, m))
        frames.append(
            pd.DataFrame(
                {
                    "household_ix": house_ix,
                    "member": member,
                    "relation": relation,
                    "male": male,
                    "age": age,
                    "surname": surname,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _sex(rng: np.random.Generator, rule: str, m: int, head_male: np.ndarray | None) -> np.ndarray:
    if rule == "M":
        return np.ones(m, dtype=bool)
    if rule == "F":
        return np.zeros(m, dtype=bool)
    return rng.random(m) < 0.5


def _age(rng: np.random.Generator, rule: tuple, head_age: np.ndarray) -> np.ndarray:
    m = len(head_age)
    if rule[0] == "abs":
        return rng.integers(rule[1], rule[2] + 1, m)
    if rule[0] == "spouse":
        return np.clip(head_age + np.round(rng.normal(-2, 3, m)).astype(int), 18, 100)
    if rule[0] == "child":
        oldest = np.clip(head_age - 21, 0, 32)
        return np.floor(rng.random(m) * (oldest + 1)).astype(int)
    return np.clip(head_age + rng.integers(23, 35, m), 45, 101)


def add_identity(
    rng: np.random.Generator,
    people: pd.DataFrame,
    as_of: dt.date,
    days_back: int = 365,
    taken: Iterable[str] = (),
) -> pd.DataFrame:
    """Names, birth dates, ID numbers and phones; birth days fall up to `days_back` before.

    ID numbers are unique, also against `taken` (the numbers already issued): a real
    resident ID number belongs to one person only."""
    n = len(people)
    out = people.copy()
    male = out.male.to_numpy()
    out["name"] = np.char.add(out.surname.to_numpy().astype(str), draw_given_names(rng, male))
    days = rng.integers(0, days_back, n)
    anchor = np.datetime64(as_of, "D")
    birth = (
        anchor
        - (out.age.to_numpy() * 365.25).astype("timedelta64[D]")
        - days.astype("timedelta64[D]")
    )
    out["birth_date"] = pd.to_datetime(birth).date
    out["sex"] = np.where(male, "1", "2")
    out["id_number"] = _id_numbers(rng, birth, male, taken)
    out["phone"] = mobiles(rng, n)
    no_mobile = (
        (out.age.to_numpy() < 14)
        | ((out.age.to_numpy() >= 65) & (rng.random(n) < 0.4))
        | (rng.random(n) < 0.03)
    )
    out.loc[no_mobile, "phone"] = None
    out.insert(0, "person_id", [f"P{i + 1:07d}" for i in range(n)])
    return out


def _id_numbers(
    rng: np.random.Generator, birth: np.ndarray, male: np.ndarray, taken: Iterable[str] = ()
) -> np.ndarray:
    n = len(birth)
    codes = np.array(sorted(division_codes()))
    local = rng.random(n) < 0.7
    region = np.where(local, DISTRICT_CODE, codes[rng.integers(0, len(codes), n)])
    ymd = pd.to_datetime(birth).strftime("%Y%m%d").to_numpy().astype(str)
    numbers = np.empty(n, dtype="<U18")
    todo = np.arange(n)
    seen: set[str] = set(taken)
    while len(todo):
        seq = rng.integers(0, 500, len(todo)) * 2 + np.where(male[todo], 1, 0)
        first17 = np.char.add(
            np.char.add(region[todo], ymd[todo]), np.char.zfill(seq.astype(str), 3)
        )
        full = np.char.add(first17, _check_chars(first17))
        retry = []
        for i, number in zip(todo, full, strict=True):
            if number in seen:
                retry.append(i)
            else:
                seen.add(number)
                numbers[i] = number
        todo = np.array(retry, dtype=int)
    return numbers


def _check_chars(first17: np.ndarray) -> np.ndarray:
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    total = digits.astype(np.int64) @ np.array(WEIGHTS, dtype=np.int64)
    return np.array(list(CHECK_CHARS))[total % 11]


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    body = np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    return np.char.add(prefix, body).astype(object)


def landlines(rng: np.random.Generator, n: int) -> np.ndarray:
    body = rng.integers(5 * 10**7, 9 * 10**7, n).astype(str)
    return np.char.add("010-", body).astype(object)


def make_twins(rng: np.random.Generator, people: pd.DataFrame, share: float) -> pd.DataFrame:
    """Turn the second child of some households into the twin of the first: the same birth
    date and surname, their own given name, sex and ID number. `share` is the share of
    people who are one of a pair of twins."""
    p = people.copy()
    p["twin"] = False
    child = p.relation.to_numpy() == "20"
    rank = p[child].groupby("household_id").cumcount()
    first = p[child][rank.to_numpy() == 0].set_index("household_id")
    second = p[child][rank.to_numpy() == 1]
    k = min(round(share * len(p) / 2), len(second))
    if k == 0:
        return p
    chosen = second.index.to_numpy()[np.sort(rng.choice(len(second), size=k, replace=False))]
    elder = first.reindex(p.loc[chosen, "household_id"])
    male = p.loc[chosen, "male"].to_numpy()
    surname = elder.surname.to_numpy().astype(str)
    given = draw_given_names(rng, male)
    # A twin is never named like the other: draw again where the names collide.
    same = np.char.add(surname, given) == elder.name.to_numpy().astype(str)
    given[same] = draw_given_names(rng, male[same])
    birth = elder.birth_date.to_numpy()
    p.loc[chosen, "surname"] = surname
    p.loc[chosen, "name"] = np.char.add(surname, given)
    p.loc[chosen, "age"] = elder.age.to_numpy()
    p.loc[chosen, "birth_date"] = birth
    births = pd.to_datetime(pd.Series(birth)).to_numpy().astype("datetime64[D]")
    others = p.id_number.drop(index=chosen)
    p.loc[chosen, "id_number"] = _id_numbers(rng, births, male, others)
    p.loc[chosen, "twin"] = True
    p.loc[p.person_id.isin(elder.person_id), "twin"] = True
    return p


def name_after_relatives(
    rng: np.random.Generator, people: pd.DataFrame, share: float
) -> pd.DataFrame:
    """Give some boys and men the full name of an older man of their household with the
    same surname (a grandfather and a grandson both 王建国); `share` is of people."""
    p = people.copy()
    p["namesake"] = False
    men = p[p.male.to_numpy() & p.relation.isin(["02", "50"]).to_numpy()]
    boys = p[p.male.to_numpy() & (p.relation.to_numpy() == "20")]
    pairs = boys.reset_index().merge(
        men[["household_id", "surname", "name", "age"]],
        on=["household_id", "surname"],
        suffixes=("", "_elder"),
    )
    pairs = pairs[pairs.age_elder > pairs.age].drop_duplicates("index")
    k = min(round(share * len(p)), len(pairs))
    if k == 0:
        return p
    chosen = pairs.iloc[np.sort(rng.choice(len(pairs), size=k, replace=False))]
    p.loc[chosen["index"].to_numpy(), "name"] = chosen.name_elder.to_numpy()
    p.loc[chosen["index"].to_numpy(), "namesake"] = True
    return p
