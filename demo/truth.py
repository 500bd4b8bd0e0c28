"""Ground truth for evaluation: who every record really is, and where it really points."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from demo.world import World

MENTION_COLUMNS = [
    "department",
    "source",
    "source_record_id",
    "role",
    "true_person_id",
    "true_dwelling_id",
]


def mention_rows(records: dict[str, pd.DataFrame], departments: dict[str, str]) -> pd.DataFrame:
    frames = []
    for source, rec in records.items():
        frames.append(
            pd.DataFrame(
                {
                    "department": departments[source],
                    "source": source,
                    "source_record_id": rec.source_record_id.to_numpy(),
                    "role": rec.role.to_numpy(),
                    "true_person_id": rec.person_id.to_numpy(),
                    "true_dwelling_id": rec.dwelling_id.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[MENTION_COLUMNS]


def _joined(values: pd.Series) -> list[str]:
    return ["|".join(v) if isinstance(v, list) else "" for v in values]


def _flag(people: pd.DataFrame, column: str) -> pd.Series:
    """A marker column that people born or arrived after the first month do not have."""
    if column not in people:
        return pd.Series(False, index=people.index)
    return people[column].astype("boolean").fillna(False).astype(bool)


def people_rows(world: World, outsiders: pd.DataFrame) -> pd.DataFrame:
    p = world.people
    power = {"O2C", "VENT", "PD", "SUCT", "BED"}
    out = pd.DataFrame(
        {
            "true_person_id": p.person_id,
            "name": p.name,
            "id_number": p.id_number,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "phone": p.contact_phone,
            "household_id": p.household_id,
            "dwelling_id": p.dwelling_id,
            "relation_to_head": p.relation,
            "resident": True,
            "moved_from_dwelling_id": p.prev_dwelling_id,
            "disability_type": p.disability_type,
            "disability_grade": p.disability_grade.replace(0, np.nan).astype("Int64"),
            "chronic_conditions": _joined(p.chronic_conditions),
            "mobility": p.mobility,
            "medical_equipment": _joined(p.medical_equipment),
            "power_dependent": [
                bool(isinstance(v, list) and power & set(v)) for v in p.medical_equipment
            ],
            "pregnant": p.pregnant,
            "lives_alone": p.lives_alone,
            "low_income": p.low_income,
            "homonym": p.homonym,
            "twin": _flag(p, "twin"),
            "namesake": _flag(p, "namesake"),
            "death_date": p.get("death_date", pd.Series([None] * len(p))),
        }
    )
    if len(outsiders):
        extra = pd.DataFrame(
            {
                "true_person_id": outsiders.person_id,
                "name": outsiders.name,
                "id_number": outsiders.id_number,
                "sex": outsiders.sex,
                "birth_date": outsiders.birth_date,
                "phone": outsiders.phone,
                "resident": False,
            }
        )
        out = pd.concat([out, extra], ignore_index=True)
    return out


def write_truth(
    folder: Path,
    world: World,
    mentions: pd.DataFrame,
    outsiders: pd.DataFrame,
    meta: dict,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    mentions.to_csv(folder / "persons.csv", index=False, lineterminator="\n")
    people_rows(world, outsiders).to_csv(folder / "people.csv", index=False, lineterminator="\n")
    world.dwellings.to_csv(folder / "dwellings.csv", index=False, lineterminator="\n")
    buildings = world.buildings.drop(columns=["units", "rooms_per_floor"])
    buildings.to_csv(folder / "buildings.csv", index=False, lineterminator="\n")
    (folder / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def spreadsheet_damage(rendered: dict[str, object]) -> pd.DataFrame:
    """The records whose export holds a number of more than 15 digits in a number cell
    (an ID number Excel kept 15 digits of), by source and record ID (the first column)."""
    frames = []
    for source, rows in rendered.items():
        if not isinstance(rows, pd.DataFrame):
            continue
        for column in rows.columns[1:]:
            cells = rows[column]
            damaged = cells.map(lambda v: isinstance(v, float) and abs(v) >= 1e15).to_numpy(bool)
            if damaged.any():
                frames.append(
                    pd.DataFrame(
                        {
                            "source": source,
                            "source_record_id": rows.iloc[damaged, 0].to_numpy(),
                            "column": column,
                            "cell": cells[damaged].map(repr).to_numpy(),
                        }
                    )
                )
    columns = ["source", "source_record_id", "column", "cell"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).drop_duplicates(["source", "source_record_id"])


def write_spreadsheet_damage(folder: Path, rendered: dict[str, object]) -> None:
    """`spreadsheet_ids.csv`: ground truth of the ID numbers damaged by a spreadsheet."""
    folder.mkdir(parents=True, exist_ok=True)
    spreadsheet_damage(rendered).to_csv(
        folder / "spreadsheet_ids.csv", index=False, lineterminator="\n"
    )
