"""The Fellegi–Sunter model of a person match, trained and applied with Splink on DuckDB.

The ID number is not a comparison: two valid ID numbers decide a pair on their own, so
the model scores only pairs where at least one mention lacks one. Its parameters come
from the data (EM, no labels); the trained model is saved as Splink JSON with each full
relink and reused by incremental runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from connectors.modes import private_dir, write_private
from warehouse.db import quote
from warehouse.linking.comparisons import WRITTEN_IN, LinkRules, link_rules
from warehouse.linking.evidence import edges_sql
from warehouse.linking.registers import weight_floor
from warehouse.linking.settings import LinkSettings

# New mentions scored against the existing ones in one pass of an incremental link.
NEW_PER_PASS = 10_000
RETAINED = ["has_id", "source", "source_record_id"]
ONE_PER_ID = "mentions_one_per_id"
ONE_PER_ID_SQL = (
    "SELECT * FROM mentions WHERE has_id "
    "QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY unique_id) = 1"
)

# Splink logs every EM iteration and warns about levels a session cannot train (the
# next session trains them); link runs report their own figures instead.
logging.getLogger("splink").setLevel(logging.ERROR)


def splink_connection(
    mentions: pa.Table, spill: Path, memory_limit: str
) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for Splink, so its work tables never touch the warehouse;
    `memory_limit` is linking.yaml's `splink_memory_limit` (it spills past it)."""
    con = duckdb.connect(
        config={"memory_limit": memory_limit, "temp_directory": str(spill), "threads": 2}
    )
    con.register("mentions_arrow", mentions)
    con.execute("CREATE TABLE mentions AS SELECT * FROM mentions_arrow")
    con.unregister("mentions_arrow")
    return con


def settings_creator(
    household_levels: bool = True,
    counted: dict[str, float] | None = None,
    dialect: str = WRITTEN_IN,
) -> Any:
    """The model's shape (comparisons.yaml) as Splink settings for an engine's dialect."""
    from splink import SettingsCreator

    rules = link_rules()
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=rules.splink_comparisons(household_levels, counted, dialect),
        blocking_rules_to_generate_predictions=rules.prediction_rules,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=RETAINED,
    )


