"""True records per department source: who each record is about and which dwelling it shows.

Each function returns one row per record (per person mention for incidents) holding the
true values; `demo.render` then writes them the way the department would, with noise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demo.people import add_identity
from demo.pools import draw_surnames
from demo.world import World

PERSON_COLUMNS = ["person_id", "name", "id_number", "sex", "birth_date", "age"]


def _record_ids(
    rng: np.random.Generator, prefix: str, n: int, width: int, start: int = 0
) -> list[str]:
    numbers = rng.permutation(n) + start + 1
    return [f"{prefix}{k:0{width}d}" for k in numbers]


def _births(people: pd.DataFrame) -> np.ndarray:
    return pd.to_datetime(people.birth_date).to_numpy().astype("datetime64[D]")


def _base(world: World, people: pd.DataFrame) -> pd.DataFrame:
    out = people[PERSON_COLUMNS].copy()
    out["phone"] = people.contact_phone.to_numpy()
    out["dwelling_id"] = people.dwelling_id.to_numpy()
    out["role"] = "subject"
    return out


def housing_records(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """One row per occupant of each registered household (94 % of households)."""
    registered = world.households.household_id[rng.random(len(world.households)) < 0.94]
    people = world.people[world.people.household_id.isin(registered)]
    out = _base(world, people)
    tenure = world.dwellings.set_index("dwelling_id").tenure.reindex(out.dwelling_id).to_numpy()
    head = people.relation.to_numpy() == "02"
    out["occupant_role"] = np.where(head, np.where(tenure == "OWN", "OWNER", "TENANT"), "FAMILY")
    years = rng.integers(0, 25, len(out)) * 365 + rng.integers(0, 365, len(out))
    move_in = np.datetime64(world.as_of, "D") - years.astype("timedelta64[D]")
    out["move_in_date"] = pd.to_datetime(move_in).date
    out["source_record_id"] = _record_ids(rng, "ZF", len(out), 8)
    return out


def health_records(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Health files: most residents, nearly all the old, ill, disabled, pregnant and young."""
    p = world.people
    priority = (
        (p.age >= 65) | p.chronic_conditions.notna() | p.disability_type.notna() | p.pregnant
    ) | (p.age < 7)
    has_file = rng.random(len(p)) < np.where(priority, 0.98, 0.8)
    people = p[has_file]
    out = _base(world, people)
    for col in [
        "chronic_conditions",
        "disability_type",
        "disability_grade",
        "mobility",
        "medical_equipment",
        "pregnant",
        "due_date",
    ]:
        out[col] = people[col].to_numpy()
    visit = rng.integers(1, 400, len(out)).astype("timedelta64[D]")
    # An infant is visited after birth, never before.
    visited = np.maximum(np.datetime64(world.as_of, "D") - visit, _births(people))
    out["last_visit_date"] = pd.to_datetime(visited).date
    out["source_record_id"] = _record_ids(rng, "JK110105", len(out), 7)
    return out


