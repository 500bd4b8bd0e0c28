"""One link run, full or incremental, in one warehouse transaction.

A full relink trains the model again (EM on the current data), scores every candidate
pair and re-clusters everything; IDs survive through overlap with the previous clusters.
An incremental run scores only pairs that involve new or changed records, with the
model of the last full relink, and leaves every earlier link as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from connectors.home import Home
from warehouse.db import MEMORY_LIMIT, create_link_tables, quote, transaction
from warehouse.linking.assign import assign_clusters
from warehouse.linking.comparisons import COMPARISONS_FILE, link_rules
from warehouse.linking.evidence import REASON_SQL
from warehouse.linking.features import features_sql, names_sql
from warehouse.linking.golden import write_people
from warehouse.linking.ids import assign_person_ids
from warehouse.linking.labels import LabelCheck, check_labels
from warehouse.linking.model import (
    RETAINED,
    load_model,
    predict,
    save_model,
    splink_connection,
    train,
)
from warehouse.linking.names import create_name_table
from warehouse.linking.places import link_places
from warehouse.linking.records import write_records
from warehouse.linking.registers import register_sources
from warehouse.linking.review import refresh_queue
from warehouse.linking.settings import LinkSettings, load_settings

Mode = Literal["auto", "full", "incremental"]
ID_PAIRS = (
    "SELECT count(*) FROM (SELECT id_number FROM link_mentions WHERE has_id "
    "GROUP BY id_number HAVING count(*) > 1)"
)


class LinkError(RuntimeError):
    """A link run that cannot go ahead, with the reason in plain words."""


def _splink_columns(con: duckdb.DuckDBPyConnection) -> str:
    """What Splink reads of a mention: the columns the comparisons and blocking rules name
    (comparisons.yaml), the ones it keeps, and the key; a name no mention has is refused
    here, in words, rather than deep inside Splink."""
    wanted = dict.fromkeys(["unique_id", "is_new", *RETAINED, *link_rules().columns])
    have = {row[0] for row in con.execute("DESCRIBE link_mentions").fetchall()}
    unknown = [c for c in wanted if c not in have]
    if unknown:
        raise LinkError(
            f"{COMPARISONS_FILE.name} reads {', '.join(unknown)}, which no mention has "
            f"(a mention has {', '.join(sorted(have))})"
        )
    return ", ".join(quote(c) for c in wanted)


@dataclass(frozen=True)
class LinkResult:
    link_run_id: str
    mode: str
    mentions: int
    new_mentions: int
    candidate_pairs: int
    persons: int
    linked_by_id: int
    linked_by_model: int
    unlinked: int
    ids_created: int
    ids_merged: int
    ids_split: int
    ids_retired: int
    buildings: int
    dwellings: int
    seconds: float
    model_file: str | None
    timings: str = "{}"
    labels_checked: int = 0  # reviewers' labels scored by a newly trained model (labels.py)
    labels_disagreeing: int = 0
    labels_past_limit: bool = False  # more disagree than `review.label_disagreement`
    engine: str = "duckdb"  # where the pairs were scored (linking.yaml `engine`)
    skipped: bool = False  # nothing to do: nothing written, not recorded in link.runs

    @property
    def nothing_new(self) -> bool:
        return self.skipped


class _Clock:
    """Seconds spent in each phase of a run, for link.runs (where did the time go?), each
    also told to `on_lap` as it ends (the step's log, and the progress a run shows)."""

    def __init__(self, on_lap: Callable[[str], None] | None = None) -> None:
        self._last = time.perf_counter()
        self._laps: dict[str, float] = {}
        self._on_lap = on_lap

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self._laps[name] = round(now - self._last, 3)
        self._last = now
        if self._on_lap is not None:
            self._on_lap(f"linking: {name} done in {self._laps[name]:.1f} s")

    @property
    def laps(self) -> str:
        return json.dumps(self._laps)


def last_full_model(con: duckdb.DuckDBPyConnection, models: Path | None = None) -> Path | None:
    """The model the last full link saved. Under `models` (the home's folder) by its file
    name when given: a warehouse pulled from the lake records the path on the machine that
    linked it, and its models came along into this home's folder (warehouse/lake)."""
    rows = con.execute(
        "SELECT model_file FROM link.runs WHERE mode = 'full' AND finished_at IS NOT NULL "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    if not rows or not rows[0][0]:
        return None
    found = Path(rows[0][0])
    if models is not None:
        found = models / found.name
    return found if found.is_file() else None


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0] or 0)


