"""A second fixture district, written without demo/: a Hangzhou-like 西湖区 whose four
departments export in their own layouts, spellings and damage.

The linking code was tuned on demo/ only; this district draws its people, names,
households and addresses from its own pools (quirks.yaml) and renders them the way
other real exports do (a workbook with numeric ID cells, a GBK CSV, a UTF-8 CSV, a JSON
array), so a score here says whether the code generalises. Everything is seeded:
the same (persons, seed) writes the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
QUIRKS = yaml.safe_load((HERE / "quirks.yaml").read_text(encoding="utf-8"))
CONTRACTS = HERE / "contracts"
AS_OF = dt.date(2026, 11, 30)
PERIOD = "202611"
FILES = {
    "housing": f"西湖区房屋租住登记{PERIOD}.xlsx",
    "health": f"西湖区居民健康信息{PERIOD}.csv",
    "police": f"西湖区户籍人员{PERIOD}.csv",
    "civil_affairs": f"西湖区救助对象{PERIOD}.json",
}
SOURCES = {
    "housing": "xh_housing_register",
    "health": "xh_health_files",
    "police": "xh_hukou",
    "civil_affairs": "xh_welfare",
}
MENTION_COLUMNS = [  # what warehouse/linking/evaluate.py joins on and scores
    "department",
    "source",
    "source_record_id",
    "role",
    "true_person_id",
    "true_dwelling_id",
]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass
class Person:
    person_id: str
    name: str
    sex: str  # "1" male, "2" female
    birth: dt.date
    id_number: str
    household: int
    dwelling: str
    relation: str  # the police station's word: 本人, 配偶, 子, 女, 父亲, 母亲, 孙子, 孙女, 其他
    mobile: str | None
    landline: str | None
    renter: bool
    oxygen: bool = False
    ventilator: bool = False
    disabled: bool = False

    @property
    def age(self) -> int:
        return (AS_OF - self.birth).days // 365

    @property
    def power_dependent(self) -> bool:
        return self.oxygen or self.ventilator


@dataclass
class Dwelling:
    dwelling_id: str
    building_id: str
    street: str
    community: int  # index into QUIRKS["communities"]
    building: int
    unit: int
    room: int
    floors: int
    elevator: bool


@dataclass
class District:
    people: list[Person] = field(default_factory=list)
    dwellings: dict[str, Dwelling] = field(default_factory=dict)
    truth: list[dict[str, str]] = field(default_factory=list)  # one row per record written
    files: dict[str, Path] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)  # department: rows set aside


def _weighted(rng: random.Random, table: dict[str, float]) -> str:
    keys = list(table)
    return rng.choices(keys, weights=[float(table[k]) for k in keys])[0]


def _id_number(rng: random.Random, birth: dt.date, sex: str, used: set[str]) -> str:
    """A checksum-valid GB 11643 number: birth place, birth date, sequence, check digit."""
    while True:
        place = _weighted(rng, QUIRKS["birth_places"])
        seq = rng.randrange(0, 100) * 10 + (
            rng.randrange(1, 10, 2) if sex == "1" else rng.randrange(0, 10, 2)
        )
        body = f"{place}{birth:%Y%m%d}{seq:03d}"
        check = ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        if body + check not in used:
            used.add(body + check)
            return body + check


def _birth(rng: random.Random, low: int, high: int) -> dt.date:
    """Someone aged between low and high on AS_OF."""
    days = rng.randrange(low * 365 + 1, high * 365 + 364)
    return AS_OF - dt.timedelta(days=days)


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self) -> str:
        return _weighted(self.rng, QUIRKS["surnames"])

    def given(self, sex: str) -> str:
        pool = QUIRKS["given_male" if sex == "1" else "given_female"]
        if self.rng.random() < QUIRKS["two_character_names"]:
            return self.rng.choice(pool)
        return self.rng.choice(pool) + self.rng.choice(pool)


def _buildings(rng: random.Random, community: int, households: int) -> list[Dwelling]:
    """Enough buildings in one community for `households` at the configured occupancy."""
    spec = QUIRKS["communities"][community]
    kinds = QUIRKS["buildings"]
    out: list[Dwelling] = []
    number = 0
    while len(out) * QUIRKS["occupancy"] < households:
        number += 1
        kind = kinds["walkup"] if rng.random() < kinds["walkup"]["share"] else kinds["tower"]
        floors, units = rng.choice(kind["floors"]), rng.choice(kind["units"])
        building_id = f"B{community}-{number}"
        for unit in range(1, units + 1):
            for floor in range(1, floors + 1):
                for r in range(1, kind["rooms_per_floor"] + 1):
                    room = floor * 100 + r
                    out.append(
                        Dwelling(
                            f"D{community}-{number}-{unit}-{room}",
                            building_id,
                            spec["street"],
                            community,
                            number,
                            unit,
                            room,
                            floors,
                            kind["elevator"],
                        )
                    )
    return out


def _phone(rng: random.Random, mobile: bool) -> str:
    if mobile:
        return rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randrange(0, 10**9):09d}"
    return f"{QUIRKS['city']['area_code']}-8{rng.randrange(0, 10**7):07d}"


def _members(
    rng: random.Random, names: _Names, kind: str, cousin: Person | None
) -> list[tuple[str, str, dt.date, str]]:
    """(name, sex, birth date, relation to the head) of one household of `kind`; a
    family with a `cousin` nearby names its first child after the same grandparent."""
    members: list[tuple[str, str, dt.date, str]] = []
    surname = cousin.name[0] if cousin else names.surname()

    def add(sex: str, birth: dt.date, relation: str, name: str | None = None) -> None:
        members.append((name or surname + names.given(sex), sex, birth, relation))

    head_sex = rng.choice("12")
    other = "2" if head_sex == "1" else "1"
    spouse_surname = names.surname()
    if kind == "elderly_alone":
        add(head_sex, _birth(rng, 66, 95), "本人")
    elif kind == "elderly_couple":
        add(head_sex, _birth(rng, 62, 90), "本人")
        add(other, _birth(rng, 60, 88), "配偶", spouse_surname + names.given(other))
    elif kind == "couple":
        add(head_sex, _birth(rng, 25, 60), "本人")
        add(other, _birth(rng, 24, 58), "配偶", spouse_surname + names.given(other))
    elif kind == "renters":
        for _ in range(rng.choice([2, 3])):
            sex = rng.choice("12")
            members.append((names.surname() + names.given(sex), sex, _birth(rng, 20, 36), "其他"))
    else:  # family, three_generations, twins: a couple and children
        head_birth = _birth(rng, 32, 52)
        add("1", head_birth, "本人")
        add(
            "2",
            head_birth + dt.timedelta(days=rng.randrange(-1500, 1500)),
            "配偶",
            spouse_surname + names.given("2"),
        )
        kids = 2 if kind == "twins" else rng.choice([1, 1, 2])
        kid_birth = _birth(rng, 1, 22)
        for k in range(kids):
            sex = rng.choice("12")
            birth = kid_birth if kind == "twins" else _birth(rng, 1, 22)
            name = None
            if kind == "twins" and k == 1:
                # Twins share the first given character: 俞浩然 and 俞浩宇.
                first = members[-1][0][len(surname)]
                name = surname + first + names.given(sex)[-1]
            elif cousin is not None and k == 0:
                name, sex = cousin.name, cousin.sex
                birth = cousin.birth + dt.timedelta(days=rng.randrange(-900, 900))
                birth = min(birth, AS_OF - dt.timedelta(days=30))
            add(sex, birth, "子" if sex == "1" else "女", name)
        if kind == "three_generations":
            add("1", _birth(rng, 66, 90), "父亲", surname + names.given("1"))
            if rng.random() < 0.7:
                add("2", _birth(rng, 64, 88), "母亲", names.surname() + names.given("2"))
    return members


def _people(rng: random.Random, persons: int) -> District:
    """Households of the configured kinds in as many communities as `persons` needs."""
    district = District()
    names = _Names(rng)
    used: set[str] = set()
    per = QUIRKS["residents_per_community"]
    communities = max(1, min(len(QUIRKS["communities"]), round(persons / per)))
    household = 0
    mob = QUIRKS["mobile"]
    for community in range(communities):
        target = persons // communities
        # About 2.5 residents per household: enough dwellings for target / 2.3.
        pool = _buildings(rng, community, int(target / 2.3))
        free = pool[:]
        rng.shuffle(free)
        for d in pool:
            district.dwellings[d.dwelling_id] = d
        start = len(district.people)
        cousins: list[Person] = []
        while len(district.people) - start < target and free:
            household += 1
            dwelling = free.pop()
            kind = _weighted(rng, QUIRKS["households"])
            landline = _phone(rng, False) if rng.random() < QUIRKS["landline"] else None
            cousin = None
            if kind in ("family", "three_generations") and cousins and rng.random() < 0.25:
                cousin = cousins.pop()  # a cousin nearby bears the same full name
            members = _members(rng, names, kind, cousin)
            for name, sex, birth, relation in members:
                age = (AS_OF - birth).days // 365
                group = "child" if age < 16 else "elderly" if age >= 65 else "adult"
                elderly = age >= 65
                eq = QUIRKS["equipment"]
                person = Person(
                    person_id=f"P{len(district.people) + 1:06d}",
                    name=name,
                    sex=sex,
                    birth=birth,
                    id_number=_id_number(rng, birth, sex, used),
                    household=household,
                    dwelling=dwelling.dwelling_id,
                    relation=relation,
                    mobile=_phone(rng, True) if rng.random() < mob[group] else None,
                    landline=landline,
                    renter=kind == "renters",
                    oxygen=rng.random() < eq["oxygen"]["elderly" if elderly else "other"],
                    ventilator=rng.random() < eq["ventilator"]["elderly" if elderly else "other"],
                    disabled=rng.random() < QUIRKS["disability"]["elderly" if elderly else "other"],
                )
                district.people.append(person)
                if group == "child" and rng.random() < QUIRKS["same_named_cousins"]:
                    cousins.append(person)
    return district


# --- rendering ---------------------------------------------------------------------


def _chars(pairs: list[str]) -> dict[str, str]:
    """Each character of a group → the others of its group."""
    out: dict[str, str] = {}
    for group in pairs:
        for c in group:
            out[c] = group.replace(c, "")
    return out


HOMOPHONES = _chars(QUIRKS["homophones"])
LOOKALIKES = _chars(QUIRKS["lookalikes"])
TRADITIONAL: dict[str, str] = QUIRKS["traditional"]


def _name(rng: random.Random, name: str) -> str:
    """The name as one clerk typed it: now and then traditional, a homophone or a typo."""
    q = QUIRKS["name_quirks"]
    roll = rng.random()
    if roll < q["traditional"]:
        written = "".join(TRADITIONAL.get(c, c) for c in name)
        if written != name:
            return written
    elif roll < q["traditional"] + q["homophone"]:
        at = rng.randrange(1, len(name))
        if name[at] in HOMOPHONES:
            return name[:at] + rng.choice(HOMOPHONES[name[at]]) + name[at + 1 :]
    elif roll < q["traditional"] + q["homophone"] + q["typo"]:
        at = rng.randrange(1, len(name))
        pool = QUIRKS["given_male"] + QUIRKS["given_female"]
        typo = rng.choice(LOOKALIKES.get(name[at], "") or "".join(pool))
        if typo != name[at]:
            return name[:at] + typo + name[at + 1 :]
    return name


def _address(rng: random.Random, department: str, d: Dwelling) -> str:
    form = _weighted(rng, QUIRKS["address_mix"][department])
    spec, city = QUIRKS["communities"][d.community], QUIRKS["city"]
    trad = form == "traditional"
    street = QUIRKS["street_trad"][d.street] if trad else d.street
    return QUIRKS["address_forms"][form].format(
        P=city["province"] if rng.random() < 0.5 else "",
        D=city["city"] + (city["district_trad"] if trad else city["district"]),
        d=city["district"],
        s=street,
        c=spec["trad"] if trad else spec["community"],
        b=d.building,
        u=d.unit,
        r=d.room,
    )


def _phone_text(rng: random.Random, p: Person, prefer_landline: bool) -> str | None:
    """What a record says for a phone: the household landline in its usual spellings or
    the person's mobile."""
    number = p.landline if (prefer_landline or not p.mobile) and p.landline else p.mobile
    if number and number == p.landline:
        local = number.split("-")[1]
        return rng.choice([number, number.replace("-", ""), local, local])
    return number


