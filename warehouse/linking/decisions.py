"""Reviewers' decisions as constraints on every link run.

A decision names two records by their keys (source, record ID), never by person ID, so
it survives renumbering, a full relink and a rebuild (which carries the `link` schema).
After the clusters are formed and before person IDs are given, every active decision is
applied: `match` puts the two records' clusters together (or, where the two persons hold
different valid ID numbers, moves the record that joined its person through a link, with
the records that joined through it, to the other), `distinct` takes the record that
joined the other's person (with the records that joined through it) out into a cluster
of its own. `distinct` wins over `match` when the two cannot both hold; so does
the rule that two different valid ID numbers are never one person. Each decision that
could not hold is returned, and becomes a queue item of its own (warehouse/linking/
review.py).

A record moved by a decision is rewritten like a new one (incremental runs rewrite only
new and changed records), so a decision takes effect in the next run of any kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

# The decision in force for each pair of records. With one reviewer required, the newest
# decision that is not undone, unless it is `unsure` (which constrains nothing). With more,
# the value the newest decisions of at least that many reviewers agree on, with no
# reviewer's newest decision saying otherwise (a disagreement binds nothing).
BINDING = """
WITH live AS (
    SELECT * FROM link.review_decisions
    WHERE decision IN ('match', 'distinct', 'unsure')
      AND decision_id NOT IN (
          SELECT undoes FROM link.review_decisions WHERE decision = 'undo')
),
per_reviewer AS (
    SELECT * FROM live
    QUALIFY row_number() OVER (
        PARTITION BY source_a, record_a, source_b, record_b, reviewer
        ORDER BY decided_at DESC, decision_id DESC) = 1
),
newest AS (
    SELECT * FROM live
    QUALIFY row_number() OVER (
        PARTITION BY source_a, record_a, source_b, record_b
        ORDER BY decided_at DESC, decision_id DESC) = 1
),
votes AS (
    SELECT source_a, record_a, source_b, record_b,
           count(DISTINCT decision) FILTER (WHERE decision <> 'unsure') AS opinions,
           count(*) FILTER (WHERE decision <> 'unsure') AS reviewers,
           max(decision) FILTER (WHERE decision <> 'unsure') AS agreed
    FROM per_reviewer GROUP BY ALL
)
SELECT n.decision_id,
       CASE WHEN $required <= 1 THEN n.decision ELSE v.agreed END AS decision,
       n.source_a, n.record_a, n.source_b, n.record_b, n.decided_at
FROM newest AS n JOIN votes AS v USING (source_a, record_a, source_b, record_b)
WHERE ($required <= 1 AND n.decision <> 'unsure')
   OR ($required > 1 AND v.opinions = 1 AND v.reviewers >= $required)
"""
ACTIVE = f"""
SELECT l.decision_id, l.decision, a.unique_id, b.unique_id
FROM ({BINDING}) AS l
JOIN link_mentions AS a ON a.source = l.source_a AND a.source_record_id = l.record_a
JOIN link_mentions AS b ON b.source = l.source_b AND b.source_record_id = l.record_b
ORDER BY l.decided_at, l.decision_id
"""
CLUSTERS_OF = """
SELECT a.unique_id, a.cluster_key, a.via, m.id_number, m.has_id
FROM link_assign AS a JOIN link_mentions AS m USING (unique_id)
"""
APPLY = """
UPDATE link_assign AS a
SET cluster_key = d.cluster_key,
    how = coalesce(d.how, CASE WHEN a.how = 'kept' THEN 'moved' ELSE a.how END),
    via = CASE WHEN d.how IS NULL THEN a.via ELSE d.via END,
    probability = CASE WHEN d.how IS NULL THEN coalesce(a.probability, 1.0) ELSE 1.0 END,
    decision = coalesce(d.decision, a.decision)
