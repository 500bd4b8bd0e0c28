"""Clerical review: the queue of links worth a person's time, and the decisions that bind.

Every link run refreshes `link.review_queue` with what a clerk can settle and the model
cannot:

- `weak_link`: a record joined its person through a link below the review band's top;
- `near_match`: two persons the model almost joined (their best link reaches the band's
  bottom) and whose valid ID numbers do not already say they are two people;
- `conflicting_fields`: a person whose records hold two full birth dates, two sexes, or
  two names (more than a character apart, and not homophones) with no valid ID number in
  common;
- `rival_person`: a record without a valid ID number that joined one person while the
  model also found it likely (a link in the band) to be a record of another person: the
  namesake in the same building whom the model cannot tell apart without a birth date;
- `same_register`: a person holding two records of one register (a source that lists
  each resident once, read off the data as in registers.py) without one valid ID number
  in common: a false merge, or the department's own duplicate;
- `unmatched`: a record that matched no one, and a person it may be after all: the one
  other person of that name in the district (for a bare row, a name at an address), or
  one sharing its name and building, its name and phone, or its birth date and phone;
- `relink_changed`: persons a full relink merged or split (a record it put with another
  person's, or took away from its own), so a clerk can confirm the change or undo it;
- `conflicting_decisions`: a decision the run could not apply (warehouse/linking/
  decisions.py);
- `reported`: a pair a reviewer found outside the queue (a caller, a home visit) and
  decided on directly (`report_pair`);
- `sample`: a random pair drawn to measure the linker (warehouse/linking/accuracy.py).

An item is a pair of records, named by their keys; its ID is derived from its kind and
the two keys, so a later run refreshes the same item. Its priority is how many records
the decision moves, plus five for each vulnerable resident among its persons. Items a
later run no longer finds close themselves with the reason. Decisions go to
`link.review_decisions` and are never deleted: an undo is a decision too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import duckdb

from schemas.contracts import SourceContract
from warehouse.db import has_table
from warehouse.linking.decisions import BINDING, Unheld
from warehouse.linking.mentions import mentions_sql
from warehouse.linking.settings import ReviewRule

DECISIONS = ("match", "distinct", "unsure")
VULNERABLE_WEIGHT = 5

CANDIDATES = """
CREATE OR REPLACE TEMP TABLE review_found AS
WITH persons AS (
    SELECT f.person_id, count(*) AS records,
           count(DISTINCT CASE WHEN m.has_id THEN m.id_number END) AS numbers,
           min(CASE WHEN m.has_id THEN m.id_number END) AS id_number
    FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
    GROUP BY f.person_id
),
weak AS (
    SELECT 'weak_link' AS kind, a.unique_id AS u0, a.via AS v0, a.probability, a.weight,
           a.evidence, NULL::VARCHAR AS note
    FROM link_assign AS a
    WHERE a.how IN ('probabilistic', 'register') AND a.via IS NOT NULL
      AND a.probability < $high
),
near AS (
    SELECT 'near_match' AS kind, e.unique_id_l AS u0, e.unique_id_r AS v0,
           e.match_probability AS probability, e.match_weight AS weight, e.evidence,
           NULL::VARCHAR AS note
    FROM link_edges AS e
    JOIN link_final AS fl ON fl.unique_id = e.unique_id_l
    JOIN link_final AS fr ON fr.unique_id = e.unique_id_r
    JOIN persons AS pl ON pl.person_id = fl.person_id
    JOIN persons AS pr ON pr.person_id = fr.person_id
    WHERE fl.person_id <> fr.person_id AND e.match_probability >= $low
      AND NOT (pl.numbers > 0 AND pr.numbers > 0 AND pl.id_number <> pr.id_number)
      AND pl.numbers <= 1 AND pr.numbers <= 1
    QUALIFY row_number() OVER (
        PARTITION BY least(fl.person_id, fr.person_id), greatest(fl.person_id, fr.person_id)
        ORDER BY e.match_weight DESC, e.unique_id_l, e.unique_id_r) = 1
),
member AS (
    SELECT f.person_id, m.* FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
),
field_pairs AS (
    SELECT x.person_id, x.unique_id AS u0, y.unique_id AS v0,
           CASE WHEN x.birth_date <> y.birth_date THEN 'birth_date'
                WHEN x.sex <> y.sex THEN 'sex'
                ELSE 'name' END AS field
    FROM member AS x JOIN member AS y
      ON y.person_id = x.person_id AND y.unique_id > x.unique_id
    WHERE x.birth_date <> y.birth_date OR x.sex <> y.sex
       OR (x.name <> y.name AND NOT (x.has_id AND y.has_id AND x.id_number = y.id_number)
           -- Two names, not one misspelt: neither one character apart nor homophones.
           AND levenshtein(x.name, y.name) > 1 AND x.name_pinyin IS DISTINCT FROM y.name_pinyin)
),
fields AS (
    SELECT 'conflicting_fields' AS kind, u0, v0, NULL::DOUBLE AS probability,
           NULL::DOUBLE AS weight,
           NULL::STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[] AS evidence,
           'the person''s records hold two ' || replace(field, '_', ' ') || 's' AS note
    FROM field_pairs
    QUALIFY row_number() OVER (
        PARTITION BY person_id ORDER BY
            CASE field WHEN 'birth_date' THEN 0 WHEN 'sex' THEN 1 ELSE 2 END, u0, v0) = 1
),
unheld AS (SELECT * FROM review_unheld)
SELECT * FROM weak UNION ALL SELECT * FROM near UNION ALL SELECT * FROM fields
UNION ALL SELECT * FROM unheld
"""

# What a confident model may have got wrong, added to the candidates by a statement of its
# own (one query for all of it outgrew the 1 GB memory limit at 250k residents); the
# scored pairs are narrowed on IDs and weights first, their evidence fetched last.
RIVAL_NOTE = "may be the other person's record: `match` moves it there"
# The confident kinds, a statement each over the members kept as temporary tables: as
# one statement (every join's hash table at once) it ran out of the warehouse's memory
# budget at 500k residents. Equi-joins only (an OR join of a few thousand lone records
# against every record is a nested loop at 250k residents).
CONFIDENT_MEMBERS = """
CREATE OR REPLACE TEMP TABLE review_sizes AS
SELECT person_id, count(*) AS records FROM link_final GROUP BY person_id;
CREATE OR REPLACE TEMP TABLE review_member AS
    SELECT f.person_id, m.unique_id, m.source, m.has_id, m.id_number, m.name,
           m.name_pinyin, m.birth_date, m.phone
    FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
