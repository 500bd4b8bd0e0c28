"""Clusters mentions into people, under one hard rule: two different valid ID numbers
are never the same person.

Mentions sharing a valid ID number form a cluster (or, incrementally, join the person
who already holds it). Every other mention joins the single cluster its best link
points to, if that link's probability reaches the threshold; a mention cannot chain two
ID clusters together, which plain connected components would allow. Mentions left over
are grouped by connected components of their own links.
"""

from __future__ import annotations

import duckdb

from warehouse.linking.decisions import Unheld, apply_decisions
from warehouse.linking.registers import complete_registers
from warehouse.linking.settings import RegisterRule

CREATE = """
CREATE OR REPLACE TEMP TABLE link_assign (
    unique_id BIGINT PRIMARY KEY,
    cluster_key VARCHAR NOT NULL,
    how VARCHAR NOT NULL,
    probability DOUBLE,
    weight DOUBLE,
    via BIGINT,
    evidence STRUCT(comparison VARCHAR, level VARCHAR, weight DOUBLE)[]
)
"""

SEED_BY_ID = """
INSERT INTO link_assign
SELECT unique_id, 'id:' || id_number, 'id', 1.0, NULL, NULL, NULL
FROM link_mentions WHERE has_id
"""

# Incremental: mentions linked before keep their person; a new or changed mention with
# a valid ID number joins the person who already has that number, or starts a cluster.
SEED_KEEP = """
INSERT INTO link_assign
SELECT unique_id, 'p:' || previous_person_id, 'kept', NULL, NULL, NULL, NULL
FROM link_mentions WHERE NOT is_new
"""
SEED_NEW_BY_ID = """
INSERT INTO link_assign
WITH kept AS (
    -- Numbers already held by a person through records kept as they were.
    SELECT m.id_number, min(a.cluster_key) AS cluster_key
    FROM link_mentions AS m JOIN link_assign AS a USING (unique_id)
    WHERE m.has_id
    GROUP BY m.id_number
),
holds AS (
    SELECT a.cluster_key, count(DISTINCT m.id_number) AS numbers, min(m.id_number) AS id_number
    FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
    WHERE m.has_id
    GROUP BY a.cluster_key
),
moved AS (
    -- A changed record goes back to its previous person only if that person holds no
    -- other number, and each person takes back at most one number.
    SELECT id_number, cluster_key FROM (
        SELECT m.id_number, 'p:' || m.previous_person_id AS cluster_key, count(*) AS records
        FROM link_mentions AS m
        LEFT JOIN holds AS h ON h.cluster_key = 'p:' || m.previous_person_id
        WHERE m.is_new AND m.has_id AND m.previous_person_id IS NOT NULL
          AND (h.cluster_key IS NULL OR (h.numbers = 1 AND h.id_number = m.id_number))
        GROUP BY m.id_number, m.previous_person_id
    )
    QUALIFY row_number() OVER (PARTITION BY cluster_key ORDER BY records DESC, id_number) = 1
        AND row_number() OVER (PARTITION BY id_number ORDER BY records DESC, cluster_key) = 1
),
held AS (
    SELECT coalesce(k.id_number, v.id_number) AS id_number,
           coalesce(k.cluster_key, v.cluster_key) AS cluster_key
    FROM kept AS k FULL JOIN moved AS v USING (id_number)
)
SELECT n.unique_id, coalesce(h.cluster_key, 'id:' || n.id_number), 'id', 1.0, NULL, NULL, NULL
FROM link_mentions AS n LEFT JOIN held AS h USING (id_number)
WHERE n.is_new AND n.has_id
"""

BEST_LINK = """
INSERT INTO link_assign
WITH directed AS (
    SELECT unique_id_l AS u, unique_id_r AS v, match_probability, match_weight, evidence
    FROM link_edges
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_probability, match_weight, evidence
    FROM link_edges
)
SELECT d.u, a.cluster_key, 'probabilistic', d.match_probability, d.match_weight, d.v, d.evidence
FROM directed AS d
JOIN link_assign AS a ON a.unique_id = d.v
JOIN link_mentions AS m ON m.unique_id = d.u
ANTI JOIN link_assign AS done ON done.unique_id = d.u
WHERE d.match_probability >= $threshold
  -- The person's valid ID number says their birth date and sex: a record that says
  -- otherwise is someone else, whichever of the person's records it matched (张玮 of an
  -- incident, with no birth date, is not the 张玮 of a welfare case born in 1931).
  AND NOT coalesce(a.cluster_key LIKE 'id:%' AND (
      m.birth_date <> cw_id_birth(substr(a.cluster_key, 4))
      OR m.sex <> cw_id_sex(substr(a.cluster_key, 4))), false)
QUALIFY row_number() OVER (
    PARTITION BY d.u ORDER BY d.match_weight DESC, a.cluster_key, d.v
) = 1
"""

