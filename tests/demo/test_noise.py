"""Every noise rate is within its documented bounds and above the floor linking needs.

Rates are measured from the files with plain readers and the ground truth, never from
the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import re

import opencc
import pandas as pd
import pytest

from demo.pools import noise_rates
from schemas.idnumber import is_valid, upgrade_15
from tests.demo.exports import RECORD_ID, exports

RATES = noise_rates()
TOLERANCE = 0.004
NAME = {"civil_affairs_cases": "xingming"}
ID = {
    "housing_occupants": "身份证号码",
    "health_residents": "身份证号",
    "police_residents": "公民身份号码",
    "civil_affairs_cases": "shenfenzheng_hao",
    "police_incidents": "身份证号",
}
PHONE = {"civil_affairs_cases": "lianxi_dianhua"}
BIRTH = {"civil_affairs_cases": "chusheng_riqi", "police_incidents": None}
ADDRESS = {
    "health_residents": "现住址",
    "police_residents": "居住地址",
    "civil_affairs_cases": "jiating_zhuzhi",
}
FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
SOURCES = sorted(RECORD_ID)
# Traditional characters back to simplified, in every regional standard the demo writes.
TO_SIMPLIFIED = (opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s"))


def _simplified(name: str) -> str:
    for converter in TO_SIMPLIFIED:
        name = converter.convert(name)
    return name


@pytest.fixture(scope="module")
def files(district):
    return exports(district, "202609")


@pytest.fixture(scope="module")
def truth(district):
    mentions = pd.read_csv(district / "demo_truth/persons.csv", dtype=str)
    people = pd.read_csv(district / "demo_truth/people.csv", dtype=str, keep_default_na=False)
    return mentions.merge(people, on="true_person_id", how="left")


def _unique(files, source) -> pd.DataFrame:
    return files[source].astype(str).drop_duplicates().reset_index(drop=True)


def _joined(files, truth, source) -> pd.DataFrame:
    rows = _unique(files, source)
    mine = truth[truth.source == source].set_index("source_record_id")
    return rows.join(mine, on=RECORD_ID[source], rsuffix="_true")


def _rate(mask) -> float:
    return float(pd.Series(mask).mean())


def _near(measured: float, configured: float) -> None:
    assert abs(measured - configured) <= TOLERANCE, (measured, configured)


@pytest.mark.parametrize("source", SOURCES)
def test_name_typos(files, truth, source):
    rows = _joined(files, truth, source)
    written = rows[NAME.get(source, "姓名")].str.replace(r"[\s\u3000]", "", regex=True)
    measured = _rate(written.map(_simplified) != rows["name"])
    configured = RATES["sources"][source]
    _near(measured, configured["name_typo"] + configured["name_lookalike"])
    assert measured >= 0.05


@pytest.mark.parametrize("source", SOURCES)
def test_names_in_traditional_characters(files, truth, source):
    rows = _joined(files, truth, source)
    written = rows[NAME.get(source, "姓名")].str.replace(r"[\s\u3000]", "", regex=True)
    measured = _rate(written.map(_simplified) != written)
    _near(measured, RATES["sources"][source]["name_traditional"])
    assert measured > 0


def test_typos_are_real_homophones_and_look_alikes_are_not():
    """A homophone group shares a toneless reading (any of its characters' readings);
    look-alikes are copied by eye, and their usual readings differ (else they would be
    homophones to linking too)."""
    from pathlib import Path

    import yaml
    from pypinyin import Style, pinyin

    import demo

    pools = yaml.safe_load((Path(demo.__file__).parent / "pools.yaml").read_text("utf-8"))

    def readings(ch: str) -> set[str]:
        return set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])

    keys = ("surname_homophones", "given_male", "given_female", "given_neutral")
    for group in (g for key in keys for g in pools[key]):
        assert set.intersection(*map(readings, group)), group
    for group in pools["lookalikes"]:
        usual = [pinyin(ch, style=Style.NORMAL)[0][0] for ch in group]
        assert len(set(usual)) == len(group), group


@pytest.mark.parametrize("source", SOURCES)
def test_missing_and_legacy_ids(files, source):
    ids = _unique(files, source)[ID.get(source)]
    configured = RATES["sources"][source]
    _near(_rate(ids == ""), configured["id_missing"])
    _near(_rate(ids.str.fullmatch(r"\d{15}")), configured["id_legacy15"])


def test_missing_id_floor_in_two_departments(files):
    departments = {
        "housing_occupants": "housing",
        "health_residents": "health",
        "police_residents": "police",
        "civil_affairs_cases": "civil_affairs",
        "police_incidents": "police",
    }
    over = {departments[s] for s in SOURCES if _rate(_unique(files, s)[ID[s]] == "") >= 0.15}
    assert len(over) >= 2, over


def test_legacy_id_floor(files):
    best = max(_rate(_unique(files, s)[ID[s]].str.fullmatch(r"\d{15}")) for s in SOURCES)
    assert best >= 0.02


def test_full_width_digits_and_lower_case_x_are_present(files):
    ids = pd.concat([_unique(files, s)[ID[s]] for s in SOURCES])
    assert ids.str.contains("[０-９]").sum() >= 10
    assert ids.str.endswith("x").sum() >= 10


def _parse_date(text: str) -> dt.date | None:
    if re.fullmatch(r"\d{4,5}", text):  # Excel serial
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(text))
    parts = re.findall(r"\d+", text)
    if len(parts) == 1 and len(parts[0]) == 8:
        parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
    try:
        return dt.date(*map(int, parts[:3]))
    except (TypeError, ValueError):
        return None


def _invalid(row_id: str, birth: str | None) -> bool:
    number = row_id.translate(FULL_WIDTH).upper()
    if len(number) == 15:
        number = upgrade_15(number)
    bad_id = len(number) == 18 and not is_valid(number)
    bad_date = birth is not None and birth not in ("", "nan") and _parse_date(birth) is None
    return bad_id or bad_date


@pytest.mark.parametrize("source", SOURCES)
def test_invalid_rows(files, source):
    rows = _unique(files, source)
    birth_col = BIRTH.get(source, "出生日期")
    births = rows[birth_col] if birth_col else [None] * len(rows)
    invalid = [_invalid(i, b) for i, b in zip(rows[ID[source]], births, strict=True)]
    measured = _rate(invalid)
    _near(measured, RATES["sources"][source]["invalid"])
    assert measured >= 0.005


@pytest.mark.parametrize("source", SOURCES)
def test_exact_duplicate_rows(files, source):
    rows = files[source].astype(str)
    unique = len(rows.drop_duplicates())
    measured = (len(rows) - unique) / unique
    if source == "police_incidents":  # whole incidents are duplicated, with all their persons
        assert measured > 0
    else:
        _near(measured, RATES["sources"][source]["duplicate"])
    assert len(rows) > unique


def test_phone_formats(files):
    phones = pd.concat([_unique(files, s)[PHONE.get(s, "联系电话")] for s in SOURCES])
    assert phones.str.startswith("+86").sum() >= 10
    assert phones.str.fullmatch(r"1\d{2} \d{4} \d{4}").sum() >= 10
    assert phones.str.fullmatch(r"1\d{2}-\d{4}-\d{4}").sum() >= 10
    assert phones.str.fullmatch(r"010-\d{8}").sum() >= 10


def _last8(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-8:]


def test_out_of_date_phones(files, truth):
    stale = set()
    for source in [
        "housing_occupants",
        "health_residents",
        "police_residents",
        "civil_affairs_cases",
    ]:
        rows = _joined(files, truth, source)
        written = rows[PHONE.get(source, "联系电话")].map(_last8)
        actual = rows["phone"].map(_last8)
        differs = (written != "") & (actual != "") & (written != actual)
        stale |= set(rows.true_person_id[differs])
    residents = (truth.drop_duplicates("true_person_id").resident == "True").sum()
    share = len(stale) / residents
    assert 0.06 <= share <= RATES["district"]["stale_phone"] + TOLERANCE, share


def test_moved_people_keep_an_old_address_somewhere(truth):
    records = truth[(truth.source != "police_incidents") & (truth.resident == "True")]
    moved = records.true_person_id[records.true_dwelling_id != records.dwelling_id].nunique()
    share = moved / records.true_person_id.nunique()
    assert share >= 0.08
    assert share <= RATES["district"]["moved"] + 0.02


def test_address_variants(files):
    text = pd.concat([_unique(files, s)[c] for s, c in ADDRESS.items()])
    for pattern in [
        r"\d+号楼",
        r"\d+栋",
        r"[一二三四五六七八九十]+号楼",
        r"\d+-\d+-\d+",
        r"[一二三四五六七八九十]+单元",
        r"\d+单元\d+室",
    ]:
        assert text.str.contains(pattern).sum() >= 5, pattern
    buildings = _unique(files, "housing_occupants")["楼栋"]
    for pattern in [r"\d+号楼", r"\d+栋", r"[一二三四五六七八九十]+号楼", r"\d+幢"]:
        assert buildings.str.fullmatch(pattern).sum() >= 5, pattern


def test_households_share_surname_address_and_phone(files):
    rows = _unique(files, "police_residents")
    rows = rows[rows["联系电话"] != ""]
    keys = [rows["居住地址"], rows["联系电话"].map(_last8), rows["姓名"].str.strip().str[0]]
    sizes = rows.groupby(keys)["登记编号"].nunique()
    assert (sizes >= 2).sum() >= 20


def test_homonyms_within_a_community(district):
    people = pd.read_csv(district / "demo_truth/people.csv", dtype=str)
    dwellings = pd.read_csv(district / "demo_truth/dwellings.csv", dtype=str)
    buildings = pd.read_csv(district / "demo_truth/buildings.csv", dtype=str)
    where = dwellings.merge(buildings, on="building_id")[["dwelling_id", "community"]]
    residents = people[people.resident == "True"].merge(where, on="dwelling_id")
    same = residents.groupby(["community", "name"]).true_person_id.nunique()
    assert (same >= 2).sum() >= 20
    assert (people.homonym == "True").sum() >= 0.004 * len(residents)


def test_spreadsheet_damaged_ids_are_number_cells_listed_in_the_ground_truth(district, files):
    """The housing register holds some ID numbers in number cells, as Excel keeps them (15
    digits, then zeros); the ground truth names exactly those records."""
    rows = files["housing_occupants"].drop_duplicates(RECORD_ID["housing_occupants"])
    cells = rows[ID["housing_occupants"]]
    damaged = cells.map(lambda v: isinstance(v, float))
    _near(_rate(damaged), RATES["sources"]["housing_occupants"]["id_spreadsheet"])
    # 18 digits, of which a number cell keeps the first 15
    assert all(1e17 <= v < 1e18 and float(f"{v:.15g}") == v for v in cells[damaged])
    listed = pd.read_csv(district / "demo_truth/spreadsheet_ids.csv", dtype=str)
    assert set(listed.source) == {"housing_occupants"}
    expected = set(rows[RECORD_ID["housing_occupants"]][damaged].astype(str))
    assert set(listed.source_record_id) == expected