;
"""
CONFIDENT = (
    """
INSERT INTO review_found
WITH directed AS (
    SELECT unique_id_l AS u, unique_id_r AS v, match_weight AS w
    FROM link_edges WHERE match_probability >= $low
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_weight FROM link_edges WHERE match_probability >= $low
),
rival_pairs AS (
    SELECT r.unique_id AS u0, b.unique_id AS v0
    FROM directed AS e
    JOIN review_member AS r ON r.unique_id = e.u AND NOT r.has_id
    JOIN review_member AS b ON b.unique_id = e.v AND b.person_id <> r.person_id
    JOIN review_sizes AS s ON s.person_id = r.person_id AND s.records > 1
    -- A record a reviewer placed is where the reviewer put it.
    ANTI JOIN review_decided AS d ON d.unique_id = r.unique_id
    QUALIFY row_number() OVER (PARTITION BY r.unique_id, b.person_id ORDER BY e.w DESC, e.v) = 1
)
SELECT 'rival_person' AS kind, p.u0, p.v0, e.match_probability AS probability,
           e.match_weight AS weight, e.evidence, $rival_note AS note
    FROM rival_pairs AS p
    JOIN link_edges AS e ON e.unique_id_l = p.u0 AND e.unique_id_r = p.v0
    UNION ALL
    SELECT 'rival_person', p.u0, p.v0, e.match_probability, e.match_weight, e.evidence,
           $rival_note
    FROM rival_pairs AS p
    JOIN link_edges AS e ON e.unique_id_l = p.v0 AND e.unique_id_r = p.u0
""",
    """
INSERT INTO review_found
SELECT 'same_register' AS kind, x.unique_id AS u0, y.unique_id AS v0,
           NULL::DOUBLE AS probability, NULL::DOUBLE AS weight,
           NULL::STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[] AS evidence,
           'the person holds two ' || x.source || ' records' AS note
    FROM review_member AS x JOIN review_member AS y
      ON y.person_id = x.person_id AND y.source = x.source AND y.unique_id > x.unique_id
    WHERE list_contains($registers, x.source)
      AND NOT (x.has_id AND y.has_id AND x.id_number = y.id_number)
