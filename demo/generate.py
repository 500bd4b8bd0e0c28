"""Builds the demo district and writes every department's export plus the ground truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from demo import mentions, render, writers
from demo.pools import noise_rates
from demo.world import World, build_world

AS_OF = {1: dt.date(2026, 9, 30), 2: dt.date(2026, 10, 31)}
INCIDENTS_PER_PERSON = {1: 0.15, 2: 0.025}
INCIDENT_WINDOW_DAYS = {1: 180, 2: 31}
DEPARTMENTS = {
    "housing_occupants": "housing",
    "health_residents": "health",
    "police_residents": "police",
    "police_incidents": "police",
    "civil_affairs_cases": "civil_affairs",
}
NON_INCIDENT = [s for s in DEPARTMENTS if s != "police_incidents"]


@dataclass
class Batch:
    """True records of one batch, per source, and the incidents they mention."""

    world: World
    records: dict[str, pd.DataFrame]
    incidents: pd.DataFrame
    files: dict[str, int] = field(default_factory=dict)


def rng_for(seed: int, *parts: str) -> np.random.Generator:
    """An independent, reproducible stream per purpose, so one change does not shift others."""
    keys = [seed, *(int.from_bytes(p.encode("utf-8")[:8].ljust(8, b"\0"), "little") for p in parts)]
    return np.random.default_rng(keys)


def first_batch(persons: int, seed: int) -> Batch:
    as_of = AS_OF[1]
    world = build_world(rng_for(seed, "world"), persons, as_of)
    rng = rng_for(seed, "records")
    records = {
        "housing_occupants": mentions.housing_records(rng, world),
        "health_residents": mentions.health_records(rng, world),
        "police_residents": mentions.police_residents(rng, world),
        "civil_affairs_cases": mentions.welfare_cases(rng, world),
    }
    count = round(INCIDENTS_PER_PERSON[1] * persons)
    incidents, involved = mentions.incidents(rng, world, count, INCIDENT_WINDOW_DAYS[1])
    records["police_incidents"] = involved
    apply_stale_records(rng_for(seed, "stale"), world, records)
    return Batch(world, records, incidents)


def apply_stale_records(
    rng: np.random.Generator, world: World, records: dict[str, pd.DataFrame]
) -> None:
    """Movers keep their old address, and some people an old phone, at one department."""
    frames = [
        pd.DataFrame(
            {"source": s, "row": np.arange(len(records[s])), "person_id": records[s].person_id}
        )
        for s in NON_INCIDENT
    ]
    mention = pd.concat(frames, ignore_index=True)
    mention = mention.iloc[rng.permutation(len(mention))]
    people = world.people.set_index("person_id")
    for column, target in (("prev_dwelling_id", "dwelling_id"), ("stale_phone", "phone")):
        value = people[column].reindex(mention.person_id).to_numpy()
        chosen = mention[pd.notna(value)].drop_duplicates("person_id")
        stale = people[column].reindex(chosen.person_id).to_numpy()
        for source, rows in chosen.groupby("source").row:
            frame = records[source]
            col = frame.columns.get_loc(target)
            frame.iloc[rows.to_numpy(), col] = stale[(chosen.source == source).to_numpy()]


def render_batch(seed: int, batch: Batch, tag: str) -> dict[str, object]:
    """Each source's export rows (incidents as JSON objects), duplicates included."""
    world, rec = batch.world, batch.records
    rates = noise_rates()["sources"]
    out: dict[str, object] = {}
    renderers = {
        "housing_occupants": render.render_housing,
        "health_residents": render.render_health,
        "police_residents": render.render_police_residents,
        "civil_affairs_cases": render.render_welfare,
    }
    for source, fn in renderers.items():
        rows = fn(rng_for(seed, tag, source), world, rec[source])
        out[source] = render.with_duplicates(
            rng_for(seed, tag, source, "dup"), rows, rates[source]["duplicate"]
        )
    objects = render.render_incidents(
        rng_for(seed, tag, "police_incidents"), world, batch.incidents, rec["police_incidents"]
    )
    picked = render.noise.pick(
        rng_for(seed, tag, "police_incidents", "dup"),
        np.ones(len(objects), bool),
        rates["police_incidents"]["duplicate"],
        len(objects),
    )
    out["police_incidents"] = [
        o for i, o in enumerate(objects) for _ in range(1 + (i in set(picked)))
    ]
    return out


def write_exports(
    ingest: Path,
    rendered: dict[str, object],
    as_of: dt.date,
    on_file: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write every export into `ingest/<department>/`; returns file name → data rows.
    `on_file` hears each file's name as it is written."""
    stamp = f"{as_of:%Y%m}"
    written: dict[str, int] = {}
    for source, rows in rendered.items():
        folder = ingest / DEPARTMENTS[source]
        if source == "housing_occupants":
            assert isinstance(rows, pd.DataFrame)
            path = folder / f"{source}_{stamp}.xlsx"
            people = len(rows)
            writers.write_register_xlsx(
                rows,
                path,
                title=f"朝阳区住房和城乡建设委员会 住户登记表（{render.as_of_label(as_of)}）",
                total=f"共{people}人",
                note=f"制表单位：住房保障科    导出日期：{as_of:%Y-%m-%d}    注：本表仅供内部使用",
                sheet="住户登记",
            )
        elif source == "police_incidents":
            assert isinstance(rows, list)
            path = folder / f"{source}_{stamp}.jsonl"
            writers.write_jsonl(rows, path)
        else:
            assert isinstance(rows, pd.DataFrame)
            encoding = {"health_residents": "gbk", "police_residents": "utf-8-sig"}.get(
                source, "utf-8"
            )
            path = folder / f"{source}_{stamp}.csv"
            writers.write_csv(rows, path, encoding, crlf=source == "health_residents")
        written[str(path.relative_to(ingest))] = len(rows)
        if on_file is not None:
            on_file(str(path.relative_to(ingest)))
    return written
