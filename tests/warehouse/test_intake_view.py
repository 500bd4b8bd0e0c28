"""The clerk's view of a department's intake (warehouse/serve/intake.py): each file's
counts add up, its problems are grouped without the values they quote, and while a run
holds the warehouse the view says so instead of waiting or failing."""

from __future__ import annotations

import pytest

from connectors.home import Home
from schemas.idnumber import check_char
from tests.warehouse.file_history import POLICE, drop
from tests.warehouse.test_snapshot import another_process_holding
from warehouse.serve import NoSuchDepartment, NoSuchFile, department_intake

GOOD = "11010519491231002"
BAD_ONE = GOOD + ("0" if check_char(GOOD) != "0" else "1")  # fails its checksum
OTHER = "44052418800101001"
BAD_TWO = OTHER + ("0" if check_char(OTHER) != "0" else "1")


@pytest.fixture
def home(tmp_path) -> tuple[Home, str, str]:
    home = Home.resolve(tmp_path).ensure()
    first = drop(home, "police", "police_residents_1.csv", POLICE, "A,张三,,柳荫社区3号楼")
    second = drop(
        home,
        "police",
        "police_residents_2.csv",
        POLICE,
        f"A,张三,{BAD_ONE},柳荫社区3号楼",
        f"B,李四,{BAD_TWO},柳荫社区4号楼",
        f"B,李四,{BAD_TWO},柳荫社区4号楼",
        f"C,王五,{GOOD}{check_char(GOOD)},柳荫社区5号楼",
    )
    return home, first, second


def test_each_file_adds_up_and_names_its_problems_without_their_values(home):
    home, first, second = home
    newest, oldest = department_intake(home, "police")
    assert (newest.file_id, oldest.file_id) == (second, first)
    assert newest.file_name == "police_residents_2.csv"
    assert (newest.rows_in, newest.rows_loaded, newest.rows_quarantined) == (4, 3, 1)
    assert newest.fields_set_aside == 2
    assert newest.row_problems == [  # a quarantined row lists every reason, its fields' too
        ("duplicate row (same as an earlier row)", 1),
        ("id_number: a value fails its checksum", 1),
    ]
    assert newest.value_problems == [("id_number: a value fails its checksum", 2)]
    shown = repr(newest)
    assert BAD_ONE not in shown and BAD_TWO not in shown
    assert (oldest.rows_in, oldest.row_problems, oldest.value_problems) == (1, [], [])
    assert [f.file_id for f in department_intake(home, "police", file_id=first)] == [first]
    assert department_intake(home, "health") == []


def test_an_unknown_department_or_file_is_named(home):
    home, _, _ = home
    with pytest.raises(NoSuchDepartment, match="there are civil_affairs, health"):
        department_intake(home, "fire")
    with pytest.raises(NoSuchFile, match="police has no file 'F9999999'"):
        department_intake(home, "police", file_id="F9999999")


def test_while_a_run_holds_the_warehouse_the_view_says_so(home):
    home, _, _ = home
    with another_process_holding(home):
        assert department_intake(home, "police") is None
    assert department_intake(home, "police") is not None