def _maybe(rng: random.Random, share: float, value: str | None) -> str | None:
    return value if rng.random() < share else None


def _record(district: District, department: str, key: str, p: Person) -> None:
    district.truth.append(
        {
            "department": department,
            "source": SOURCES[department],
            "source_record_id": key,
            "role": "subject",
            "true_person_id": p.person_id,
            "true_dwelling_id": p.dwelling,
        }
    )


def _housing(rng: random.Random, district: District, folder: Path) -> None:
    """A workbook, one sheet per community: title row, header, rows, a 合计 row. IDs are
    often numeric cells (15 significant digits survive), phones always numbers."""
    f = QUIRKS["fields"]["housing"]
    parts = QUIRKS["housing_parts"]
    header = [
        "登记序号",
        "住户",
        "性别",
        "证件号",
        "联系方式",
        "社区名称",
        "楼幢",
        "单元",
        "室号",
        "身份",
        "电梯",
        "层数",
        "入住时间",
    ]
    book = Workbook()
    book.remove(book.active)
    sheets: dict[int, object] = {}
    by_household: dict[int, list[Person]] = {}
    for p in district.people:
        by_household.setdefault(p.household, []).append(p)
    number = 0
    counts: dict[int, int] = {}
    for members in by_household.values():
        if rng.random() >= QUIRKS["coverage"]["housing"]["household"]:
            continue
        d = district.dwellings[members[0].dwelling]
        spec = QUIRKS["communities"][d.community]
        if d.community not in sheets:
            sheet = book.create_sheet(spec["community"].removesuffix("社区"))
            sheet.append(
                [
                    f"{QUIRKS['city']['district']}{spec['community']}房屋租住登记表（{PERIOD[:4]}年{PERIOD[4:]}月）"
                ]
            )
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
            sheet.append(header)
            sheets[d.community] = sheet
        sheet = sheets[d.community]
        moved_in = AS_OF - dt.timedelta(days=rng.randrange(100, 9000))
        for i, p in enumerate(members):
            number += 1
            counts[d.community] = counts.get(d.community, 0) + 1
            id_cell: object = _maybe(rng, f["id_number"], p.id_number)
            if (
                id_cell
                and not p.id_number.endswith("X")
                and rng.random() < QUIRKS["excel_id_numeric"]
            ):
                id_cell = float(f"{int(p.id_number):.15g}")
            phone = _maybe(rng, f["phone"], _phone_text(rng, p, prefer_landline=True))
            digits = (phone or "").replace("-", "")
            phone_cell: object = int(digits) if digits.isdigit() else phone
            role = "租客" if p.renter else ("户主" if i == 0 else "家属")
            sheet.append(
                [
                    number,
                    _name(rng, p.name),
                    _maybe(rng, f["sex"], "男" if p.sex == "1" else "女"),
                    id_cell,
                    phone_cell,
                    spec["community"],
                    f"{d.building}幢"
                    if rng.random() < parts["building_suffix"]
                    else str(d.building),
                    f"{d.unit}单元" if rng.random() < parts["unit_suffix"] else d.unit,
                    f"{d.room}室" if rng.random() < parts["room_suffix"] else d.room,
                    role,
                    "有" if d.elevator else "无",
                    d.floors,
                    dt.datetime.combine(moved_in, dt.time())
                    if rng.random() < 0.5
                    else f"{moved_in:%Y.%m.%d}",
                ]
            )
            _record(district, "housing", str(number), p)
    for community, sheet in sheets.items():
        sheet.append([f"合计：{counts[community]}人"])
    path = folder / "housing" / FILES["housing"]
    book.save(path)
    district.files["housing"] = path