def link_people(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    mode: Mode = "auto",
    settings: LinkSettings | None = None,
    dagster_run_id: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> LinkResult:
    """Links every current person mention in staging; the caller holds the writer lock.
    `on_progress` hears each phase as it ends."""
    settings = settings or load_settings()
    # The warehouse connection's own budget afterwards (open_warehouse's: read back, a
    # setting comes rounded, 953.6 MiB for 1GB, and would drift down with every run).
    con.execute("SET memory_limit = ?", [settings.memory_limit])
    try:
        return _link_people(con, home, mode, settings, dagster_run_id, on_progress)
    finally:
        con.execute("SET memory_limit = ?", [MEMORY_LIMIT])


def _link_people(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    mode: Mode,
    settings: LinkSettings,
    dagster_run_id: str | None,
    on_progress: Callable[[str], None] | None,
) -> LinkResult:
    started = time.perf_counter()
    now = dt.datetime.now()
    run_id = f"link-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    create_link_tables(con)
    model_path = last_full_model(con, home.models)
    if mode == "auto":
        has_links = _count(con, "SELECT count(*) FROM core.person_source") > 0
        mode = "incremental" if model_path and has_links else "full"
    if mode == "incremental" and model_path is None:
        raise LinkError("no saved model from a full relink: run `causeway link --full` first")
    contracts = list(home.contracts().values())

    clock = _Clock(on_progress)
    # Reading staging into temporary tables writes nothing: the transaction starts after.
    create_name_table(con, names_sql(contracts))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE link_mentions AS "
        + features_sql(contracts, settings.since_fields)
    )
    mentions = _count(con, "SELECT count(*) FROM link_mentions")
    new = _count(con, "SELECT count(*) FROM link_mentions WHERE is_new")
    gone = _count(
        con,
        "SELECT count(*) FROM core.person_source AS ps ANTI JOIN link_mentions AS m "
        "ON m.source = ps.source AND m.source_record_id = ps.source_record_id",
    )
    if (mode == "incremental" and new == 0 and gone == 0) or (mentions == 0 and gone == 0):
        # Nothing changed, or staging holds no person yet (every file rejected, say); a
        # record's other fields may have changed all the same.
        with transaction(con):
            write_records(con, contracts)
        return _nothing(con, run_id, mode, mentions, started, model_path)
    if mode == "full" and not _count(con, ID_PAIRS):
        raise LinkError(
            "cannot estimate the linking model: no two records share a valid ID number "
            f"among the {mentions:,} records in staging (the model learns from those pairs)"
        )
    clock.lap("features")

    with transaction(con):
        spill = home.spill
        spill.mkdir(parents=True, exist_ok=True)
        splink = splink_connection(
            con.sql(f"SELECT {_splink_columns(con)} FROM link_mentions").arrow().read_all(),
            spill,
            settings.splink_memory_limit,
        )
        try:
            clock.lap("export")
            if mode == "full":
                model = train(splink, settings)
                model_path = home.models / f"person-{run_id}.json"
                save_model(model, model_path)
            else:
                assert model_path is not None
                model = load_model(model_path)
            clock.lap("train")
            edges = _score(splink, model, settings, mode == "incremental", spill / run_id)
            clock.lap("predict")
        finally:
            splink.close()
        con.register("link_edges_arrow", edges)
        con.execute("CREATE OR REPLACE TEMP TABLE link_edges AS SELECT * FROM link_edges_arrow")
        con.unregister("link_edges_arrow")
        # Only a full run scores every pair: an incremental one scores the new records'.
        labels = (
            check_labels(con, settings.match_threshold, settings.review.reviewers_required)
            if mode == "full"
            else LabelCheck(0, 0, 0)
        )

        unheld = assign_clusters(
            con,
            settings.match_threshold,
            mode == "incremental",
            settings.registers,
            settings.review.reviewers_required,
        )
        clock.lap("cluster")
        assign_person_ids(con, run_id, now)
        clock.lap("ids")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE link_final AS SELECT a.unique_id, i.person_id "
            "FROM link_assign AS a JOIN link_ids AS i USING (cluster_key)"
        )
        link_places(con, contracts)
        clock.lap("places")
        _write_sources(con, run_id, mode)
        clock.lap("sources")
        write_people(con, settings, everyone=mode == "full")
        clock.lap("people")
        write_records(con, contracts)
        clock.lap("records")
        registers = register_sources(con, settings.registers)
        refresh_queue(con, run_id, mode == "full", settings.review, unheld, now, registers)
        clock.lap("review")
        result = _result(con, run_id, mode, mentions, new, len(edges), started, model_path)
        result = dataclasses.replace(
            result,
            timings=clock.laps,
            labels_checked=labels.labels,
            labels_disagreeing=labels.disagreeing,
            labels_past_limit=labels.share > settings.review.label_disagreement,
            engine=settings.engine,
        )
        _record(con, result, now, dagster_run_id)
    return result


