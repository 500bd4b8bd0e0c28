"""Reviewers' labels against a newly trained model: does EM still agree with the clerks?

A full relink re-estimates the model's weights by EM, unsupervised. The pairs reviewers
decided (`match` or `distinct`, the decisions that bind) are labels: before the clusters
are formed, each is scored by the new model (a pair the blocking rules never compared
scores 0) and the model is said to disagree with a label when a `match` falls below the
match threshold or a `distinct` reaches it. The labels check the estimates; they never
replace them: decisions still bind whatever the model says (decisions.py), and the run
reports how far the two are apart (link.runs, the Dagster link metadata, `causeway run`).
Labels drawn from the queue are the hard cases, so some disagreement is expected; a
disagreement share past `review.label_disagreement` (linking.yaml) is the warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.linking.decisions import BINDING

# Each binding match/distinct with the new model's probability for its two records.
# Two equi-joins, not one OR join: link_edges holds millions of pairs at 250k residents.
SCORED = f"""
WITH labels AS (
    SELECT d.decision_id, d.decision, a.unique_id AS ua, b.unique_id AS ub
    FROM ({BINDING}) AS d
    JOIN link_mentions AS a ON a.source = d.source_a AND a.source_record_id = d.record_a
    JOIN link_mentions AS b ON b.source = d.source_b AND b.source_record_id = d.record_b
    WHERE d.decision IN ('match', 'distinct')
),
scored AS (
    SELECT l.decision_id, e.match_probability FROM labels AS l
    JOIN link_edges AS e ON e.unique_id_l = l.ua AND e.unique_id_r = l.ub
    UNION ALL
    SELECT l.decision_id, e.match_probability FROM labels AS l
    JOIN link_edges AS e ON e.unique_id_l = l.ub AND e.unique_id_r = l.ua
)
SELECT count(*),
       count(*) FILTER (WHERE l.decision = 'match' AND coalesce(s.p, 0) < $threshold),
       count(*) FILTER (WHERE l.decision = 'distinct' AND coalesce(s.p, 0) >= $threshold)
FROM labels AS l
LEFT JOIN (SELECT decision_id, max(match_probability) AS p FROM scored GROUP BY 1) AS s
  USING (decision_id)
"""


@dataclass(frozen=True)
class LabelCheck:
    labels: int
    missed: int  # labelled `match`, scored below the threshold
    false_links: int  # labelled `distinct`, scored at or above it

    @property
    def disagreeing(self) -> int:
        return self.missed + self.false_links

    @property
    def share(self) -> float:
        return self.disagreeing / self.labels if self.labels else 0.0

    def summary(self) -> str:
        return (
            f"the new model disagrees with {self.disagreeing:,} of {self.labels:,} reviewers' "
            f"labels ({self.missed:,} links it would miss, {self.false_links:,} it would make)"
        )


def check_labels(con: duckdb.DuckDBPyConnection, threshold: float, required: int) -> LabelCheck:
    """Scores every labelled pair with this run's edges (`link_edges`, `link_mentions`)."""
    labels, missed, false_links = con.execute(
        SCORED, {"threshold": threshold, "required": required}
    ).fetchall()[0]
    return LabelCheck(int(labels), int(missed), int(false_links))
