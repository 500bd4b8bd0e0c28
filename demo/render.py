"""Writes true records the way each department really exports them, with noise.

Each `render_*` function takes the true records of one source and returns the rows
of its export (headers in the department's own language) ready for `demo.writers`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from demo import noise
from demo.places import CITY, DISTRICT
from demo.pools import cn_number, noise_rates
from demo.world import World
from schemas.code_tables import code_table

DateFormat = Callable[[int, int, int], str]


def label(table: str) -> dict[str, str]:
    return {c.code: c.label for c in code_table(table).codes}


def _places(world: World, dwelling_ids: pd.Series) -> pd.DataFrame:
    d = world.dwellings.set_index("dwelling_id").reindex(dwelling_ids)
    b = world.buildings.set_index("building_id").reindex(d.building_id)
    return pd.DataFrame(
        {
            "street": b.street.to_numpy(),
            "community": b.community.to_numpy(),
            "b": b.building_no.to_numpy(),
            "u": d.unit_no.to_numpy(),
            "r": d.room_no.to_numpy(),
            "building_id": d.building_id.to_numpy(),
        }
    )


def _choose_forms(rng: np.random.Generator, forms: dict[str, float], n: int) -> np.ndarray:
    keys = list(forms)
    weights = np.array([forms[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=weights / weights.sum())]


def _traditional() -> dict[int, str]:
    """Simplified → traditional for the place words the demo writes (noise.yaml)."""
    chars = noise_rates()["traditional_chars"]
    return str.maketrans(chars["simplified"], chars["traditional"])


def _community_forms(community: str) -> dict[str, str]:
    """A community as departments write it: whole, without 社区, with a space, traditional."""
    bare = community.removesuffix("社区")
    return {
        "community": community,
        "community_bare": bare,
        "community_spaced": f"{bare} 社区",
        "community_trad": community.translate(_traditional()),
    }


def addresses(rng: np.random.Generator, places: pd.DataFrame, forms: dict[str, float]) -> list[str]:
    """Full address text in the forms a department uses (三号楼 / 3栋 / 3-2-301 / 翠苑一区
    3幢1单元101室 / 学院路 社区 2-1-101 / 社區5號樓 ...)."""
    chosen = _choose_forms(rng, forms, len(places))
    out = []
    for form, street, community, b, u, r in zip(
        chosen, places.street, places.community, places.b, places.u, places.r, strict=True
    ):
        prefix = CITY + DISTRICT if rng.random() < 0.15 else DISTRICT
        out.append(
            form.format(
                city=CITY,
                district=prefix,
                street=street,
                b=b,
                bcn=cn_number(int(b)),
                u=u,
                ucn=cn_number(int(u)),
                r=r,
                **_community_forms(community),
            )
        )
    return out


def _dates(values: pd.Series, fmt: DateFormat, bad: dict[int, tuple[int, int, int]]) -> list[str]:
    out = []
    for i, day in enumerate(values):
        if i in bad:
            out.append(fmt(*bad[i]))
        elif day is None or day != day:
            out.append("")
        else:
            out.append(fmt(day.year, day.month, day.day))
    return out


def iso(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def chinese(y: int, m: int, d: int) -> str:
    return f"{y}年{m}月{d}日"


def slashes(y: int, m: int, d: int) -> str:
    return f"{y}/{m}/{d}"


def compact(y: int, m: int, d: int) -> str:
    return f"{y:04d}{m:02d}{d:02d}"


def _person_columns(
    rng: np.random.Generator,
    records: pd.DataFrame,
    rates: dict,
    date_fmt: DateFormat,
    has_birth_date: bool = True,
) -> dict[str, list]:
    """Name, ID number, birth date and phone with the source's noise."""
    n = len(records)
    ids = records.id_number.to_numpy().astype(str)
    valid18 = np.array([len(v) == 18 for v in ids])
    invalid = noise.pick(rng, valid18, rates["invalid"], n)
    if has_birth_date:
        bad_dates = invalid[: len(invalid) // 2]
        bad_ids = invalid[len(invalid) // 2 :]
    else:
        bad_dates, bad_ids = invalid[:0], invalid
    births = records.birth_date.to_numpy()
    years = np.array([d.year for d in births])
    bad = {int(i): noise.impossible_date(rng, births[i]) for i in bad_dates}
    out = {
        "name": list(noise.names(rng, records.name.to_numpy(), rates)),
        "id_number": list(noise.id_numbers(rng, ids, years, rates, bad_ids)),
        "phone": list(noise.phones(rng, records.phone.to_numpy(), rates)),
    }
    if has_birth_date:
        out["birth_date"] = _dates(records.birth_date, date_fmt, bad)
    return out


def render_housing(rng: np.random.Generator, world: World, records: pd.DataFrame) -> pd.DataFrame:
    rates = noise_rates()["sources"]["housing_occupants"]
    people = _person_columns(rng, records, rates, iso)
    places = _places(world, records.dwelling_id)
    n = len(records)
    building = world.buildings.set_index("building_id").reindex(places.building_id)
    dwelling = world.dwellings.set_index("dwelling_id").reindex(records.dwelling_id)
    b_forms = _choose_forms(rng, rates["building_forms"], n)
    u_forms = _choose_forms(rng, rates["unit_forms"], n)
    births = [_excel_cell(rng, v) for v in people["birth_date"]]
    sex = records.sex.map({"1": "男", "2": "女"}).to_numpy().astype(object)
    # Some registers only list who lives in a dwelling: of the rows without an ID number,
    # some have no birth date or sex either (a name, a phone and the home).
    no_id = np.array([v == "" for v in people["id_number"]])
    for i in noise.pick(rng, no_id, rates["bare"], n):
        sex[i], births[i] = "", ""
    out = pd.DataFrame(
        {
            "登记编号": records.source_record_id.to_numpy(),
            "姓名": people["name"],
            "性别": sex,
            "出生日期": births,
            "身份证号码": people["id_number"],
            "联系电话": people["phone"],
            "街道": places.street.to_numpy(),
            "社区": places.community.to_numpy(),
            "楼栋": [
                f.format(n=b, cn=cn_number(int(b))) for f, b in zip(b_forms, places.b, strict=True)
            ],
            "单元": [
                f.format(n=u, cn=cn_number(int(u))) for f, u in zip(u_forms, places.u, strict=True)
            ],
            "房号": places.r.astype(str).to_numpy(),
            "居住类型": records.occupant_role.map(label("occupant_role")).to_numpy(),
            "入住日期": records.move_in_date.to_numpy(),
            "建筑面积(㎡)": dwelling.area_m2.to_numpy(),
            "房屋性质": dwelling.tenure.map(label("tenure")).to_numpy(),
            "建成年份": building.year_built.to_numpy(),
            "房屋结构": building.structure.map(label("building_structure")).to_numpy(),
            "总层数": building.floors.to_numpy(),
            "有无电梯": np.where(building.has_elevator.to_numpy(), "有", "无"),
            "安全等级": building.condition.map(label("building_condition")).to_numpy(),
        }
    )
    # Last, so that adding it left every other draw of this export as it was.
    out["身份证号码"] = noise.spreadsheet_ids(rng, list(out["身份证号码"]), rates["id_spreadsheet"])
    return out


def _excel_cell(rng: np.random.Generator, text: str) -> str | dt.date:
    """Most registers hold real date cells; some clerks typed text, with dots or dashes."""
    roll = rng.random()
    if roll < 0.1:
        return text.replace("-", ".")
    if roll < 0.4:
        return text
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _joined(values: pd.Series, table: str, sep: str) -> list[str]:
    names = label(table)
    return [sep.join(names[c] for c in v) if isinstance(v, list) else "" for v in values]


def render_health(rng: np.random.Generator, world: World, records: pd.DataFrame) -> pd.DataFrame:
    rates = noise_rates()["sources"]["health_residents"]
    people = _person_columns(rng, records, rates, chinese)
    places = _places(world, records.dwelling_id)
    grade = records.disability_grade.to_numpy()
    return pd.DataFrame(
        {
            "档案编号": records.source_record_id.to_numpy(),
            "姓名": people["name"],
            "性别": records.sex.map({"1": "男", "2": "女"}).to_numpy(),
            "出生日期": people["birth_date"],
            "身份证号": people["id_number"],
            "联系电话": people["phone"],
            "现住址": addresses(rng, places, rates["address_forms"]),
            "慢病类型": _joined(records.chronic_conditions, "chronic_condition", "、"),
            "残疾类别": records.disability_type.map(label("disability_type")).fillna("").to_numpy(),
            "残疾等级": [f"{cn_number(int(g))}级" if g else "" for g in grade],
            "行动能力": records.mobility.map(label("mobility")).to_numpy(),
            "家用医疗设备": _joined(records.medical_equipment, "medical_equipment", "、"),
            "孕产妇": np.where(records.pregnant.to_numpy().astype(bool), "是", "否"),
            "预产期": _dates(records.due_date, chinese, {}),
            "末次随访日期": _dates(records.last_visit_date, chinese, {}),
        }
    )


def render_police_residents(
    rng: np.random.Generator, world: World, records: pd.DataFrame
) -> pd.DataFrame:
    rates = noise_rates()["sources"]["police_residents"]
    people = _person_columns(rng, records, rates, iso)
    places = _places(world, records.dwelling_id)
    return pd.DataFrame(
        {
            "登记编号": records.source_record_id.to_numpy(),
            "户号": records.household_no.to_numpy(),
            "姓名": people["name"],
            "性别": records.sex.map({"1": "男", "2": "女"}).to_numpy(),
            "出生日期": people["birth_date"],
            "公民身份号码": people["id_number"],
            "与户主关系": records.relation_to_head.map(label("relation_to_head")).to_numpy(),
            "人口类型": records.registration_type.map(label("registration_type")).to_numpy(),
            "联系电话": people["phone"],
            "居住地址": addresses(rng, places, rates["address_forms"]),
            "登记日期": _dates(records.registered_on, compact, {}),
            "注销日期": _dates(records.deregistered_on, compact, {}),
        }
    )


def render_welfare(rng: np.random.Generator, world: World, records: pd.DataFrame) -> pd.DataFrame:
    rates = noise_rates()["sources"]["civil_affairs_cases"]
    people = _person_columns(rng, records, rates, slashes)
    serial_rows = set(
        noise.pick(
            rng, np.ones(len(records), bool), rates["excel_serial_dates"], len(records)
        ).tolist()
    )
    births = [
        noise.excel_serial(d)
        if i in serial_rows and people["birth_date"][i]
        else people["birth_date"][i]
        for i, d in enumerate(records.birth_date)
    ]
    places = _places(world, records.dwelling_id)
    sex = np.where(
        rng.random(len(records)) < 0.5, records.sex.map({"1": "M", "2": "F"}), records.sex
    )
    return pd.DataFrame(
        {
            "case_no": records.source_record_id.to_numpy(),
            "xingming": people["name"],
            "xingbie": sex,
            "chusheng_riqi": births,
            "shenfenzheng_hao": people["id_number"],
            "lianxi_dianhua": people["phone"],
            "jiating_zhuzhi": addresses(rng, places, rates["address_forms"]),
            "case_type": records.case_type.map(label("welfare_case_type")).to_numpy(),
            "zhuangtai": records.status.map(label("case_status")).to_numpy(),
            "start_date": _dates(records.start_date, slashes, {}),
            "end_date": _dates(records.end_date, slashes, {}),
            "monthly_amount": records.monthly_amount.map(lambda v: f"{v:.2f}").to_numpy(),
            "lives_alone": np.where(records.lives_alone.to_numpy().astype(bool), "Y", "N"),
        }
    )


def render_incidents(
    rng: np.random.Generator, world: World, incidents: pd.DataFrame, involved: pd.DataFrame
) -> list[dict]:
    """One JSON object per incident with its involved persons nested, in file order."""
    rates = noise_rates()["sources"]["police_incidents"]
    people = _person_columns(rng, involved, rates, iso, has_birth_date=False)
    places = _places(world, incidents.dwelling_id)
    where = addresses(rng, places, rates["address_forms"])
    types = label("incident_type")
    roles = label("incident_role")
    grids = world.buildings.set_index("building_id").grid_id.reindex(places.building_id).to_numpy()
    persons: dict[str, list[dict]] = {}
    for i, incident_id in enumerate(involved.incident_id):
        persons.setdefault(incident_id, []).append(
            {
                "姓名": people["name"][i],
                "性别": {"1": "男", "2": "女"}[involved.sex.iat[i]],
                "身份证号": people["id_number"][i],
                "联系电话": people["phone"][i],
                "身份": roles[involved.role.iat[i]],
            }
        )
    out = []
    for i, row in enumerate(incidents.itertuples(index=False)):
        out.append(
            {
                "警情编号": row.incident_id,
                "警情类别": types[row.incident_type],
                "发生时间": row.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                "发生地址": where[i],
                "所属网格": grids[i],
                "简要案情": f"{types[row.incident_type]}，出警处置完毕。",
                "涉及人员": persons.get(row.incident_id, []),
            }
        )
    return out


def with_duplicates(rng: np.random.Generator, rows: pd.DataFrame, rate: float) -> pd.DataFrame:
    """Exact copies of some rows placed right after their originals, as re-exports do."""
    dup = noise.pick(rng, np.ones(len(rows), bool), rate, len(rows))
    order = np.sort(np.concatenate([np.arange(len(rows)), dup]), kind="stable")
    return rows.iloc[order].reset_index(drop=True)


def as_of_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"