def _score(
    splink: duckdb.DuckDBPyConnection,
    model: dict,
    settings: LinkSettings,
    incremental: bool,
    scratch: Path,
) -> pa.Table:
    """The scored pairs, on the engine linking.yaml (or `causeway link --engine`) names."""
    if settings.engine == "duckdb":
        return predict(splink, model, settings, incremental)
    from warehouse.linking.spark import SparkScorer, spark_session

    try:
        with spark_session(settings.spark, scratch) as spark:
            scorer = SparkScorer(
                splink, spark, scratch / "pairs", settings.spark.shuffle_partitions
            )
            return predict(splink, model, settings, incremental, scorer)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# Incremental runs rewrite only what changed: rows of records that are gone, new or
# changed leave, and their new links come in; every other link stays as it was.
STALE = """
DELETE FROM {table} AS t WHERE NOT EXISTS (
    SELECT 1 FROM link_mentions AS m
    WHERE m.source = t.source AND m.source_record_id = t.source_record_id AND NOT m.is_new
)
"""
AFFECTED = """
CREATE OR REPLACE TEMP TABLE link_affected AS
SELECT f.person_id FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
WHERE m.is_new OR $full
UNION
SELECT previous_person_id FROM link_mentions WHERE is_new AND previous_person_id IS NOT NULL
UNION
SELECT ps.person_id FROM core.person_source AS ps
ANTI JOIN link_mentions AS m ON m.source = ps.source AND m.source_record_id = ps.source_record_id
"""


