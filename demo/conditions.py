"""Health and welfare attributes: the needs the resilience marts must find again."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

CHRONIC = ["HTN", "T2D", "CHD", "COPD", "CKD", "STROKE", "SMI"]
CHRONIC_P = [0.45, 0.25, 0.1, 0.07, 0.04, 0.06, 0.03]
DISABILITY = ["4", "1", "2", "3", "5", "6", "7"]
DISABILITY_P = [0.35, 0.15, 0.2, 0.02, 0.08, 0.1, 0.1]


def _by_age(age: np.ndarray, bands: list[tuple[int, float]]) -> np.ndarray:
    """Probability per person from (upper age bound exclusive, probability) bands."""
    edges = np.array([b for b, _ in bands])
    probs = np.array([p for _, p in bands])
    return probs[np.searchsorted(edges, age, side="right").clip(0, len(probs) - 1)]


def add_conditions(
    rng: np.random.Generator, people: pd.DataFrame, households: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Disability, chronic illness, mobility, equipment, pregnancy and welfare status."""
    out = people.copy()
    n = len(out)
    age = out.age.to_numpy()
    disabled = rng.random(n) < _by_age(age, [(18, 0.01), (60, 0.04), (80, 0.09), (200, 0.18)])
    out["disability_type"] = np.where(
        disabled, rng.choice(DISABILITY, size=n, p=DISABILITY_P), None
    )
    out["disability_grade"] = np.where(
        disabled, rng.choice([1, 2, 3, 4], size=n, p=[0.15, 0.25, 0.3, 0.3]), 0
    )
    chronic_p = _by_age(age, [(40, 0.03), (60, 0.2), (80, 0.5), (200, 0.65)])
    out["chronic_conditions"] = _conditions(rng, rng.random(n) < chronic_p)
    out["mobility"] = _mobility(rng, age, out)
    out["medical_equipment"] = _equipment(rng, out)
    female = ~out.male.to_numpy()
    pregnant = female & (age >= 20) & (age <= 42) & (rng.random(n) < 0.035)
    out["pregnant"] = pregnant
    due = np.datetime64(as_of, "D") + rng.integers(10, 270, n).astype("timedelta64[D]")
    out["due_date"] = np.where(pregnant, pd.to_datetime(due).date, None)
    size = out.groupby("household_id").person_id.transform("size").to_numpy()
    out["lives_alone"] = size == 1
    poor_house = households.set_index("household_id").low_income
    out["low_income"] = poor_house.reindex(out.household_id).to_numpy()
    return out


def _conditions(rng: np.random.Generator, has: np.ndarray) -> np.ndarray:
    n = len(has)
    first = rng.choice(len(CHRONIC), size=n, p=CHRONIC_P)
    second = rng.choice(len(CHRONIC), size=n, p=CHRONIC_P)
    two = rng.random(n) < 0.3
    names = np.array(CHRONIC)
    out = np.empty(n, dtype=object)
    for i in np.flatnonzero(has):
        codes = [names[first[i]]]
        if two[i] and second[i] != first[i]:
            codes.append(names[second[i]])
        out[i] = codes
    return out


def _mobility(rng: np.random.Generator, age: np.ndarray, people: pd.DataFrame) -> np.ndarray:
    n = len(age)
    roll = rng.random(n)
    mobility = np.full(n, "INDEP", dtype=object)
    old = age >= 80
    mobility[old & (roll < 0.25)] = "ASSIST"
    mobility[old & (roll < 0.09)] = "WHEEL"
    mobility[old & (roll < 0.04)] = "BED"
    severe = (people.disability_type.to_numpy() == "4") & (people.disability_grade.to_numpy() <= 2)
    mobility[severe & (roll < 0.6)] = "WHEEL"
    mobility[severe & (roll < 0.2)] = "BED"
    stroke = np.array([bool(c) and "STROKE" in c for c in people.chronic_conditions])
    mobility[stroke & (mobility == "INDEP")] = "ASSIST"
    return mobility


def _equipment(rng: np.random.Generator, people: pd.DataFrame) -> np.ndarray:
    n = len(people)
    conds = people.chronic_conditions.to_numpy()
    mobility = people.mobility.to_numpy()
    roll = rng.random((n, 4))
    out = np.empty(n, dtype=object)
    for i in range(n):
        items = []
        c = conds[i] or ()
        if "COPD" in c and roll[i, 0] < 0.4:
            items.append("O2C")
        if "COPD" in c and roll[i, 1] < 0.05:
            items.append("VENT")
        if "CKD" in c and roll[i, 2] < 0.2:
            items.append("PD")
        if "T2D" in c and roll[i, 3] < 0.5:
            items.append("GLU")
        if mobility[i] == "BED":
            items.append("BED")
            if roll[i, 0] > 0.9:
                items.append("SUCT")
        if mobility[i] == "WHEEL":
            items.append("WCH")
        out[i] = items or None
    return out


def mark_low_income(rng: np.random.Generator, households: pd.DataFrame) -> pd.DataFrame:
    """About 3.5 % of households live on the low-income allowance; more of those living alone."""
    out = households.copy()
    p = np.where(out.kind.isin(["elder_alone", "single_parent"]), 0.09, 0.025)
    out["low_income"] = rng.random(len(out)) < p
    return out
