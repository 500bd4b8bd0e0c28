"""Stable person IDs: a relink renames nobody it does not have to.

Each new cluster inherits the previous person ID it shares the most records with, and
each previous ID goes to at most one cluster (mutual best overlap, repeated until
nothing changes). Clusters left without one get fresh IDs, numbered in a deterministic
order; previous IDs left without a cluster are recorded as merged into the person that
took most of their records, or retired when none of their records remain.
"""

from __future__ import annotations

import duckdb

ID_PREFIX = "CW"
ID_DIGITS = 10

CLUSTERS = """
CREATE OR REPLACE TEMP TABLE link_clusters AS
SELECT a.cluster_key, count(*) AS records,
       min(m.source || chr(31) || m.source_record_id) AS first_record,
       CASE WHEN a.cluster_key LIKE 'p:%' THEN substr(a.cluster_key, 3) END AS kept_id
FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
GROUP BY a.cluster_key
"""

OVERLAP = """
CREATE OR REPLACE TEMP TABLE link_overlap AS
SELECT a.cluster_key, m.previous_person_id AS person_id, count(*) AS shared
FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
WHERE m.previous_person_id IS NOT NULL
GROUP BY ALL
"""

CREATE_IDS = """
CREATE OR REPLACE TEMP TABLE link_ids (cluster_key VARCHAR PRIMARY KEY, person_id VARCHAR UNIQUE);
INSERT INTO link_ids SELECT cluster_key, kept_id FROM link_clusters WHERE kept_id IS NOT NULL;
"""

MUTUAL_BEST = """
INSERT INTO link_ids
WITH open AS (
    SELECT o.*, c.records FROM link_overlap AS o
    JOIN link_clusters AS c USING (cluster_key)
    ANTI JOIN link_ids AS taken_c ON taken_c.cluster_key = o.cluster_key
    ANTI JOIN link_ids AS taken_p ON taken_p.person_id = o.person_id
),
best_for_cluster AS (
    SELECT cluster_key, person_id FROM open
    QUALIFY row_number() OVER (PARTITION BY cluster_key ORDER BY shared DESC, person_id) = 1
),
best_for_person AS (
    SELECT cluster_key, person_id FROM open
    QUALIFY row_number() OVER (
        PARTITION BY person_id ORDER BY shared DESC, records DESC, cluster_key) = 1
)
SELECT cluster_key, person_id FROM best_for_cluster
INTERSECT
SELECT cluster_key, person_id FROM best_for_person
"""

LAST_NUMBER = f"""
SELECT coalesce(max(TRY_CAST(substr(person_id, {len(ID_PREFIX) + 1}) AS BIGINT)), 0)
FROM (SELECT person_id FROM core.person_id_history
      UNION ALL SELECT person_id FROM core.person_source)
WHERE person_id LIKE '{ID_PREFIX}%'
"""

FRESH_IDS = f"""
INSERT INTO link_ids
SELECT c.cluster_key,
       '{ID_PREFIX}' || lpad((
           $last + row_number() OVER (ORDER BY c.first_record, c.cluster_key))::VARCHAR,
           {ID_DIGITS}, '0')
FROM link_clusters AS c ANTI JOIN link_ids AS i USING (cluster_key)
"""

# Every previous person ID with how many records it had and where they went.
HISTORY = """
INSERT INTO core.person_id_history
    (person_id, event, related_person_id, records, link_run_id, recorded_at)
WITH previous AS (
    SELECT person_id, count(*) AS records FROM core.person_source GROUP BY person_id
),
inherited AS (SELECT person_id FROM link_ids),
went AS (
    SELECT o.person_id, i.person_id AS now_id, o.shared
    FROM link_overlap AS o JOIN link_ids AS i USING (cluster_key)
),
fresh AS (
    SELECT i.person_id, c.records FROM link_ids AS i
    JOIN link_clusters AS c USING (cluster_key)
    WHERE i.person_id NOT IN (SELECT person_id FROM previous)
)
-- Previous IDs not inherited: merged into the person holding most of their records.
SELECT p.person_id, 'merged_into', w.now_id, w.shared, $run, $now
FROM previous AS p
JOIN went AS w ON w.person_id = p.person_id
ANTI JOIN inherited AS i ON i.person_id = p.person_id
QUALIFY row_number() OVER (PARTITION BY p.person_id ORDER BY w.shared DESC, w.now_id) = 1
UNION ALL
SELECT p.person_id, 'retired', NULL, p.records, $run, $now
FROM previous AS p
ANTI JOIN went AS w ON w.person_id = p.person_id
ANTI JOIN inherited AS i ON i.person_id = p.person_id
UNION ALL
-- New IDs: split from a previous ID when they took records from one, else created.
SELECT f.person_id,
       CASE WHEN w.person_id IS NULL THEN 'created' ELSE 'split_from' END,
       w.person_id, f.records, $run, $now
FROM fresh AS f
LEFT JOIN (
    SELECT now_id, person_id FROM went
    QUALIFY row_number() OVER (PARTITION BY now_id ORDER BY shared DESC, person_id) = 1
) AS w ON w.now_id = f.person_id
"""

MAX_ROUNDS = 20


def assign_person_ids(con: duckdb.DuckDBPyConnection, run_id: str, now: object) -> None:
    """Fills `link_ids` (cluster_key → person_id) and records the history of this run."""
    con.execute(CLUSTERS)
    con.execute(OVERLAP)
    con.execute(CREATE_IDS)
    for _ in range(MAX_ROUNDS):
        before = con.execute("SELECT count(*) FROM link_ids").fetchall()[0][0]
        con.execute(MUTUAL_BEST)
        if con.execute("SELECT count(*) FROM link_ids").fetchall()[0][0] == before:
            break
    last = con.execute(LAST_NUMBER).fetchall()[0][0]
    con.execute(FRESH_IDS, {"last": last})
    con.execute(HISTORY, {"run": run_id, "now": now})
