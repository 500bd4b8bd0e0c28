"""Link quality against a ground truth: pairwise precision, recall and F1.

The truth is a table of (source, source_record_id, true person, true dwelling), like the
demo's `persons.csv`; a clerk's reviewed sample works the same way. Only records both
sides know are scored, so quarantined rows do not count as misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    clusters: int
    true_clusters: int
    records: int


PAIRS = """
WITH j AS ({joined}),
predicted AS (SELECT ours, count(*) AS n FROM j GROUP BY ours),
actual AS (SELECT truth, count(*) AS n FROM j GROUP BY truth),
both_ AS (SELECT ours, truth, count(*) AS n FROM j GROUP BY ours, truth)
SELECT (SELECT sum(n * (n - 1) // 2) FROM predicted),
       (SELECT sum(n * (n - 1) // 2) FROM actual),
       (SELECT sum(n * (n - 1) // 2) FROM both_),
       (SELECT count(*) FROM predicted), (SELECT count(*) FROM actual),
       (SELECT count(*) FROM j)
"""


def _scores(con: duckdb.DuckDBPyConnection, joined: str) -> PairScores:
    predicted, actual, agree, clusters, true_clusters, records = con.execute(
        PAIRS.format(joined=joined)
    ).fetchall()[0]
    predicted, actual, agree = int(predicted or 0), int(actual or 0), int(agree or 0)
    precision = agree / predicted if predicted else 1.0
    recall = agree / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, predicted, actual, clusters, true_clusters, records)


def _truth(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE eval_truth AS SELECT * FROM read_csv(?, all_varchar = true)",
        [str(truth_csv)],
    )


def person_scores(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> PairScores:
    """Pairs of records placed in the same person, against the true person."""
    _truth(con, truth_csv)
    return _scores(
        con,
        "SELECT ps.person_id AS ours, t.true_person_id AS truth FROM core.person_source AS ps "
        "JOIN eval_truth AS t USING (source, source_record_id)",
    )


def dwelling_scores(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> PairScores:
    """Pairs of records placed at the same dwelling, against the true dwelling."""
    _truth(con, truth_csv)
    return _scores(
        con,
        "SELECT m.dwelling_id AS ours, t.true_dwelling_id AS truth FROM core.person_source AS m "
        "JOIN eval_truth AS t USING (source, source_record_id) "
        "WHERE m.dwelling_id IS NOT NULL AND t.true_dwelling_id IS NOT NULL",
    )


def kept_id_share(con: duckdb.DuckDBPyConnection, truth_csv: Path, before: Path) -> tuple[int, int]:
    """(people whose person ID is unchanged, people known before and after), where a
    person's ID is the one most of their records carry; `before` is a saved copy of
    core.person_source (Parquet)."""
    _truth(con, truth_csv)
    kept, total = con.execute(
        """
        WITH before AS (
            SELECT t.true_person_id, mode(b.person_id) AS person_id
            FROM read_parquet(?) AS b JOIN eval_truth AS t USING (source, source_record_id)
            GROUP BY 1
        ),
        after AS (
            SELECT t.true_person_id, mode(a.person_id) AS person_id
            FROM core.person_source AS a JOIN eval_truth AS t USING (source, source_record_id)
            GROUP BY 1
        )
        SELECT count(*) FILTER (WHERE before.person_id = after.person_id), count(*)
        FROM before JOIN after USING (true_person_id)
        """,
        [str(before)],
    ).fetchall()[0]
    return int(kept), int(total)


def blocking_recall(
    con: duckdb.DuckDBPyConnection,
    truth_csv: Path,
    features: str,
    rules: list[str],
) -> tuple[float, float, int]:
    """(recall of the blocking rules on the true pairs they must find, recall of ID
    numbers and rules together on all true pairs, true pairs).

    Pairs where both records carry a valid ID number are decided by it; every other
    true pair must be produced by a blocking rule to be scored at all. `features` is the
    linking features query; `rules` are Splink SQL conditions over `l` and `r`."""
    _truth(con, truth_csv)
    covered = " OR ".join(f"({rule})" for rule in rules)
    needed, found, total, by_id = con.execute(
        f"""
        WITH f AS ({features}),
        m AS (SELECT f.*, t.true_person_id FROM f JOIN eval_truth AS t
              USING (source, source_record_id)),
        pairs AS (
            SELECT l.has_id AND r.has_id AS decided, l.id_number = r.id_number AS same_id,
                   coalesce({covered}, false) AS blocked
            FROM m AS l JOIN m AS r
              ON l.true_person_id = r.true_person_id AND l.unique_id < r.unique_id
        )
        SELECT count(*) FILTER (WHERE NOT decided),
               count(*) FILTER (WHERE NOT decided AND blocked),
               count(*),
               count(*) FILTER (WHERE decided AND same_id)
        FROM pairs
        """
    ).fetchall()[0]
    rule_recall = found / needed if needed else 1.0
    overall = (found + by_id) / total if total else 1.0
    return rule_recall, overall, int(total)


def id_conflicts(con: duckdb.DuckDBPyConnection, mentions: str) -> int:
    """People holding more than one valid ID number (must be 0: the hard rule).

    `mentions` is the mentions query (warehouse.linking.mentions.mentions_sql)."""
    return int(
        con.execute(
            f"""
            SELECT count(*) FROM (
                SELECT ps.person_id FROM core.person_source AS ps
                JOIN ({mentions}) AS m USING (source, source_record_id)
                WHERE m.id_number IS NOT NULL
                GROUP BY ps.person_id HAVING count(DISTINCT m.id_number) > 1
            )
            """
        ).fetchall()[0][0]
    )


@dataclass(frozen=True)
class FalseMerges:
    """Record pairs placed in one person whose true persons differ, by who they are."""

    pairs: int
    household: int
    twins: int
    namesakes: int
    person_pairs: int
    household_persons: int


FALSE_MERGES = """
WITH j AS (
    SELECT ps.person_id AS ours, t.true_person_id AS truth
    FROM core.person_source AS ps JOIN eval_truth AS t USING (source, source_record_id)
),
people AS (
    SELECT true_person_id, name, birth_date, dwelling_id
    FROM read_csv(?, all_varchar = true)
),
merged AS (
    SELECT ours, truth, count(*) AS n FROM j GROUP BY ours, truth
),
wrong AS (
    SELECT l.truth AS a, r.truth AS b, l.n * r.n AS n
    FROM merged AS l JOIN merged AS r ON l.ours = r.ours AND l.truth < r.truth
),
kinds AS (
    SELECT w.n,
           coalesce(pa.dwelling_id = pb.dwelling_id, false) AS household,
           coalesce(pa.dwelling_id = pb.dwelling_id AND pa.birth_date = pb.birth_date,
                    false) AS twins,
           coalesce(pa.dwelling_id = pb.dwelling_id AND pa.name = pb.name, false) AS namesakes
    FROM wrong AS w
    LEFT JOIN people AS pa ON pa.true_person_id = w.a
    LEFT JOIN people AS pb ON pb.true_person_id = w.b
)
SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE household), 0),
       coalesce(sum(n) FILTER (WHERE twins), 0), coalesce(sum(n) FILTER (WHERE namesakes), 0),
       count(*), count(*) FILTER (WHERE household)
FROM kinds
"""


def false_merges(con: duckdb.DuckDBPyConnection, truth_folder: Path) -> FalseMerges:
    """False merges inside households (true persons who share a true dwelling), among
    twins (and the same birth date) and among same-named relatives (and the same name).

    `truth_folder` holds `persons.csv` (records) and `people.csv` (true persons with
    name, birth date and dwelling), like the demo's truth. Pairs count record pairs, as
    precision does; `person_pairs` count pairs of true persons."""
    _truth(con, truth_folder / "persons.csv")
    row = con.execute(FALSE_MERGES, [str(truth_folder / "people.csv")]).fetchall()[0]
    return FalseMerges(*(int(v) for v in row))


@dataclass(frozen=True)
class QueueCoverage:
    """The linker's remaining errors against the truth, and how many the open review
    queue holds. A record is wrongly merged when its person's majority is someone else,
    split off when it is not with the majority of its true person (ties broken by ID)."""

    merged: int
    split: int
    merged_in_queue: int
    split_in_queue: int
    open_items: int
    items_with_an_error: dict[str, tuple[int, int]]  # kind → (open items, holding an error)

    @property
    def share(self) -> float:
        errors = self.merged + self.split
        return (self.merged_in_queue + self.split_in_queue) / errors if errors else 1.0


# An item holds an error when it names the wrongly placed record, or (for a record split
# off) pairs the two persons that should be one.
COVERAGE = """
WITH j AS (
    SELECT ps.source, ps.source_record_id, ps.person_id AS ours, t.true_person_id AS truth
    FROM core.person_source AS ps JOIN eval_truth AS t USING (source, source_record_id)
),
majority AS (
    SELECT ours, truth AS most FROM (SELECT ours, truth, count(*) AS n FROM j GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY ours ORDER BY n DESC, truth) = 1
),
home AS (
    SELECT truth, ours AS own FROM (SELECT truth, ours, count(*) AS n FROM j GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY truth ORDER BY n DESC, ours) = 1
),
err AS (
    SELECT j.*, CASE WHEN j.truth <> m.most THEN 'merged' ELSE 'split' END AS kind, h.own
    FROM j JOIN majority AS m USING (ours) JOIN home AS h USING (truth)
    WHERE j.truth <> m.most OR j.ours <> h.own
),
q AS (SELECT * FROM link.review_queue WHERE status = 'open'),
hits AS (
    SELECT DISTINCT e.source, e.source_record_id, e.kind, q.item_id, q.kind AS item_kind
    FROM err AS e JOIN q ON q.source_a = e.source AND q.record_a = e.source_record_id
    UNION
    SELECT DISTINCT e.source, e.source_record_id, e.kind, q.item_id, q.kind
    FROM err AS e JOIN q ON q.source_b = e.source AND q.record_b = e.source_record_id
    UNION
    SELECT DISTINCT e.source, e.source_record_id, e.kind, q.item_id, q.kind
    FROM err AS e JOIN q ON e.kind = 'split'
     AND ((q.person_a = e.ours AND q.person_b = e.own)
          OR (q.person_b = e.ours AND q.person_a = e.own))
)
SELECT (SELECT count(*) FROM err WHERE kind = 'merged'),
       (SELECT count(*) FROM err WHERE kind = 'split'),
       (SELECT count(DISTINCT (source, source_record_id)) FROM hits WHERE kind = 'merged'),
       (SELECT count(DISTINCT (source, source_record_id)) FROM hits WHERE kind = 'split'),
       (SELECT count(*) FROM q),
       (SELECT coalesce(map(list(kind), list(items)), map()) FROM (
            SELECT q.kind, count(*) AS items FROM q GROUP BY 1)),
       (SELECT coalesce(map(list(item_kind), list(n)), map()) FROM (
            SELECT item_kind, count(DISTINCT item_id) AS n FROM hits GROUP BY 1))
"""


def queue_coverage(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> QueueCoverage:
    """How much of the linker's error the open review queue holds (the truth's records)."""
    _truth(con, truth_csv)
    merged, split, merged_in, split_in, items, by_kind, hits = con.execute(COVERAGE).fetchall()[0]
    return QueueCoverage(
        int(merged),
        int(split),
        int(merged_in),
        int(split_in),
        int(items),
        {kind: (int(n), int(hits.get(kind, 0))) for kind, n in sorted(by_kind.items())},
    )
