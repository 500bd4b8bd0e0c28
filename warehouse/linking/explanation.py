"""Why a person is who Causeway says: their records and the evidence of every link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from schemas.contracts import SourceContract
from warehouse.linking.mentions import mentions_sql

PERSON = "SELECT * FROM core.person WHERE person_id = ?"
PERSON_RANGE = "SELECT min(person_id), max(person_id), count(*) FROM core.person"
RECORDS = """
WITH m AS ({mentions})
SELECT ps.department, ps.source, ps.source_record_id, ps.role, m.name, m.id_number,
       m.sex, m.birth_date, m.phone, m.community, m.building_no, m.unit_no, m.room_no,
       ps.match_probability, ps.match_reason, ps.link_run_id,
       e.via_source, e.via_record_id, e.match_weight, e.evidence
FROM core.person_source AS ps
LEFT JOIN m USING (source, source_record_id)
LEFT JOIN link.evidence AS e USING (source, source_record_id)
WHERE ps.person_id = ?
ORDER BY ps.match_probability DESC, ps.department, ps.source, ps.source_record_id
"""
HISTORY = """
SELECT event, related_person_id, records, link_run_id, recorded_at
FROM core.person_id_history WHERE person_id = ? OR related_person_id = ?
ORDER BY recorded_at, event
"""


@dataclass
class Explanation:
    person: dict[str, Any] | None
    records: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    known: tuple[str | None, str | None, int] | None = None  # first, last, count: if not found

    @property
    def warnings(self) -> list[str]:
        """What a clerk should check first: the person's records disagree on a name, a
        birth date or a sex (a false merge looks like this)."""
        out = []
        for column, what in (("name", "names"), ("birth_date", "birth dates"), ("sex", "sexes")):
            values = sorted({str(r[column]) for r in self.records if r.get(column)})
            if len(values) > 1:
                out.append(f"the records hold {len(values)} {what}: {', '.join(values)}")
        return out

    @property
    def chain(self) -> str:
        """How the records came together, in one line."""
        by_id = sum(1 for r in self.records if r["match_reason"] == "same valid ID number")
        decided = sum(1 for r in self.records if "reviewer" in (r["match_reason"] or ""))
        model = sum(1 for r in self.records if r["evidence"])
        alone = len(self.records) - by_id - decided - model
        parts = [
            f"{by_id} by a shared valid ID number" if by_id else "",
            f"{model} by the model's best link to another of the person's records" if model else "",
            f"{decided} by a reviewer's decision" if decided else "",
            f"{alone} on its own" if alone else "",
        ]
        return f"{len(self.records)} record(s): " + ", ".join(p for p in parts if p)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def explain(
    con: duckdb.DuckDBPyConnection, contracts: list[SourceContract], person_id: str
) -> Explanation:
    people = _dicts(con.execute(PERSON, [person_id]))
    if not people:
        return Explanation(None, known=con.execute(PERSON_RANGE).fetchall()[0])
    records = _dicts(con.execute(RECORDS.format(mentions=mentions_sql(contracts)), [person_id]))
    history = _dicts(con.execute(HISTORY, [person_id, person_id]))
    return Explanation(people[0], records, history)
