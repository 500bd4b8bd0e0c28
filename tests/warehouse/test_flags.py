"""Yes/no columns as exports write them (是/否, √, 有/无, blanks): booleans land in
staging, a flag column adds its code to the field it names, a value mapped to null is no
value, a stray spelling is set aside with its reason, and a resident flagged as using an
oxygen concentrator is power-dependent in mart.vulnerable_residents."""

import duckdb
import yaml
from openpyxl import Workbook

from connectors.home import Home
from demo import generate
from schemas.contracts import REPO_CONTRACTS
from tests.warehouse.published import link_mart_publish
from warehouse.ingest.intake import process_pending

ADDRESS = "北京市西城区柳荫街道柳荫社区3号楼2单元{room}室"
HEALTH = ["档案编号,姓名,性别,出生日期,联系电话,现住址,家用医疗设备,家用制氧机,残疾,孕产妇"]
HEALTH_ROWS = [
    ("H1", "王一", "男", "1940年1月1日", "13800138001", "301", "", "是", "否", ""),
    ("H2", "王二", "女", "1950年2月2日", "13800138002", "302", "制氧机", "√", "是", "否"),
    ("H3", "王三", "男", "1960年3月3日", "13800138003", "401", "无", "", "", ""),
    ("H4", "王四", "女", "1970年4月4日", "13800138004", "402", "血糖仪", "也许", "Y", "N"),
    ("H5", "王五", "女", "1990年5月5日", "13800138005", "501", "", "否", "不是", "是的"),
]


def _health(home: Home) -> None:
    lines = [",".join((*r[:5], ADDRESS.format(room=r[5]), *r[6:])) for r in HEALTH_ROWS]
    path = home.ingest_dir("health") / "health_residents_flags.csv"
    path.write_text("\n".join([*HEALTH, *lines]) + "\n", encoding="utf-8")


def _housing(home: Home) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["登记编号", "姓名", "社区", "楼栋号", "电梯"])
    for key, name, building, lift in [
        ("F1", "王一", "3", "有"),
        ("F2", "王六", "4", "无"),
        ("F3", "王七", "5", "ｙｅｓ"),
        ("F4", "王八", "6", "坏了"),
        ("F5", "王九", "7", ""),
    ]:
        sheet.append([key, name, "柳荫社区", building, lift])
    book.save(home.ingest_dir("housing") / "housing_occupants_202611.xlsx")


def _query(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _loaded(tmp_path) -> tuple[Home, dict]:
    home = Home.resolve(tmp_path).ensure()
    _health(home)
    _housing(home)
    results = {r.source: r for r in process_pending(home)}
    return home, results


def test_flag_columns_and_yes_no_spellings_land_in_staging(tmp_path):
    home, results = _loaded(tmp_path)
    assert (results["health_residents"].rows_in, results["health_residents"].rows_loaded) == (5, 5)
    staged = {
        r[0]: r[1:]
        for r in _query(
            home,
            "SELECT record_id, medical_equipment, disability_recorded, pregnant, _set_aside "
            "FROM staging.health_residents",
        )
    }
    assert staged["H1"] == (["O2C"], False, None, [])
    assert staged["H2"] == (["O2C"], True, False, []), "the list and the flag say it once"
    assert staged["H3"] == (None, None, None, []), "无 is mapped to no value, without reason"
    assert staged["H4"] == (["GLU"], True, False, ["home_oxygen"])
    assert staged["H5"] == (None, False, True, [])
    lifts = dict(_query(home, "SELECT record_id, has_elevator FROM staging.housing_occupants"))
    assert lifts == {"F1": True, "F2": False, "F3": True, "F4": None, "F5": None}


def test_a_stray_spelling_is_set_aside_with_its_reason_and_reported(tmp_path):
    home, results = _loaded(tmp_path)
    fields = _query(home, "SELECT record_key, field, value, reason FROM quarantine.fields")
    assert sorted(fields) == [
        ("F4", "has_elevator", "坏了", "has_elevator: '坏了' is not yes or no"),
        ("H4", "home_oxygen", "也许", "home_oxygen: '也许' is not yes or no"),
    ]
    assert results["housing_occupants"].rows_loaded == 5
    receipt = next(home.receipts_dir("health").glob("*.txt")).read_text(encoding="utf-8")
    assert "1 value(s): home_oxygen: a value is not yes or no" in receipt


def test_an_oxygen_concentrator_flag_makes_the_resident_power_dependent(tmp_path):
    """Beside a small demo district (linking learns from its ID-number pairs)."""
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 5, 1)
    _health(home)
    process_pending(home)
    link_mart_publish(home)
    flagged = _query(
        home,
        "SELECT s.record_id, v.power_dependent, v.disability FROM staging.health_residents s "
        "JOIN core.person_source ps ON ps.source = 'health_residents' "
        "AND ps.source_record_id = s._record_key "
        "LEFT JOIN mart.vulnerable_residents v ON v.person_id = ps.person_id "
        "WHERE s.record_id LIKE 'H_'",
    )
    by_record = {r[0]: r[1:] for r in flagged}
    assert by_record["H1"] == (True, False)
    assert by_record["H2"] == (True, True)
    assert by_record["H4"] == (False, True), "a set-aside flag adds nothing"
    assert by_record["H5"] == (False, False), "on the list as pregnant (是的), nothing else"


def test_a_site_contract_sets_a_code_and_a_boolean_from_flags_and_its_own_spellings(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    contract = yaml.safe_load((REPO_CONTRACTS / "health_residents.yaml").read_text())
    contract["columns"].update(
        bedridden={"aliases": ["长期卧床"], "flag": {"field": "mobility", "code": "BED"}},
        disabled_person={"aliases": ["残疾人"], "flag": {"field": "disability_recorded"}},
        pregnant={"aliases": ["孕产妇"], "values": {"孕": "true", "不详": None}},
    )
    (home.contracts_dir / "health_residents.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    rows = [
        "档案编号,姓名,行动能力,长期卧床,残疾,残疾人,孕产妇",
        "S1,李一,,是,,是,孕",
        "S2,李二,需人协助,是,否,,不详",
        "S3,李三,,否,否,否,否",
        "S4,李四,,,,,也许",
    ]
    path = home.ingest_dir("health") / "health_residents_site.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (result,) = process_pending(home)
    assert result.rows_loaded == 4
    staged = {
        r[0]: r[1:]
        for r in _query(
            home,
            "SELECT record_id, mobility, disability_recorded, pregnant, _set_aside "
            "FROM staging.health_residents",
        )
    }
    assert staged["S1"] == ("BED", True, True, [])
    assert staged["S2"] == ("ASSIST", False, None, []), "the field's own value comes first"
    assert staged["S3"] == (None, False, False, [])
    assert staged["S4"] == (None, None, None, ["pregnant"])