# Incremental: a new person with a valid ID number may be someone already known only
# from records without one (their health record came first). Their new cluster takes
# over that person's ID when its best link to them reaches the threshold; each side is
# adopted at most once (mutual best).
ADOPT = """
UPDATE link_assign AS a SET cluster_key = pick.old_key
FROM (
    WITH id_free AS (
        SELECT a.cluster_key FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
        WHERE a.cluster_key LIKE 'p:%'
        GROUP BY a.cluster_key HAVING NOT bool_or(m.has_id)
    ),
    directed AS (
        SELECT unique_id_l AS u, unique_id_r AS v, match_weight, match_probability
        FROM link_edges
        UNION ALL
        SELECT unique_id_r, unique_id_l, match_weight, match_probability FROM link_edges
    ),
    candidates AS (
        SELECT src.cluster_key AS new_key, dst.cluster_key AS old_key,
               max(d.match_weight) AS weight
        FROM directed AS d
        JOIN link_assign AS src ON src.unique_id = d.u AND src.cluster_key LIKE 'id:%'
        JOIN link_assign AS dst ON dst.unique_id = d.v
        JOIN id_free ON id_free.cluster_key = dst.cluster_key
        WHERE d.match_probability >= $threshold
        GROUP BY ALL
    ),
    best_for_old AS (
        SELECT * FROM candidates
        QUALIFY row_number() OVER (PARTITION BY old_key ORDER BY weight DESC, new_key) = 1
    )
    SELECT new_key, old_key FROM best_for_old
    QUALIFY row_number() OVER (PARTITION BY new_key ORDER BY weight DESC, old_key) = 1
) AS pick
WHERE a.cluster_key = pick.new_key
"""

LEFTOVER = """
CREATE OR REPLACE TEMP TABLE link_leftover AS
SELECT m.unique_id, m.unique_id AS label
FROM link_mentions AS m ANTI JOIN link_assign AS a USING (unique_id)
"""
LEFTOVER_EDGES = """
CREATE OR REPLACE TEMP TABLE link_leftover_edges AS
SELECT e.unique_id_l AS u, e.unique_id_r AS v FROM link_edges AS e
WHERE e.match_probability >= $threshold
  AND e.unique_id_l IN (SELECT unique_id FROM link_leftover)
  AND e.unique_id_r IN (SELECT unique_id FROM link_leftover)
"""

PROPAGATE = """
CREATE OR REPLACE TEMP TABLE link_leftover_next AS
WITH both_ways AS (
    SELECT u AS a, v AS b FROM link_leftover_edges
    UNION ALL SELECT v, u FROM link_leftover_edges
)
SELECT x.unique_id, least(x.label, coalesce(min(y.label), x.label)) AS label
FROM link_leftover AS x
LEFT JOIN both_ways AS w ON w.a = x.unique_id
LEFT JOIN link_leftover AS y ON y.unique_id = w.b
GROUP BY x.unique_id, x.label
"""

CHANGED = """
SELECT count(*) FROM link_leftover AS x JOIN link_leftover_next AS y USING (unique_id)
WHERE x.label <> y.label
"""

SEED_COMPONENTS = """
INSERT INTO link_assign
WITH directed AS (
    SELECT unique_id_l AS u, unique_id_r AS v, match_probability, match_weight, evidence
    FROM link_edges WHERE match_probability >= $threshold
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_probability, match_weight, evidence
    FROM link_edges WHERE match_probability >= $threshold
),
best AS (
    SELECT d.* FROM directed AS d
    JOIN link_leftover AS x ON x.unique_id = d.u
    JOIN link_leftover AS y ON y.unique_id = d.v AND y.label = x.label
    QUALIFY row_number() OVER (PARTITION BY d.u ORDER BY d.match_weight DESC, d.v) = 1
)
SELECT x.unique_id, 'n:' || x.label,
       CASE WHEN b.u IS NULL THEN 'alone' ELSE 'probabilistic' END,
       coalesce(b.match_probability, 1.0), b.match_weight, b.v, b.evidence
FROM link_leftover AS x LEFT JOIN best AS b ON b.u = x.unique_id
"""

MAX_ROUNDS = 50


def assign_clusters(
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    incremental: bool,
    registers: RegisterRule | None = None,
    reviewers_required: int = 1,
) -> list[Unheld]:
    """Fills `link_assign` from `link_mentions` and `link_edges` (temp tables); with
    `registers`, rows a register leaves over then join the resident it lacks. Reviewers'
    decisions are applied last; returns those that could not hold."""
    con.execute(CREATE)
    if incremental:
        con.execute(SEED_KEEP)
        con.execute(SEED_NEW_BY_ID)
        con.execute(ADOPT, {"threshold": threshold})
    else:
        con.execute(SEED_BY_ID)
    # Two rounds: the second lets a mention follow one placed by the first.
    for _ in range(2):
        con.execute(BEST_LINK, {"threshold": threshold})
    con.execute(LEFTOVER)
    con.execute(LEFTOVER_EDGES, {"threshold": threshold})
    for _ in range(MAX_ROUNDS):
        con.execute(PROPAGATE)
        changed = con.execute(CHANGED).fetchall()[0][0]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE link_leftover AS SELECT * FROM link_leftover_next"
        )
        if not changed:
            break
    con.execute(SEED_COMPONENTS, {"threshold": threshold})
    con.execute("DROP TABLE IF EXISTS link_leftover_next; DROP TABLE IF EXISTS link_leftover_edges")
    if registers is not None:
        complete_registers(con, registers, threshold)
    return apply_decisions(con, reviewers_required)