FROM link_decided AS d WHERE d.unique_id = a.unique_id
"""
# Moved records are rewritten as new ones would be, whatever the mode.
RENEW = (
    "UPDATE link_mentions SET is_new = true WHERE unique_id IN (SELECT unique_id FROM link_decided)"
)


@dataclass(frozen=True)
class Unheld:
    """A decision this run could not apply, and why."""

    decision_id: str
    why: str


def apply_decisions(con: duckdb.DuckDBPyConnection, required: int = 1) -> list[Unheld]:
    """Applies every binding decision to `link_assign` (`required`: how many reviewers
    must agree); returns those that could not hold."""
    con.execute("ALTER TABLE link_assign ADD COLUMN IF NOT EXISTS decision VARCHAR")
    decisions = con.execute(ACTIVE, {"required": required}).fetchall()
    if not decisions:
        return []
    rows = con.execute(CLUSTERS_OF).fetchall()
    cluster = {u: key for u, key, _, _, _ in rows}
    via = {u: v for u, _, v, _, _ in rows}
    id_of = {u: (n if has else None) for u, _, _, n, has in rows}
    members: dict[str, set[int]] = {}
    numbers: dict[str, set[str]] = {}
    for u, key, _, number, has in rows:
        members.setdefault(key, set()).add(u)
        if has:
            numbers.setdefault(key, set()).add(number)
    before = dict(cluster)
    how: dict[int, tuple[str, int | None, str]] = {}
    unheld: list[Unheld] = []

    def move(us: set[int], key: str) -> None:
        for u in us:
            old = cluster[u]
            members[old].discard(u)
            cluster[u] = key
            members.setdefault(key, set()).add(u)

    def numbers_of(us: set[int]) -> set[str]:
        return {id_of[u] for u in us if id_of[u] is not None}

    for decision_id, kind, a, b in decisions:
        if kind != "match" or cluster[a] == cluster[b]:
            continue
        if len(numbers.get(cluster[a], set()) | numbers.get(cluster[b], set())) <= 1:
            keep, gone = sorted((cluster[a], cluster[b]))
            numbers[keep] = numbers.get(keep, set()) | numbers.pop(gone, set())
            move(set(members[gone]), keep)
            how[b] = ("decided", a, decision_id)
            continue
        # Two persons with different ID numbers stay two; a record that joined one of
        # them through a link (a namesake's incident report) moves to the other instead,
        # with the records that joined through it, if it brings no third number.
        for mover, anchor in ((b, a), (a, b)):
            home_key, target = cluster[mover], cluster[anchor]
            branch = _branch(mover, members[home_key], via)
            if branch == members[home_key]:
                continue  # the whole person: that would be the merge refused above
            if len(numbers_of(branch) | numbers.get(target, set())) > 1:
                continue
            move(branch, target)
            numbers[home_key] = numbers_of(members[home_key])
            numbers[target] = numbers.get(target, set()) | numbers_of(branch)
            how[mover] = ("decided", anchor, decision_id)
            break
        else:
            unheld.append(Unheld(decision_id, "the two persons hold different valid ID numbers"))
    for decision_id, kind, a, b in decisions:
        if kind != "distinct" or cluster[a] != cluster[b]:
            continue
        together = members[cluster[a]]
        side_a, side_b = _branch(a, together, via), _branch(b, together, via)
        # Move the side that hangs off the other: the record that joined through a link.
        moved, root = (side_b, b) if a not in side_b else (side_a, a)
        move(moved, f"x:{root}")
        how[root] = ("decided", None, decision_id)
    for decision_id, kind, a, b in decisions:
        held = not any(h.decision_id == decision_id for h in unheld)
        if kind == "match" and cluster[a] != cluster[b] and held:
            unheld.append(Unheld(decision_id, "a `distinct` decision keeps these records apart"))
    changed = [u for u in cluster if cluster[u] != before[u] or u in how]
    if changed:
        decided = pa.table(
            {
                "unique_id": pa.array(changed, pa.int64()),
                "cluster_key": [cluster[u] for u in changed],
                "how": [how[u][0] if u in how else None for u in changed],
                "via": pa.array([how[u][1] if u in how else None for u in changed], pa.int64()),
                "decision": [how[u][2] if u in how else None for u in changed],
            }
        )
        con.register("link_decided", decided)
        try:
            con.execute(APPLY)
            con.execute(RENEW)
        finally:
            con.unregister("link_decided")
    return unheld


def _branch(root: int, members: set[int], via: dict[int, int | None]) -> set[int]:
    """`root` and every member whose chain of best links leads through it."""
    out = {root}
    grew = True
    while grew:
        grew = False
        for u in members:
            if u not in out and via.get(u) in out:
                out.add(u)
                grew = True
    return out