def _write_sources(con: duckdb.DuckDBPyConnection, run_id: str, mode: str) -> None:
    """core.person_source, link.evidence and link.fingerprints for new and changed links."""
    con.execute(AFFECTED, {"full": mode == "full"})
    for table in ("core.person_source", "link.evidence", "link.fingerprints"):
        if mode == "full":
            con.execute(f"DELETE FROM {table}")
        else:
            con.execute(STALE.format(table=table))
    con.execute(
        f"""
INSERT INTO core.person_source (
    department, source, source_record_id, role, person_id, building_id, dwelling_id,
    match_probability, match_reason, record_version, link_run_id)
WITH linked AS (
    SELECT m.department, m.source, m.source_record_id, m.role, m.seen_at, f.person_id,
           a.how, a.probability, a.weight, a.evidence, a.decision, pl.building_id,
           pl.dwelling_id,
           via.source AS via_source, via.source_record_id AS via_record_id
    FROM link_final AS f
    JOIN link_mentions AS m USING (unique_id)
    JOIN link_assign AS a USING (unique_id)
    JOIN link_places AS pl USING (unique_id)
    LEFT JOIN link_mentions AS via ON via.unique_id = a.via
    WHERE a.how <> 'kept'
)
SELECT department, source, source_record_id, role, person_id, building_id, dwelling_id,
       probability, {REASON_SQL}, seen_at, $run
FROM linked
""",
        {"run": run_id},
    )
    con.execute(
        """
INSERT INTO link.evidence
SELECT m.source, m.source_record_id, via.source, via.source_record_id,
       a.probability, a.weight, a.evidence, $run
FROM link_assign AS a
JOIN link_mentions AS m USING (unique_id)
JOIN link_mentions AS via ON via.unique_id = a.via
WHERE a.how IN ('probabilistic', 'register')
""",
        {"run": run_id},
    )
    con.execute(
        "INSERT INTO link.fingerprints SELECT m.source, m.source_record_id, m.fingerprint "
        "FROM link_mentions AS m JOIN link_assign AS a USING (unique_id) WHERE a.how <> 'kept'"
    )


def _result(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    mode: str,
    mentions: int,
    new: int,
    pairs: int,
    started: float,
    model_path: Path | None,
) -> LinkResult:
    how = dict(con.execute("SELECT how, count(*) FROM link_assign GROUP BY how").fetchall())
    events = dict(
        con.execute(
            "SELECT event, count(*) FROM core.person_id_history WHERE link_run_id = ? GROUP BY 1",
            [run_id],
        ).fetchall()
    )
    return LinkResult(
        link_run_id=run_id,
        mode=mode,
        mentions=mentions,
        new_mentions=new,
        candidate_pairs=pairs,
        persons=_count(con, "SELECT count(*) FROM core.person"),
        linked_by_id=how.get("id", 0),
        linked_by_model=how.get("probabilistic", 0) + how.get("register", 0),
        unlinked=how.get("alone", 0),
        ids_created=events.get("created", 0),
        ids_merged=events.get("merged_into", 0),
        ids_split=events.get("split_from", 0),
        ids_retired=events.get("retired", 0),
        buildings=_count(con, "SELECT count(*) FROM core.building"),
        dwellings=_count(con, "SELECT count(*) FROM core.dwelling"),
        seconds=round(time.perf_counter() - started, 3),
        model_file=str(model_path) if model_path else None,
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    result: LinkResult,
    started_at: dt.datetime,
    dagster_run_id: str | None,
) -> None:
    values = asdict(result)
    columns = [c for c in values if c not in ("link_run_id", "skipped")]
    con.execute(
        "INSERT INTO link.runs (link_run_id, dagster_run_id, started_at, finished_at, "
        + ", ".join(columns)
        + ") VALUES (?, ?, ?, ?, "
        + ", ".join("?" for _ in columns)
        + ")",
        [
            result.link_run_id,
            dagster_run_id,
            started_at,
            dt.datetime.now(),
            *[values[c] for c in columns],
        ],
    )


def _nothing(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    mode: str,
    mentions: int,
    started: float,
    model_path: Path | None,
) -> LinkResult:
    """A run that found nothing to link: the index as it stands, only the records rewritten."""
    return LinkResult(
        link_run_id=run_id,
        mode=mode,
        mentions=mentions,
        new_mentions=0,
        candidate_pairs=0,
        persons=_count(con, "SELECT count(*) FROM core.person"),
        linked_by_id=0,
        linked_by_model=0,
        unlinked=0,
        ids_created=0,
        ids_merged=0,
        ids_split=0,
        ids_retired=0,
        buildings=_count(con, "SELECT count(*) FROM core.building"),
        dwellings=_count(con, "SELECT count(*) FROM core.dwelling"),
        seconds=round(time.perf_counter() - started, 3),
        model_file=str(model_path) if model_path else None,
        skipped=True,
    )
