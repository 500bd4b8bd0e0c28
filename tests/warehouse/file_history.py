"""A warehouse whose files were retracted, reprocessed and superseded: what status must
count apart (shared by the snapshot and status tests)."""

from __future__ import annotations

from connectors.home import Home
from tests.warehouse.hostile_corpus import HEADER, row
from warehouse.ingest.intake import process_pending
from warehouse.ops.repair import reprocess, retract

POLICE = "登记编号,姓名,公民身份号码,居住地址"


def drop(home: Home, department: str, name: str, header: str, *rows: str) -> str:
    (home.ingest_dir(department) / name).write_text("\n".join([header, *rows]) + "\n", "utf-8")
    (result,) = process_pending(home)
    return result.file_id


def file_history(home: Home) -> dict[str, str]:
    """Police: a snapshot, then one that replaces all of it; civil affairs: a delta,
    reprocessed, then one retracted. The file IDs by role."""
    ids = {
        "police_1": drop(
            home,
            "police",
            "police_residents_1.csv",
            POLICE,
            "A,张三,,柳荫社区3号楼",
            "B,李四,,柳荫社区4号楼",
        ),
        "police_2": drop(home, "police", "police_residents_2.csv", POLICE, "A,张三,,柳荫社区5号楼"),
        "civil_1": drop(
            home, "civil_affairs", "civil_affairs_cases_1.csv", HEADER, row("MZ1"), row("MZ2")
        ),
        "civil_2": drop(home, "civil_affairs", "civil_affairs_cases_2.csv", HEADER, row("MZ3")),
    }
    retract(home, ids["civil_2"], "sent by mistake")
    ids["civil_1_again"] = reprocess(home, ids["civil_1"]).file_id
    return ids