def police_residents(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Residence registrations: 97 % of residents, permanent or temporary."""
    p = world.people
    people = p[rng.random(len(p)) < 0.97]
    out = _base(world, people)
    tenure = world.dwellings.set_index("dwelling_id").tenure.reindex(out.dwelling_id).to_numpy()
    temporary = rng.random(len(out)) < np.where(tenure == "OWN", 0.06, 0.55)
    house_temp = pd.Series(temporary).groupby(people.household_id.to_numpy()).transform("first")
    out["registration_type"] = np.where(house_temp.to_numpy(), "LD", "HJ")
    house_no = {
        h: f"{i + 1:09d}" for i, h in enumerate(rng.permutation(people.household_id.unique()))
    }
    out["household_no"] = [house_no[h] for h in people.household_id]
    out["relation_to_head"] = people.relation.to_numpy()
    years = np.minimum(people.age.to_numpy(), rng.integers(0, 30, len(out)))
    reg = np.datetime64(world.as_of, "D") - (years * 365 + rng.integers(0, 365, len(out))).astype(
        "timedelta64[D]"
    )
    out["registered_on"] = pd.to_datetime(np.maximum(reg, _births(people))).date
    out["deregistered_on"] = None
    out["source_record_id"] = _record_ids(rng, "DJ", len(out), 9)
    return out


def welfare_cases(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """One row per case: allowances and care programmes for those who qualify."""
    p = world.people
    n = len(p)
    roll = rng.random((n, 4))
    head = p.relation.to_numpy() == "02"
    alone = p.lives_alone.to_numpy()
    age = p.age.to_numpy()
    severe = p.disability_grade.between(1, 2).to_numpy()
    disabled = p.disability_type.notna().to_numpy()
    poor = p.low_income.to_numpy() & head
    tekun = poor & alone & (age >= 60) & (roll[:, 0] < 0.2)
    kinds = {
        "DIBAO": poor & ~tekun,
        "TEKUN": tekun,
        "DUJU": alone & (age >= 65) & (roll[:, 1] < 0.8),
        "CANBU": (severe & (roll[:, 2] < 0.7)) | (disabled & p.low_income.to_numpy()),
        "GAOLING": (age >= 80) & (roll[:, 3] < 0.85),
    }
    frames = []
    for kind, mask in kinds.items():
        part = _base(world, p[mask])
        part["case_type"] = kind
        part["lives_alone"] = alone[mask]
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    m = len(out)
    start = np.datetime64(world.as_of, "D") - rng.integers(30, 8 * 365, m).astype("timedelta64[D]")
    out["start_date"] = pd.to_datetime(start).date
    closed = rng.random(m) < 0.08
    end = start + rng.integers(30, 700, m).astype("timedelta64[D]")
    end = np.minimum(end, np.datetime64(world.as_of, "D"))
    out["end_date"] = np.where(closed, pd.to_datetime(end).date, None)
    out["status"] = np.where(closed, "CLOSED", "ACTIVE")
    amount = {"DIBAO": 1320.0, "TEKUN": 1716.0, "DUJU": 200.0, "CANBU": 300.0, "GAOLING": 100.0}
    out["monthly_amount"] = out.case_type.map(amount).to_numpy()
    out["source_record_id"] = _record_ids(rng, f"MZ{world.as_of.year}", m, 6)
    return out


ROLE_PLANS = {
    "FIRE": ["REP", "VIC"],
    "GAS": ["REP"],
    "FALL": ["REP", "VIC"],
    "MED": ["REP", "VIC"],
    "DISP": ["PAR", "PAR"],
    "DOM": ["REP", "PAR"],
    "THEFT": ["VIC", "WIT", "SUS"],
    "FRAUD": ["VIC"],
    "NOISE": ["REP", "PAR"],
    "MISS": ["REP", "VIC"],
    "FLOOD": ["REP", "PAR"],
}
TYPE_P = {
    "FIRE": 0.03,
    "GAS": 0.04,
    "FALL": 0.1,
    "MED": 0.12,
    "DISP": 0.14,
    "DOM": 0.06,
    "THEFT": 0.1,
    "FRAUD": 0.1,
    "NOISE": 0.16,
    "MISS": 0.03,
    "FLOOD": 0.12,
}


def incidents(
    rng: np.random.Generator, world: World, count: int, days: int, first_seq: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Incidents at residents' homes in the last `days` days, and one row per involved person.

    Household members, neighbours from the same building and outsiders (people who do not
    live in the district) are involved. A mention's dwelling is the incident's dwelling.
    """
    p = world.people
    types = rng.choice(list(TYPE_P), size=count, p=np.array(list(TYPE_P.values())))
    home = rng.choice(len(world.households), size=count)
    when = np.datetime64(dt.datetime.combine(world.as_of, dt.time(23, 59)), "m") - rng.integers(
        0, days * 24 * 60, count
    ).astype("timedelta64[m]")
    day = pd.to_datetime(when).strftime("%Y%m%d").to_numpy()
    ids = [f"JQ{d}{first_seq + i + 1:06d}" for i, d in enumerate(day)]
    incident = pd.DataFrame(
        {
            "incident_id": ids,
            "incident_type": types,
            "occurred_at": pd.to_datetime(when).to_pydatetime(),
            "dwelling_id": world.households.dwelling_id.to_numpy()[home],
        }
    )
    members = p.groupby("household_id").indices
    building_of = world.dwellings.set_index("dwelling_id").building_id
    p_building = building_of.reindex(p.dwelling_id).to_numpy()
    by_building = pd.Series(np.arange(len(p))).groupby(p_building).apply(np.array)
    rows = []
    outsiders = 0
    for i in range(count):
        house = members.get(world.households.household_id.iat[home[i]], np.array([], dtype=int))
        neighbours = by_building.get(building_of.at[incident.dwelling_id.iat[i]])
        for n, role in enumerate(ROLE_PLANS[types[i]]):
            pick = rng.random()
            if role == "SUS" or (pick < 0.1 and n > 0):
                rows.append((ids[i], n + 1, role, -1 - outsiders))
                outsiders += 1
            elif (role == "PAR" and n > 0 and types[i] in ("DISP", "NOISE", "FLOOD")) or not len(
                house
            ):
                if neighbours is not None and len(neighbours):
                    rows.append((ids[i], n + 1, role, int(rng.choice(neighbours))))
            else:
                rows.append((ids[i], n + 1, role, int(rng.choice(house))))
    frame = pd.DataFrame(rows, columns=["incident_id", "seq", "role", "ix"])
    frame = frame.drop_duplicates(["incident_id", "ix"]).reset_index(drop=True)
    frame["seq"] = frame.groupby("incident_id").cumcount() + 1
    return incident, _involved(rng, world, frame, incident)


def _involved(
    rng: np.random.Generator, world: World, frame: pd.DataFrame, incident: pd.DataFrame
) -> pd.DataFrame:
    resident = frame.ix.to_numpy() >= 0
    people = world.people.iloc[frame.ix.to_numpy()[resident]]
    out = pd.DataFrame(index=frame.index, columns=[*PERSON_COLUMNS, "phone"], dtype=object)
    out.loc[resident, PERSON_COLUMNS] = people[PERSON_COLUMNS].to_numpy()
    out.loc[resident, "phone"] = people.contact_phone.to_numpy()
    k = int((~resident).sum())
    if k:
        strangers = _outsiders(rng, k, world.as_of, world.people.id_number)
        out.loc[~resident, PERSON_COLUMNS] = strangers[PERSON_COLUMNS].to_numpy()
        out.loc[~resident, "phone"] = strangers.phone.to_numpy()
    out["role"] = frame.role.to_numpy()
    out["incident_id"] = frame.incident_id.to_numpy()
    out["source_record_id"] = (frame.incident_id + "#" + frame.seq.astype(str)).to_numpy()
    # An outsider is seen once; their true ID is derived from the mention.
    out.loc[~resident, "person_id"] = "X" + out.source_record_id[~resident]
    where = incident.set_index("incident_id").dwelling_id
    out["dwelling_id"] = where.reindex(out.incident_id).to_numpy()
    return out


def _outsiders(rng: np.random.Generator, k: int, as_of: dt.date, taken: pd.Series) -> pd.DataFrame:
    """People from outside the district, with identities drawn like residents'."""
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 70, k),
            "male": rng.random(k) < 0.6,
            "surname": draw_surnames(rng, k),
        }
    )
    return add_identity(rng, frame, as_of, taken=taken)