def train(con: duckdb.DuckDBPyConnection, settings: LinkSettings) -> dict[str, Any]:
    """EM on the data itself; returns the trained model as Splink's settings JSON."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    frame = db_api.register("mentions", dataset_display_name="mentions")

    rules = link_rules()
    creator = settings_creator

    # u is the chance of agreement between two different people. Random pairs of all
    # mentions include the same person's records (in a district of 3,000 they make most
    # of the pairs that agree on a name, a birth date or a dwelling, and every weight
    # comes out bits too low); one mention per valid ID number are certainly different
    # people. Too few ID holders, and all mentions it is. The household levels take the
    # pairs with other given names out of the phone and address levels; u is estimated
    # without them, so the levels left keep the u of agreement among different people
    # whatever their names (else the name agreement would count twice).
    people = con.execute("SELECT count(DISTINCT id_number) FROM mentions WHERE has_id").fetchall()
    source = "mentions"
    if people[0][0] >= settings.u_min_id_holders:
        con.execute(f"CREATE OR REPLACE VIEW {ONE_PER_ID} AS {ONE_PER_ID_SQL}")
        source = ONE_PER_ID
    u_frame = (
        frame if source == "mentions" else db_api.register(source, dataset_display_name=source)
    )
    u_linker = Linker(u_frame, creator(household_levels=False), log_level=logging.ERROR)
    u_linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.u_max_pairs, seed=settings.u_seed
    )
    plain = _unseen_u(u_linker.misc.save_model_to_json(), settings.u_max_pairs)
    u_linker.table_management.delete_tables_created_by_splink_from_db()
    counted = counted_u(con, source, plain, rules)
    untrained = Linker(frame, creator(True, counted), log_level=logging.ERROR)
    with_u = _copy_u(plain, untrained.misc.save_model_to_json())
    linker = Linker(frame, with_u, log_level=logging.ERROR)
    id_rule = rules.blocking.training[0]
    linker.training.estimate_probability_two_random_records_match(
        [id_rule], recall=settings.prior_recall
    )
    for rule in rules.blocking.training:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_u_probabilities=True
        )
    model = _m_of(linker.misc.save_model_to_json(), rules)
    linker.table_management.delete_tables_created_by_splink_from_db()
    return model


def _level(model: dict[str, Any], comparison: str, label: str) -> dict[str, Any]:
    (found,) = (
        lv
        for c in model["comparisons"]
        if c["output_column_name"] == comparison
        for lv in c["comparison_levels"]
        if lv.get("label_for_charts") == label
    )
    return found


# Pairs of different people (`source`: one mention per ID number) that share `column`
# and meet a counted level's condition.
_COUNTED_PAIRS = """
SELECT count(*) FROM (
    SELECT {columns}
    FROM {source} AS l JOIN {source} AS r
        ON l.{column} = r.{column} AND l.unique_id < r.unique_id
) WHERE {condition}
"""


def counted_u(
    con: duckdb.DuckDBPyConnection, source: str, sampled: dict[str, Any], rules: LinkRules
) -> dict[str, float]:
    """u of each `counted_u` level (comparisons.yaml), by comparison: the one-apart levels.
    Among different people whose names are one character apart, the share who share a
    phone (or a home), whatever their birth dates (the levels mostly meet records without
    one). It is conditional on the names, as the levels are (the name comparison already
    counted the names once), and it is the district's own: where siblings carry a
    generation name (叶霞雯/叶霞轩) many such pairs share a home, and the shared home says
    little; where they do not, a typo it is.

    The pairs with such names are as many as the `among` level's sampled u says of all
    pairs; the ones who share a phone or a home are counted exactly. A count of none
    counts as one (the most the data allows)."""
    names = [row[0] for row in con.execute(f"DESCRIBE {source}").fetchall()]
    columns = ", ".join(
        f"l.{quote(n)} AS {quote(n + '_l')}, r.{quote(n)} AS {quote(n + '_r')}" for n in names
    )
    people = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    out = {}
    for comparison, levels in rules.comparisons.items():
        for level in levels:
            if level.counted_u is None:
                continue
            among = level.counted_u.among
            named = _level(sampled, among.comparison, among.label)["u_probability"]
            pairs = named * people * (people - 1) / 2
            sql = _COUNTED_PAIRS.format(
                columns=columns,
                source=source,
                column=quote(level.counted_u.pairs_sharing),
                condition=rules.expand(level.counted_u.where),
            )
            shared = con.execute(sql).fetchall()[0][0]
            out[comparison] = min(1.0, max(shared, 1) / max(pairs, 1.0))
    return out


def _m_of(model: dict[str, Any], rules: LinkRules) -> dict[str, Any]:
    """m of each `m_of` level: a person's records share a phone (or a home) as often
    whatever typo is in the name, so it is the m of plain agreement, conditional as u is."""
    for comparison, levels in rules.comparisons.items():
        for level in levels:
            if level.m_of and level.label:
                found = _level(model, comparison, level.label)
                found["m_probability"] = _level(model, comparison, level.m_of)["m_probability"]
                found["fix_m_probability"] = True
    return model


def _unseen_u(model: dict[str, Any], sampled: int) -> dict[str, Any]:
    """A level no sampled pair of different people reached (a phone shared by two people
    with one given name) gets u = 1 / pairs sampled, the most the sample allows; Splink
    would save it without one."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and level.get("u_probability") is None:
                level["u_probability"] = 1 / sampled
    return model