""",
    """
INSERT INTO review_found
WITH solo AS (
    SELECT m.* FROM review_member AS m JOIN review_sizes AS s USING (person_id) WHERE s.records = 1
),
namesakes AS (
    SELECT name, count(DISTINCT person_id) AS persons FROM review_member GROUP BY name
),
lone_pairs AS (
    -- A bare row (a name at an address, no birth date, no phone): the model had nothing
    -- else to go on. A lone record with either met a namesake who differs on it.
    SELECT r.unique_id AS u0, c.unique_id AS v0, 0 AS rank,
           'the only other person named ' || r.name AS note
    FROM solo AS r JOIN namesakes AS n ON n.name = r.name AND n.persons = 2
    JOIN review_member AS c ON c.name = r.name AND c.person_id <> r.person_id
    WHERE r.birth_date IS NULL AND r.phone IS NULL
    UNION ALL
    SELECT r.unique_id, c.unique_id, 1, 'the same name in the same building'
    FROM solo AS r JOIN link_places AS pr ON pr.unique_id = r.unique_id
    JOIN review_member AS c ON c.name_pinyin = r.name_pinyin AND c.person_id <> r.person_id
    JOIN link_places AS pc ON pc.unique_id = c.unique_id AND pc.building_id = pr.building_id
    UNION ALL
    SELECT r.unique_id, c.unique_id, 2, 'the same name and phone'
    FROM solo AS r JOIN review_member AS c
      ON c.name_pinyin = r.name_pinyin AND c.phone = r.phone AND c.person_id <> r.person_id
    UNION ALL
    SELECT r.unique_id, c.unique_id, 3, 'the same birth date and phone'
    FROM solo AS r JOIN review_member AS c
      ON c.birth_date = r.birth_date AND c.phone = r.phone AND c.person_id <> r.person_id
)
SELECT 'unmatched' AS kind, l.u0, l.v0, NULL::DOUBLE AS probability,
           NULL::DOUBLE AS weight,
           NULL::STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[] AS evidence,
           'matched no one; ' || l.note AS note
    FROM lone_pairs AS l JOIN link_final AS f ON f.unique_id = l.v0
    QUALIFY row_number() OVER (
        PARTITION BY l.u0, f.person_id ORDER BY l.rank, l.v0) = 1
""",
    """
INSERT INTO review_found
SELECT 'relink_changed' AS kind, u0, v0, NULL::DOUBLE AS probability,
           NULL::DOUBLE AS weight,
           NULL::STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[] AS evidence,
           note
    FROM review_relinked
""",
)

# One row per item: the pair in key order, what differs, where, and what it moves.
ITEMS = """
CREATE OR REPLACE TEMP TABLE review_items AS
WITH sizes AS (SELECT person_id, count(*) AS records FROM link_final GROUP BY person_id),
vulnerable AS ({vulnerable}),
pairs AS (
    SELECT c.*,
           CASE WHEN mu.source || chr(31) || mu.source_record_id
                     <= mv.source || chr(31) || mv.source_record_id
                THEN mu.unique_id ELSE mv.unique_id END AS ua,
           CASE WHEN mu.source || chr(31) || mu.source_record_id
                     <= mv.source || chr(31) || mv.source_record_id
                THEN mv.unique_id ELSE mu.unique_id END AS ub
    FROM review_found AS c
    JOIN link_mentions AS mu ON mu.unique_id = c.u0
    JOIN link_mentions AS mv ON mv.unique_id = c.v0
)
SELECT 'R' || upper(substr(md5(p.kind || chr(31) || a.source || chr(31) || a.source_record_id
           || chr(31) || b.source || chr(31) || b.source_record_id), 1, 10)) AS item_id,
       p.kind, a.source AS source_a, a.source_record_id AS record_a,
       b.source AS source_b, b.source_record_id AS record_b,
       a.department AS department_a, b.department AS department_b,
       fa.person_id AS person_a, fb.person_id AS person_b,
       coalesce(pa.building_id, pb.building_id) AS building_id,
       p.probability AS match_probability, p.weight AS match_weight, p.evidence,
       list_filter(
           ['name', 'id_number', 'sex', 'birth_date', 'phone', 'building', 'dwelling'],
           lambda f: CASE f
               WHEN 'name' THEN a.name <> b.name
               WHEN 'id_number' THEN a.id_number <> b.id_number
               WHEN 'sex' THEN a.sex <> b.sex
               WHEN 'birth_date' THEN a.birth_date <> b.birth_date
               WHEN 'phone' THEN a.phone <> b.phone
               WHEN 'building' THEN pa.building_id <> pb.building_id
               ELSE pa.dwelling_id <> pb.dwelling_id END IS TRUE) AS differing,
       CASE WHEN fa.person_id = fb.person_id THEN 1
            ELSE least(sa.records, sb.records) END AS records_moved,
       (SELECT count(*) FROM vulnerable AS v
        WHERE v.person_id IN (fa.person_id, fb.person_id)) AS vulnerable,
       p.note
