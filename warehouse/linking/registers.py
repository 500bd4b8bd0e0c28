"""A register lists each resident of a home once: the record it lacks is the one left over.

The housing register and the household register (户籍) have one row per person. A row
with a typo in the name and neither ID number nor birth date (邵玲艳 for 邵云艳) is, on
its own evidence, as likely a sibling with a generation name as the resident, and the
model keeps it apart. The register says more: when that row is the only one of its
register at the home left without a person, and the resident is the only one at that
home the register does not list, they are the same person unless the register is
incomplete. That exclusion is evidence the pair's comparisons do not see, worth
`registers.weight` bits (linking.yaml), so only rows close to the threshold on their own
(a name one character apart, a homophone) are completed; an unrelated name is not.

Which sources are registers is read off the data, not declared: a source where a valid ID
number almost never repeats at one home lists each resident once. A case file, where one
person has many rows, is not one, nor an incident log (its address is where it happened).
"""

from __future__ import annotations

import math

import duckdb

from warehouse.linking.settings import RegisterRule

# A person listed at two homes (an owner of two flats) is still listed once at each; an
# incident log, whose address is where something happened, lists no residents.
SOURCES = """
SELECT source FROM link_mentions
WHERE NOT at_event AND has_id AND dwelling_key IS NOT NULL
GROUP BY source
HAVING count(*) >= $min_ids
   AND count(DISTINCT (id_number, dwelling_key)) >= (1 - $repeat_share) * count(*)
ORDER BY source
"""

# Rows of a register that no other record matched (in an incremental run, new ones), and
# the people at their home whom that register does not list, joined by a scored pair
# close enough to the threshold; kept where each side has only the other.
COMPLETE = """
CREATE OR REPLACE TEMP TABLE link_register_picks AS
WITH orphan AS (
    SELECT a.unique_id, m.source, m.dwelling_key, a.cluster_key
    FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
    WHERE a.how = 'alone' AND m.dwelling_key IS NOT NULL AND list_contains($sources, m.source)
),
member AS (
    SELECT a.cluster_key, m.source, m.dwelling_key
    FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
),
directed AS (
    SELECT unique_id_l AS u, unique_id_r AS v, match_weight, evidence FROM link_edges
    UNION ALL
    SELECT unique_id_r, unique_id_l, match_weight, evidence FROM link_edges
),
candidate AS (
    SELECT o.unique_id, x.cluster_key, d.v, d.match_weight, d.evidence
    FROM orphan AS o
    JOIN directed AS d ON d.u = o.unique_id
    JOIN link_assign AS x ON x.unique_id = d.v
    WHERE x.cluster_key <> o.cluster_key
      AND d.match_weight + $weight >= $threshold_weight
      AND EXISTS (SELECT 1 FROM member AS h
                  WHERE h.cluster_key = x.cluster_key AND h.dwelling_key = o.dwelling_key)
      AND NOT EXISTS (SELECT 1 FROM member AS h
                      WHERE h.cluster_key = x.cluster_key AND h.source = o.source)
    QUALIFY row_number() OVER (
        PARTITION BY o.unique_id, x.cluster_key ORDER BY d.match_weight DESC, d.v) = 1
)
SELECT c.*, o.source FROM candidate AS c JOIN orphan AS o USING (unique_id)
QUALIFY count(*) OVER (PARTITION BY c.unique_id) = 1
    AND count(*) OVER (PARTITION BY c.cluster_key, o.source) = 1
"""

APPLY = """
UPDATE link_assign AS a
SET cluster_key = p.cluster_key, how = 'register', via = p.v,
    weight = p.match_weight + $weight,
    probability = 1 / (1 + pow(2, -(p.match_weight + $weight))),
    evidence = list_append(p.evidence, {'comparison': 'register', 'level': $level,
                                        'weight': round($weight, 2)})
FROM link_register_picks AS p
WHERE a.unique_id = p.unique_id
"""

LEVEL = "only row left at this home, for the only resident not listed"


def register_sources(con: duckdb.DuckDBPyConnection, rule: RegisterRule) -> list[str]:
    """The sources of `link_mentions` that list each person once."""
    rows = con.execute(
        SOURCES, {"min_ids": rule.min_id_numbers, "repeat_share": rule.repeat_share}
    ).fetchall()
    return [r[0] for r in rows]


def weight_floor(rule: RegisterRule, threshold: float) -> float:
    """The lowest probability a scored pair may have and still be completed."""
    return 1 / (1 + 2 ** (rule.weight - _weight(threshold)))


def complete_registers(con: duckdb.DuckDBPyConnection, rule: RegisterRule, threshold: float) -> int:
    """Moves register rows left alone in `link_assign` to the one resident their register
    lacks at their home; returns how many moved."""
    sources = register_sources(con, rule)
    if not sources:
        return 0
    params = {"weight": rule.weight, "threshold_weight": _weight(threshold)}
    con.execute(COMPLETE, {**params, "sources": sources})
    con.execute(APPLY, {"weight": rule.weight, "level": LEVEL})
    return con.execute("SELECT count(*) FROM link_register_picks").fetchall()[0][0]


def _weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))