def _copy_u(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The u of every level of `target` that `source` has (same comparison and label);
    levels with a fixed u keep theirs."""
    u = {
        (c["output_column_name"], lv.get("label_for_charts")): lv["u_probability"]
        for c in source["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    }
    for comparison in target["comparisons"]:
        for level in comparison["comparison_levels"]:
            key = (comparison["output_column_name"], level.get("label_for_charts"))
            if not level.get("is_null_level") and not level.get("fix_u_probability"):
                level["u_probability"] = u[key]
    return target


Parameters = dict[str, Any]


def parameters(model: dict[str, Any]) -> Parameters:
    """What training learnt, as values an engine of any dialect can take: the prior and
    the m and u of every level, by comparison and label (no SQL)."""
    return {
        "probability_two_random_records_match": model["probability_two_random_records_match"],
        "levels": {
            f"{c['output_column_name']}/{lv.get('label_for_charts')}": {
                "m": lv.get("m_probability"),
                "u": lv.get("u_probability"),
            }
            for c in model["comparisons"]
            for lv in c["comparison_levels"]
            if not lv.get("is_null_level")
        },
    }


def with_parameters(shape: dict[str, Any], values: Parameters) -> dict[str, Any]:
    """`shape` (an untrained model in some engine's dialect) with the trained `values`."""
    shape["probability_two_random_records_match"] = values["probability_two_random_records_match"]
    for c in shape["comparisons"]:
        for lv in c["comparison_levels"]:
            if lv.get("is_null_level"):
                continue
            found = values["levels"][f"{c['output_column_name']}/{lv.get('label_for_charts')}"]
            lv["m_probability"], lv["u_probability"] = found["m"], found["u"]
    return shape


class DuckDBScorer:
    """Scores pairs in the private DuckDB connection that holds the mentions."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        from splink.backends.duckdb import DuckDBAPI

        self.con = con
        self.db_api = DuckDBAPI(connection=con)

    def frame(self, name: str, where: str | None = None) -> Any:
        if where is None:
            return self.db_api.register("mentions", dataset_display_name=name)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM mentions WHERE {where}")
        return self.db_api.register(name, dataset_display_name=name)

    def model(self, model: dict[str, Any]) -> dict[str, Any]:
        return model

    def table(self, scored: Any) -> str:
        return scored.physical_name

    def drop(self, scored: Any, table: str) -> None:
        scored.drop_table_from_database_and_remove_from_cache()


def predict(
    con: duckdb.DuckDBPyConnection,
    model: dict[str, Any],
    settings: LinkSettings,
    incremental: bool = False,
    scorer: Any = None,
) -> pa.Table:
    """Scored candidate pairs: among every mention (a full relink), or, incremental, those
    that involve a new mention (new against existing, and new among themselves). The
    `scorer` runs Splink (DuckDB here by default; Spark: warehouse/linking/spark.py); the
    edges are made in `con` either way."""
    from splink import Linker

    scorer = scorer or DuckDBScorer(con)
    everything = scorer.frame("mentions_with_tf")
    linker = Linker(everything, scorer.model(model), log_level=logging.ERROR)
    # Term frequencies always come from every mention, also when scoring a new batch.
    for column in link_rules().tf_columns:
        linker.table_management.compute_tf_table(column)
    options = {
        "blocking_rules_to_generate_predictions": link_rules().prediction_rules,
        # Pairs below the threshold are kept down to where a register's exclusion could
        # still complete them (warehouse/linking/registers.py).
        "threshold_match_probability": min(
            settings.match_threshold, weight_floor(settings.registers, settings.match_threshold)
        ),
        "warning_mode": "never",
    }
    if not incremental:
        return _edges(con, scorer, linker.inference.predict_within(everything, **options), model)
    new = scorer.frame("mentions_new", "is_new")
    old = scorer.frame("mentions_old", "NOT is_new")
    within = _edges(con, scorer, linker.inference.predict_within(new, **options), model)
    # New against existing, a slice of the new at a time: a month's 64,000 new records
    # against 770,000 existing ran Splink's memory out at once; each pair is scored the
    # same whichever slice it is in.
    ids = [
        r[0]
        for r in con.execute("SELECT unique_id FROM mentions WHERE is_new ORDER BY 1").fetchall()
    ]
    parts = []
    for i, start in enumerate(range(0, len(ids), NEW_PER_PASS)):
        low, high = ids[start], ids[min(start + NEW_PER_PASS, len(ids)) - 1]
        chunk = scorer.frame(
            f"mentions_new_{i}", f"is_new AND unique_id BETWEEN {int(low)} AND {int(high)}"
        )
        scored = linker.inference.predict_between(chunk, old, **options)
        parts.append(_edges(con, scorer, scored, model))
    if not parts:
        return within
    return pa.concat_tables([*parts, within.select(parts[0].column_names)])


def _edges(
    con: duckdb.DuckDBPyConnection, scorer: Any, scored: Any, model: dict[str, Any]
) -> pa.Table:
    """The scored pairs as Arrow: ids, probability, weight and per-comparison evidence."""
    table = scorer.table(scored)
    columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    edges = con.sql(edges_sql(model, table, columns)).arrow().read_all()
    scorer.drop(scored, table)
    return edges


def save_model(model: dict[str, Any], path: Path) -> None:
    """Owner-only: a model holds term frequencies of names, birth dates and phones."""
    private_dir(path.parent)
    write_private(path, json.dumps(model, ensure_ascii=False, indent=1))


def load_model(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
