"""What reviewers' labels say of the linker: pairwise precision and recall, estimated from
a random sample, with the sample's confidence interval.

`draw_sample` puts two random samples of record pairs in the queue (kind `sample`), each
a simple random sample without replacement from its population:

- **linked**: pairs of records the linker placed in one person (the population pairwise
  precision counts). Labelled `match`, a pair is right; `distinct`, a false merge.
- **candidates**: pairs of records in *different* persons that share a name, a phone, or a
  building and a surname (the pairs a missed link would most likely be). Labelled
  `match`, a missed link.

`estimate` reads the labels (the decisions that bind on those items):

- precision = the share of linked pairs labelled `match` (Wilson interval);
- missed links ≈ candidate pairs × the share labelled `match`;
- recall = right links / (right links + missed links), its interval from the two shares'
  bounds (conservative).

Missed links outside the candidate space are not seen: the recall is that of the
candidate space, and says so. The populations are counted when the sample is drawn.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass

import duckdb

from warehouse.linking.decisions import BINDING
from warehouse.linking.mentions import mentions_sql

Z95 = 1.959964

LINKED_PAIRS = """
SELECT x.source AS source_a, x.source_record_id AS record_a,
       y.source AS source_b, y.source_record_id AS record_b, x.person_id AS person_a,
       y.person_id AS person_b
FROM core.person_source AS x JOIN core.person_source AS y
  ON y.person_id = x.person_id
 AND x.source || chr(31) || x.source_record_id < y.source || chr(31) || y.source_record_id
"""
CANDIDATE_PAIRS = """
WITH m AS ({mentions}),
r AS (
    SELECT ps.source, ps.source_record_id, ps.person_id, ps.building_id, m.name, m.phone,
           left(m.name, 1) AS surname
    FROM core.person_source AS ps JOIN m USING (source, source_record_id)
)
SELECT DISTINCT x.source AS source_a, x.source_record_id AS record_a,
       y.source AS source_b, y.source_record_id AS record_b, x.person_id AS person_a,
       y.person_id AS person_b
FROM r AS x JOIN r AS y
  ON x.source || chr(31) || x.source_record_id < y.source || chr(31) || y.source_record_id
 AND x.person_id <> y.person_id
 AND (x.name = y.name OR x.phone = y.phone
      OR (x.building_id = y.building_id AND x.surname = y.surname))
"""
DDL = """
CREATE TABLE IF NOT EXISTS link.review_samples (
    sample_id VARCHAR NOT NULL,
    stratum VARCHAR NOT NULL,
    population BIGINT NOT NULL,
    item_id VARCHAR NOT NULL,
    drawn_at TIMESTAMP NOT NULL,
    seed INTEGER NOT NULL,
    CHECK (stratum IN ('linked', 'candidates'))
)
"""
INSERT_ITEMS = """
INSERT INTO link.review_queue
SELECT 'R' || upper(substr(md5('sample' || chr(31) || source_a || chr(31) || record_a
           || chr(31) || source_b || chr(31) || record_b), 1, 10)),
       'sample', source_a, record_a, source_b, record_b, NULL, NULL, person_a, person_b, NULL,
       NULL, NULL, NULL, [], 1, 0, 0, 'a random sample (' || $stratum || ') to measure the linker',
       'open', $now, $sample, $sample, NULL, NULL
FROM drawn
ON CONFLICT (item_id) DO NOTHING
"""


@dataclass(frozen=True)
class Sample:
    sample_id: str
    linked: int  # pairs drawn from the linked population
    linked_population: int
    candidates: int
    candidate_population: int


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Accuracy:
    sample_id: str
    labelled_linked: int
    labelled_candidates: int
    precision: Interval | None
    recall: Interval | None
    missed_links: float | None
    linked_population: int
    candidate_population: int


def draw_sample(
    con: duckdb.DuckDBPyConnection,
    contracts: list,
    size: int,
    seed: int = 42,
) -> Sample:
    """`size` linked pairs and `size` candidate pairs, each a simple random sample."""
    con.execute(DDL)
    sample_id = "S" + uuid.uuid4().hex[:8].upper()
    now = dt.datetime.now()
    counts = {}
    for stratum, population in (
        ("linked", LINKED_PAIRS),
        ("candidates", CANDIDATE_PAIRS.format(mentions=mentions_sql(contracts))),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE sample_population AS {population}")
        total = con.execute("SELECT count(*) FROM sample_population").fetchall()[0][0]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE drawn AS SELECT * FROM sample_population "
            f"USING SAMPLE reservoir({int(size)} ROWS) REPEATABLE ({int(seed)})"
        )
        con.execute(INSERT_ITEMS, {"stratum": stratum, "now": now, "sample": sample_id})
        con.execute(
            "INSERT INTO link.review_samples SELECT $sample, $stratum, $total, "
            "'R' || upper(substr(md5('sample' || chr(31) || source_a || chr(31) || record_a "
            "|| chr(31) || source_b || chr(31) || record_b), 1, 10)), $now, $seed FROM drawn",
            {"sample": sample_id, "stratum": stratum, "total": total, "now": now, "seed": seed},
        )
        drawn = con.execute("SELECT count(*) FROM drawn").fetchall()[0][0]
        counts[stratum] = (int(drawn), int(total))
    con.execute("DROP TABLE IF EXISTS sample_population; DROP TABLE IF EXISTS drawn")
    return Sample(sample_id, *counts["linked"], *counts["candidates"])


LABELS = f"""
SELECT s.stratum, s.population, b.decision
FROM link.review_samples AS s
JOIN link.review_queue AS q USING (item_id)
LEFT JOIN ({BINDING}) AS b
  ON b.source_a = q.source_a AND b.record_a = q.record_a
 AND b.source_b = q.source_b AND b.record_b = q.record_b
WHERE s.sample_id = $sample
"""


def estimate(
    con: duckdb.DuckDBPyConnection, sample_id: str | None = None, required: int = 1
) -> Accuracy | None:
    """Precision and recall from the labelled pairs of a sample (the newest by default)."""
    con.execute(DDL)
    if sample_id is None:
        found = con.execute(
            "SELECT sample_id FROM link.review_samples ORDER BY drawn_at DESC LIMIT 1"
        ).fetchall()
        if not found:
            return None
        sample_id = found[0][0]
    rows = con.execute(LABELS, {"sample": sample_id, "required": required}).fetchall()
    populations = {stratum: population for stratum, population, _ in rows}
    linked = [d for s, _, d in rows if s == "linked" and d in ("match", "distinct")]
    candidates = [d for s, _, d in rows if s == "candidates" and d in ("match", "distinct")]
    precision = _wilson(linked.count("match"), len(linked)) if linked else None
    recall = missed = None
    if precision is not None and candidates:
        share = _wilson(candidates.count("match"), len(candidates))
        pairs, space = populations.get("linked", 0), populations.get("candidates", 0)

        def ratio(p: float, m: float) -> float:
            right = p * pairs
            return right / (right + m * space) if right + m * space else 1.0

        missed = share.value * space
        recall = Interval(
            ratio(precision.value, share.value),
            ratio(precision.low, share.high),
            ratio(precision.high, share.low),
        )
    return Accuracy(
        sample_id,
        len(linked),
        len(candidates),
        precision,
        recall,
        missed,
        populations.get("linked", 0),
        populations.get("candidates", 0),
    )


def _wilson(successes: int, n: int) -> Interval:
    """The Wilson score interval (95 %) of a proportion."""
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))
