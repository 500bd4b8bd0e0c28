"""Loads the demo's value pools and noise rates, and draws names from them in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for 1..99, as written in addresses (十二, 二十一)."""
    if not 0 < n < 100:
        raise ValueError(f"cannot write {n} as a Chinese numeral here")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


@cache
def _yaml(name: str) -> dict[str, Any]:
    text = (resources.files("demo") / name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def noise_rates() -> dict[str, Any]:
    """The noise configuration (demo/noise.yaml)."""
    return _yaml("noise.yaml")


@dataclass(frozen=True)
class NamePools:
    surnames: np.ndarray
    surname_p: np.ndarray
    male: np.ndarray
    female: np.ndarray
    neutral: np.ndarray
    alternatives: dict[str, str]
    lookalikes: dict[str, str]


@cache
def name_pools() -> NamePools:
    raw = _yaml("pools.yaml")
    weights = np.array(list(raw["surnames"].values()), dtype=float)
    alternatives: dict[str, str] = {}
    groups = raw["surname_homophones"] + raw["given_male"] + raw["given_female"]
    for group in groups + raw["given_neutral"]:
        for ch in group:
            alternatives.setdefault(ch, group.replace(ch, ""))
    lookalikes = {ch: group.replace(ch, "") for group in raw["lookalikes"] for ch in group}
    return NamePools(
        surnames=np.array(list(raw["surnames"])),
        surname_p=weights / weights.sum(),
        male=np.array(list("".join(raw["given_male"]))),
        female=np.array(list("".join(raw["given_female"]))),
        neutral=np.array(list("".join(raw["given_neutral"]))),
        alternatives=alternatives,
        lookalikes=lookalikes,
    )


def place_words() -> tuple[list[str], list[str], list[str]]:
    raw = _yaml("pools.yaml")
    return raw["streets"], raw["community_words"], raw["community_suffixes"]


def draw_given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Given names of one or two characters, from sex-leaning pools, for each person."""
    pools = name_pools()
    n = len(male)
    own_m = pools.male[rng.integers(0, len(pools.male), n)]
    own_f = pools.female[rng.integers(0, len(pools.female), n)]
    first = np.where(male, own_m, own_f)
    use_neutral = rng.random(n) < 0.2
    first = np.where(use_neutral, pools.neutral[rng.integers(0, len(pools.neutral), n)], first)
    second_m = pools.male[rng.integers(0, len(pools.male), n)]
    second_f = pools.female[rng.integers(0, len(pools.female), n)]
    second = np.where(male, second_m, second_f)
    two = rng.random(n) < 0.72
    return np.where(two, np.char.add(first, second), np.where(male, own_m, own_f))


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    pools = name_pools()
    return pools.surnames[rng.choice(len(pools.surnames), size=n, p=pools.surname_p)]