def _csv(path: Path, rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _health(rng: random.Random, district: District, folder: Path) -> None:
    """GBK CSV; some IDs come back from Excel in scientific notation."""
    f = QUIRKS["fields"]["health"]
    cover = QUIRKS["coverage"]["health"]
    rows = [
        [
            "健康档案编号",
            "居民姓名",
            "性别",
            "出生年月日",
            "身份证件号码",
            "本人电话",
            "常住地址",
            "慢性病",
            "家用制氧机",
            "呼吸机",
            "残疾",
        ]
    ]
    for p in district.people:
        if rng.random() >= cover["elderly" if p.age >= 65 else "other"]:
            continue
        key = f"3301060{len(rows):07d}"
        id_number = _maybe(rng, f["id_number"], p.id_number)
        if id_number and not id_number.endswith("X") and rng.random() < QUIRKS["csv_id_scientific"]:
            id_number = f"{int(id_number):.14E}"  # 3.30106195902211E+17
        birth = _maybe(
            rng,
            f["birth_date"],
            f"{p.birth:%Y.%m.%d}" if rng.random() < 0.7 else f"{p.birth:%Y%m%d}",
        )
        chronic = (
            ";".join(rng.sample(["高血压", "糖尿病", "冠心病", "慢阻肺"], rng.choice([1, 2])))
            if p.age >= 60 and rng.random() < 0.4
            else ""
        )
        rows.append(
            [
                key,
                _name(rng, p.name),
                _maybe(rng, f["sex"], "男" if p.sex == "1" else "女") or rng.choice(["", "未知"]),
                birth or "",
                id_number or "",
                _maybe(rng, f["phone"], _phone_text(rng, p, prefer_landline=rng.random() < 0.4))
                or "",
                _address(rng, "health", district.dwellings[p.dwelling]),
                chronic,
                "是" if p.oxygen else "否",
                "有" if p.ventilator else rng.choice(["无", ""]),
                "有" if p.disabled else "无",
            ]
        )
        _record(district, "health", key, p)
    for _ in range(QUIRKS["quarantine_rows"]["health"]):
        rows.append(
            [f"3301060{len(rows):07d}", "", "男", "1950.01.01", "", "", "", "", "否", "", "无"]
        )
    district.quarantined["health"] = QUIRKS["quarantine_rows"]["health"]
    path = folder / "health" / FILES["health"]
    _csv(path, rows, "gbk")
    district.files["health"] = path


def _police(rng: random.Random, district: District, folder: Path) -> None:
    f = QUIRKS["fields"]["police"]
    cover = QUIRKS["coverage"]["police"]
    rows = [
        [
            "人员编号",
            "户号",
            "姓名",
            "性别",
            "出生日期",
            "公民身份号码",
            "与户主关系",
            "人员类型",
            "联系电话",
            "居住地址",
        ]
    ]
    for p in district.people:
        if rng.random() >= cover["renter" if p.renter else "resident"]:
            continue
        key = f"RK{len(rows):08d}"
        word = p.relation
        if p.relation == "本人" and rng.random() < 0.3:
            word = "户主"
        rows.append(
            [
                key,
                f"330106{p.household:09d}",
                _name(rng, p.name),
                p.sex,
                f"{p.birth:%Y%m%d}",
                _maybe(rng, f["id_number"], p.id_number) or "",
                word,
                "暂住" if p.renter else "常住",
                _maybe(rng, f["phone"], _phone_text(rng, p, prefer_landline=False)) or "",
                _address(rng, "police", district.dwellings[p.dwelling]),
            ]
        )
        _record(district, "police", key, p)
    for _ in range(QUIRKS["quarantine_rows"]["police"]):
        rows.append([f"RK{len(rows):08d}", "", "", "1", "19600101", "", "本人", "常住", "", ""])
    district.quarantined["police"] = QUIRKS["quarantine_rows"]["police"]
    path = folder / "police" / FILES["police"]
    _csv(path, rows, "utf-8")
    district.files["police"] = path


def _welfare(rng: random.Random, district: District, folder: Path) -> None:
    """A JSON array; a person may hold several cases; landlines come as JSON numbers."""
    f = QUIRKS["fields"]["civil_affairs"]
    size: dict[int, int] = {}
    for p in district.people:
        size[p.household] = size.get(p.household, 0) + 1
    alone = {h for h, n in size.items() if n == 1}
    low_income = {h for h in size if rng.random() < 0.03}
    records: list[dict[str, object]] = []
    for p in district.people:
        cases = []
        if p.age >= 80 and rng.random() < 0.7:
            cases.append("高龄补贴")
        if p.household in alone and p.age >= 65 and rng.random() < 0.5:
            cases.append("独居老人")
        if p.disabled and rng.random() < 0.6:
            cases.append("残疾人补贴")
        if p.household in low_income and p.age >= 18:
            cases.append("最低生活保障")
        for case in cases:
            key = f"MZ{PERIOD}{len(records) + 1:05d}"
            phone = _maybe(rng, f["phone"], _phone_text(rng, p, prefer_landline=True))
            digits = (phone or "").replace("-", "")
            records.append(
                {
                    "业务编号": key,
                    "申请人": _name(rng, p.name),
                    "性别": "男" if p.sex == "1" else "女",
                    "出生日期": _maybe(
                        rng, f["birth_date"], f"{p.birth.year}-{p.birth.month}-{p.birth.day}"
                    ),
                    "身份证": _maybe(rng, f["id_number"], p.id_number),
                    "电话": int(digits) if digits.isdigit() and rng.random() < 0.5 else phone,
                    "住址": _address(rng, "civil_affairs", district.dwellings[p.dwelling]),
                    "救助类别": case,
                    "状态": "正常",
                    "是否独居": "是" if p.household in alone else "否",
                }
            )
            _record(district, "civil_affairs", key, p)
    path = folder / "civil_affairs" / FILES["civil_affairs"]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    district.files["civil_affairs"] = path


def _write_truth(district: District, truth: Path) -> None:
    """persons.csv in the format warehouse/linking/evaluate.py reads, people.csv with the
    power-dependent residents, buildings.csv and dwellings.csv of the dwellings records
    name, meta.json with the as-of date."""
    truth.mkdir(parents=True, exist_ok=True)
    with (truth / "persons.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MENTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(district.truth)
    with (truth / "people.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            [
                "true_person_id",
                "name",
                "id_number",
                "sex",
                "birth_date",
                "household_id",
                "dwelling_id",
                "power_dependent",
                "oxygen",
                "ventilator",
                "disabled",
            ]
        )
        for p in district.people:
            writer.writerow(
                [
                    p.person_id,
                    p.name,
                    p.id_number,
                    p.sex,
                    p.birth.isoformat(),
                    p.household,
                    p.dwelling,
                    p.power_dependent,
                    p.oxygen,
                    p.ventilator,
                    p.disabled,
                ]
            )
    named = {row["true_dwelling_id"] for row in district.truth}
    dwellings = [d for d in district.dwellings.values() if d.dwelling_id in named]
    with (truth / "dwellings.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            [
                "dwelling_id",
                "building_id",
                "street",
                "community",
                "building_no",
                "unit_no",
                "room_no",
            ]
        )
        for d in dwellings:
            community = QUIRKS["communities"][d.community]["community"]
            writer.writerow(
                [d.dwelling_id, d.building_id, d.street, community, d.building, d.unit, d.room]
            )
    with (truth / "buildings.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["building_id", "floors", "has_elevator"])
        seen: set[str] = set()
        for d in dwellings:
            if d.building_id not in seen:
                seen.add(d.building_id)
                writer.writerow([d.building_id, d.floors, d.elevator])
    meta = {
        "as_of": AS_OF.isoformat(),
        "persons": len(district.people),
        "files": {k: v.name for k, v in district.files.items()},
    }
    (truth / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def generate(ingest: Path, truth: Path, contracts: Path, persons: int, seed: int) -> District:
    """Write the four exports under `ingest/<department>/`, the site's contracts into
    `contracts`, and the ground truth into `truth`."""
    rng = random.Random(seed)
    district = _people(rng, persons)
    for department in FILES:
        (ingest / department).mkdir(parents=True, exist_ok=True)
    _housing(random.Random(seed + 1), district, ingest)
    _health(random.Random(seed + 2), district, ingest)
    _police(random.Random(seed + 3), district, ingest)
    _welfare(random.Random(seed + 4), district, ingest)
    contracts.mkdir(parents=True, exist_ok=True)
    for contract in sorted(CONTRACTS.glob("*.yaml")):
        shutil.copy(contract, contracts / contract.name)
    _write_truth(district, truth)
    return district