FROM pairs AS p
JOIN link_mentions AS a ON a.unique_id = p.ua
JOIN link_mentions AS b ON b.unique_id = p.ub
JOIN link_final AS fa ON fa.unique_id = p.ua
JOIN link_final AS fb ON fb.unique_id = p.ub
LEFT JOIN link_places AS pa ON pa.unique_id = p.ua
LEFT JOIN link_places AS pb ON pb.unique_id = p.ub
JOIN sizes AS sa ON sa.person_id = fa.person_id
JOIN sizes AS sb ON sb.person_id = fb.person_id
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY p.weight DESC NULLS LAST) = 1
"""

UPSERT = f"""
INSERT INTO link.review_queue
SELECT i.item_id, i.kind, i.source_a, i.record_a, i.source_b, i.record_b, i.department_a,
       i.department_b, i.person_a, i.person_b, i.building_id, i.match_probability,
       i.match_weight, i.evidence, i.differing, i.records_moved, i.vulnerable,
       i.records_moved + {VULNERABLE_WEIGHT} * i.vulnerable, i.note, 'open', $now, $run,
       $run, NULL, NULL
FROM review_items AS i
-- A pair someone decided is not asked again (a conflicting decision is its own kind).
WHERE i.kind = 'conflicting_decisions' OR NOT EXISTS (
    SELECT 1 FROM ({BINDING}) AS d
    WHERE d.source_a = i.source_a AND d.record_a = i.record_a
      AND d.source_b = i.source_b AND d.record_b = i.record_b)
ON CONFLICT (item_id) DO UPDATE SET
    person_a = excluded.person_a, person_b = excluded.person_b,
    building_id = excluded.building_id, match_probability = excluded.match_probability,
    match_weight = excluded.match_weight, evidence = excluded.evidence,
    differing = excluded.differing, records_moved = excluded.records_moved,
    vulnerable = excluded.vulnerable, priority = excluded.priority, note = excluded.note,
    refreshed_by = excluded.refreshed_by,
    status = CASE WHEN link.review_queue.status = 'closed' THEN 'open'
                  ELSE link.review_queue.status END,
    closed_at = CASE WHEN link.review_queue.status = 'closed' THEN NULL
                     ELSE link.review_queue.closed_at END,
    close_reason = CASE WHEN link.review_queue.status = 'closed' THEN NULL
                        ELSE link.review_queue.close_reason END
"""

# Records this run put with another person's records, or took from their own, against
# the person IDs they had before (a decision's own moves are the reviewer's, not asked).
# One pair per person joined or part split off: a record of that part and one of the rest.
RELINKED = """
CREATE OR REPLACE TEMP TABLE review_relinked AS
WITH r AS (
    SELECT m.unique_id, m.previous_person_id AS before, f.person_id AS after
    FROM link_mentions AS m JOIN link_final AS f USING (unique_id)
    JOIN link_assign AS a USING (unique_id)
    WHERE m.previous_person_id IS NOT NULL AND a.decision IS NULL
),
parts AS (SELECT before, after, min(unique_id) AS first, count(*) AS n FROM r GROUP BY ALL),
merged AS (
    SELECT p.first AS u0, q.first AS v0,
           'a relink put two persons together (' || p.before || ' joined ' || q.before
               || ')' AS note
    FROM parts AS p JOIN parts AS q ON q.after = p.after AND q.before <> p.before
    WHERE (q.n, q.before) > (p.n, p.before)  -- q is the person the part joined
    QUALIFY row_number() OVER (PARTITION BY p.after, p.before ORDER BY q.n DESC, q.before) = 1
),
split AS (
    SELECT p.first AS u0, q.first AS v0,
           'a relink took records from their person (' || p.before || ')' AS note
    FROM parts AS p JOIN parts AS q ON q.before = p.before AND q.after <> p.after
    WHERE (q.n, q.after) > (p.n, p.after)  -- q kept the person's ID
    QUALIFY row_number() OVER (PARTITION BY p.before, p.after ORDER BY q.n DESC, q.after) = 1
)
SELECT * FROM merged UNION ALL SELECT * FROM split
"""

# The records a binding decision names.
DECIDED = f"""
CREATE OR REPLACE TEMP TABLE review_decided AS
SELECT m.unique_id FROM ({BINDING}) AS d
JOIN link_mentions AS m
  ON (m.source = d.source_a AND m.source_record_id = d.record_a)
  OR (m.source = d.source_b AND m.source_record_id = d.record_b)
"""

# Open items this run looked at again and did not find are moot. A full run looks at
# everything; an incremental one at conflicts, decisions and the records it relinked.
CLOSE = """
UPDATE link.review_queue AS q SET status = 'closed', closed_at = $now,
    close_reason = CASE
        WHEN a.unique_id IS NULL OR b.unique_id IS NULL
            THEN 'a record is gone (link run ' || $run || ')'
        ELSE 'no longer in doubt after link run ' || $run END
FROM link.review_queue AS q2
LEFT JOIN link_mentions AS a ON a.source = q2.source_a AND a.source_record_id = q2.record_a
LEFT JOIN link_mentions AS b ON b.source = q2.source_b AND b.source_record_id = q2.record_b
WHERE q.item_id = q2.item_id AND q.status = 'open'
  AND q.item_id NOT IN (SELECT item_id FROM review_items)
  -- Not found by runs, or found once (a relink's change): never moot by one.
  AND (q.kind NOT IN ('reported', 'sample', 'relink_changed')
       OR a.unique_id IS NULL OR b.unique_id IS NULL)
  -- Kinds found over every record are looked at again by every run.
  AND (q.kind IN ('conflicting_fields', 'conflicting_decisions', 'same_register',
                  'unmatched') OR $full
       OR a.unique_id IS NULL OR b.unique_id IS NULL OR a.is_new OR b.is_new)
"""


def refresh_queue(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    full: bool,
    rule: ReviewRule,
    unheld: list[Unheld],
    now: dt.datetime,
    registers: list[str],
) -> int:
    """Refreshes the queue from this run's temp tables; returns the open items.
    `registers`: the sources that list each resident once (registers.py)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE review_unheld AS "
        "SELECT 'conflicting_decisions' AS kind, a.unique_id AS u0, b.unique_id AS v0, "
        "NULL::DOUBLE AS probability, NULL::DOUBLE AS weight, "
        'NULL::STRUCT(comparison VARCHAR, "level" VARCHAR, weight DOUBLE)[] AS evidence, '
        "u.why || ' (' || u.decision_id || ')' AS note "
        "FROM (SELECT unnest($ids) AS decision_id, unnest($whys) AS why) AS u "
        "JOIN link.review_decisions AS d USING (decision_id) "
        "JOIN link_mentions AS a ON a.source = d.source_a AND a.source_record_id = d.record_a "
        "JOIN link_mentions AS b ON b.source = d.source_b AND b.source_record_id = d.record_b",
        {"ids": [u.decision_id for u in unheld], "whys": [u.why for u in unheld]},
    )
    con.execute(RELINKED)
    con.execute(DECIDED, {"required": rule.reviewers_required})
    low, high = rule.band
    con.execute(CANDIDATES, {"low": low, "high": high})
    con.execute(CONFIDENT_MEMBERS)
    values = {"low": low, "registers": registers, "rival_note": RIVAL_NOTE}
    for statement in CONFIDENT:
        con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    vulnerable = (
        "SELECT person_id FROM mart.vulnerable_residents"
        if has_table(con, "mart.vulnerable_residents")
        else "SELECT NULL::VARCHAR AS person_id WHERE false"
    )
    con.execute(ITEMS.format(vulnerable=vulnerable))
    con.execute(UPSERT, {"now": now, "run": run_id, "required": rule.reviewers_required})
    con.execute(CLOSE, {"now": now, "run": run_id, "full": full})
    return open_items(con)


def open_items(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute("SELECT count(*) FROM link.review_queue WHERE status = 'open'").fetchall()[0][0]
    )


@dataclass(frozen=True)
class QueueStats:
    open: int
    oldest: dt.datetime | None
    limit: int


def queue_stats(con: duckdb.DuckDBPyConnection, limit: int) -> QueueStats:
    count, oldest = con.execute(
        "SELECT count(*), min(opened_at) FROM link.review_queue WHERE status = 'open'"
    ).fetchall()[0]
    return QueueStats(int(count), oldest, limit)


LIST = """
SELECT item_id, kind, priority, records_moved, vulnerable, department_a, department_b,
       building_id, round(match_probability, 3) AS probability, differing, opened_at
FROM link.review_queue
WHERE status = 'open'
  AND ($department IS NULL OR $department IN (department_a, department_b))
  AND ($building IS NULL OR building_id = $building)
  AND ($priority IS NULL OR priority >= $priority)
ORDER BY priority DESC, opened_at, item_id
LIMIT $limit
"""


def list_queue(
    con: duckdb.DuckDBPyConnection,
    department: str | None = None,
    building: str | None = None,
    priority: float | None = None,
    limit: int = 50,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Open items, highest priority first: no names or contacts, only where and what."""
    result = con.execute(
        LIST,
        {"department": department, "building": building, "priority": priority, "limit": limit},
    )
    return [d[0] for d in result.description], result.fetchall()


ITEM = "SELECT * FROM link.review_queue WHERE item_id = $item"
SIDES = """
WITH m AS ({mentions})
SELECT k.side, k.source, k.source_record_id, m.department, ps.person_id, m.name,
       m.id_number, m.sex, m.birth_date, m.phone, m.community, m.building_no, m.unit_no,
       m.room_no, ps.match_probability, ps.match_reason
FROM (VALUES ('a', $sa, $ra), ('b', $sb, $rb)) AS k(side, source, source_record_id)
LEFT JOIN m USING (source, source_record_id)
LEFT JOIN core.person_source AS ps USING (source, source_record_id)
ORDER BY k.side
"""
# The fields a reviewer compares side by side (`sides` returns them for both records).
COMPARED = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "community",
    "building_no",
    "unit_no",
    "room_no",
)


class NoSuchItem(LookupError):
    pass


def item(con: duckdb.DuckDBPyConnection, item_id: str) -> dict[str, Any]:
    result = con.execute(ITEM, {"item": item_id.strip().upper()})
    row = result.fetchone()
    if row is None:
        raise NoSuchItem(f"no review item {item_id!r} (`causeway review` lists the open ones)")
    return dict(zip([d[0] for d in result.description], row, strict=True))


def sides(
    con: duckdb.DuckDBPyConnection, contracts: list[SourceContract], found: dict[str, Any]
) -> list[dict[str, Any]]:
    """The item's two records side by side, as the departments hold them now."""
    result = con.execute(
        SIDES.format(mentions=mentions_sql(contracts)),
        {
            "sa": found["source_a"],
            "ra": found["record_a"],
            "sb": found["source_b"],
            "rb": found["record_b"],
        },
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def decide(
    con: duckdb.DuckDBPyConnection,
    item_id: str,
    decision: str,
    reviewer: str,
    reason: str,
    sudo_user: str | None = None,
    required: int = 1,
) -> str:
    """Records a decision on an item; returns its ID. The records of both persons are
    marked for relinking, so the next run (of any kind) applies it once it binds (with
    `required` reviewers, when that many agree)."""
    if decision not in DECISIONS:
        raise ValueError(f"a decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    found = item(con, item_id)
    decision_id = "D" + uuid.uuid4().hex[:10].upper()
    con.execute(
        "INSERT INTO link.review_decisions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
        [
            decision_id,
            found["item_id"],
            found["source_a"],
            found["record_a"],
            found["source_b"],
            found["record_b"],
            decision,
            reviewer,
            sudo_user,
            dt.datetime.now(),
            reason,
        ],
    )
    settle(con, found["item_id"], required)
    _relink(con, [(found["source_a"], found["record_a"]), (found["source_b"], found["record_b"])])
    return decision_id


REPORTED = """
INSERT INTO link.review_queue
SELECT $item, 'reported', a.source, a.source_record_id, b.source, b.source_record_id,
       a.department, b.department, a.person_id, b.person_id,
       coalesce(a.building_id, b.building_id), NULL, NULL, NULL, [],
       CASE WHEN a.person_id = b.person_id THEN 1 ELSE 2 END, 0,
       CASE WHEN a.person_id = b.person_id THEN 1 ELSE 2 END, 'reported by a reviewer',
       'open', $now, 'review', 'review', NULL, NULL
FROM core.person_source AS a, core.person_source AS b
WHERE a.source = $sa AND a.source_record_id = $ra AND b.source = $sb AND b.source_record_id = $rb
ON CONFLICT (item_id) DO NOTHING
"""


def report_pair(
    con: duckdb.DuckDBPyConnection,
    first: tuple[str, str],
    second: tuple[str, str],
    decision: str,
    reviewer: str,
    reason: str,
    sudo_user: str | None = None,
    required: int = 1,
) -> tuple[str, str]:
    """A decision on two records named by their keys (source, record ID) rather than by a
    queue item: recorded as a `reported` item and its decision. Returns (item, decision)."""
    (sa, ra), (sb, rb) = sorted([first, second], key=lambda k: f"{k[0]}\x1f{k[1]}")
    if (sa, ra) == (sb, rb):
        raise ValueError("a decision needs two different records")
    key = f"reported\x1f{sa}\x1f{ra}\x1f{sb}\x1f{rb}"
    item_id = "R" + con.execute("SELECT upper(substr(md5(?), 1, 10))", [key]).fetchall()[0][0]
    params = {"item": item_id, "now": dt.datetime.now(), "sa": sa, "ra": ra, "sb": sb, "rb": rb}
    con.execute(REPORTED, params)
    found = con.execute("SELECT count(*) FROM link.review_queue WHERE item_id = ?", [item_id])
    if not found.fetchall()[0][0]:
        raise NoSuchItem(
            f"no linked record {sa} {ra} and {sb} {rb} (both must be in core.person_source)"
        )
    return item_id, decide(con, item_id, decision, reviewer, reason, sudo_user, required)


def undo(
    con: duckdb.DuckDBPyConnection,
    decision_id: str,
    reviewer: str,
    reason: str,
    sudo_user: str | None = None,
    required: int = 1,
) -> str:
    """Records that `decision_id` no longer holds; its item opens again."""
    rows = con.execute(
        "SELECT item_id, source_a, record_a, source_b, record_b, decision "
        "FROM link.review_decisions WHERE decision_id = ?",
        [decision_id.strip().upper()],
    ).fetchall()
    if not rows or rows[0][5] == "undo":
        raise NoSuchItem(f"no decision {decision_id!r} to undo")
    item_id, sa, ra, sb, rb, _ = rows[0]
    undone = con.execute(
        "SELECT count(*) FROM link.review_decisions WHERE decision = 'undo' AND undoes = ?",
        [decision_id.strip().upper()],
    ).fetchall()[0][0]
    if undone:
        raise NoSuchItem(f"decision {decision_id} was already undone")
    new_id = "D" + uuid.uuid4().hex[:10].upper()
    con.execute(
        "INSERT INTO link.review_decisions VALUES (?, ?, ?, ?, ?, ?, 'undo', ?, ?, ?, ?, ?)",
        [
            new_id,
            item_id,
            sa,
            ra,
            sb,
            rb,
            decision_id.strip().upper(),
            reviewer,
            sudo_user,
            dt.datetime.now(),
            reason,
        ],
    )
    settle(con, item_id, required)
    _relink(con, [(sa, ra), (sb, rb)])
    return new_id


VOTES = """
SELECT reviewer, decision, decision_id FROM link.review_decisions
WHERE item_id = ? AND decision <> 'undo'
  AND decision_id NOT IN (SELECT undoes FROM link.review_decisions WHERE decision = 'undo')
QUALIFY row_number() OVER (PARTITION BY reviewer ORDER BY decided_at DESC, decision_id DESC) = 1
ORDER BY reviewer
"""


def settle(con: duckdb.DuckDBPyConnection, item_id: str, required: int = 1) -> str:
    """The item's status from its decisions: decided when a decision binds; open, saying
    what it waits for, when it needs more reviews or its reviewers disagree."""
    votes = con.execute(VOTES, [item_id]).fetchall()
    newest = con.execute(
        "SELECT decision, decision_id FROM link.review_decisions WHERE item_id = ? "
        "AND decision <> 'undo' AND decision_id NOT IN "
        "(SELECT undoes FROM link.review_decisions WHERE decision = 'undo') "
        "ORDER BY decided_at DESC, decision_id DESC LIMIT 1",
        [item_id],
    ).fetchall()
    opinions = sorted({d for _, d, _ in votes if d != "unsure"})
    status, note = "open", None
    if required <= 1:
        if newest and newest[0][0] != "unsure":
            status, note = "decided", f"decided: {newest[0][0]} ({newest[0][1]})"
    elif len(opinions) > 1:
        note = "reviewers disagree: " + ", ".join(f"{r} {d}" for r, d, _ in votes)
    elif opinions:
        agreeing = [i for _, d, i in votes if d == opinions[0]]
        if len(agreeing) >= required:
            status, note = "decided", f"decided: {opinions[0]} ({', '.join(agreeing)})"
        else:
            note = f"{len(agreeing)} of {required} agreeing reviews"
    con.execute(
        "UPDATE link.review_queue SET status = ?, "
        "closed_at = CASE WHEN ? = 'decided' THEN now()::TIMESTAMP END, close_reason = ? "
        "WHERE item_id = ?",
        [status, status, note, item_id],
    )
    return status


AGREEMENT = """
WITH votes AS (
    SELECT item_id, reviewer, decision FROM link.review_decisions
    WHERE decision IN ('match', 'distinct')
      AND decision_id NOT IN (SELECT undoes FROM link.review_decisions WHERE decision = 'undo')
    QUALIFY row_number() OVER (
        PARTITION BY item_id, reviewer ORDER BY decided_at DESC, decision_id DESC) = 1
),
items AS (
    SELECT item_id, count(*) AS reviewers, count(DISTINCT decision) AS opinions
    FROM votes GROUP BY item_id HAVING count(*) >= 2
)
SELECT count(*) AS items, count(*) FILTER (WHERE opinions = 1) AS agreed FROM items
"""


def agreement(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(items two or more reviewers decided, items on which they all agreed)."""
    items, agreed = con.execute(AGREEMENT).fetchall()[0]
    return int(items), int(agreed or 0)


def decisions_of(con: duckdb.DuckDBPyConnection, item_id: str) -> list[dict[str, Any]]:
    result = con.execute(
        "SELECT decision_id, decision, undoes, reviewer, decided_at, reason "
        "FROM link.review_decisions WHERE item_id = ? ORDER BY decided_at",
        [item_id.strip().upper()],
    )
    return [
        dict(zip([d[0] for d in result.description], r, strict=True)) for r in result.fetchall()
    ]


RELINK = """
DELETE FROM link.fingerprints AS f WHERE EXISTS (
    SELECT 1 FROM core.person_source AS ps
    WHERE ps.source = f.source AND ps.source_record_id = f.source_record_id
      AND ps.person_id IN (
          SELECT person_id FROM core.person_source
          WHERE (source = $sa AND source_record_id = $ra)
             OR (source = $sb AND source_record_id = $rb))
) OR (f.source = $sa AND f.source_record_id = $ra)
  OR (f.source = $sb AND f.source_record_id = $rb)
"""


def _relink(con: duckdb.DuckDBPyConnection, records: list[tuple[str, str]]) -> None:
    """Forget what linking saw of every record of the persons these records belong to, so
    the next incremental run relinks them all and the decision applies to fresh links."""
    (sa, ra), (sb, rb) = records
    con.execute(RELINK, {"sa": sa, "ra": ra, "sb": sb, "rb": rb})
