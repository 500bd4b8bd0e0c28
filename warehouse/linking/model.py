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

from warehouse.linking.evidence import edges_sql
from warehouse.linking.features import TF_COLUMNS
from warehouse.linking.registers import weight_floor
from warehouse.linking.settings import LinkSettings, load_settings

NOT_BOTH_WITH_ID = "NOT (l.has_id AND r.has_id)"
SPLINK_MEMORY = "1GB"
RETAINED = ["has_id", "source", "source_record_id"]
SEX_DISAGREEMENT_M = 0.001
# The same building where one record names no room: as near as such a record can agree.
BUILDING_ROOM_UNKNOWN = (
    "building_key_l = building_key_r AND (dwelling_key_l IS NULL OR dwelling_key_r IS NULL)"
)
# One home: the same dwelling, or the same building where one record names no room.
SAME_HOME = f"(dwelling_key_l = dwelling_key_r OR ({BUILDING_ROOM_UNKNOWN}))"
ONE_PER_ID = "mentions_one_per_id"
ONE_PER_ID_SQL = (
    "SELECT * FROM mentions WHERE has_id "
    "QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY unique_id) = 1"
)

# The level of a phone or home shared by records whose names are one character apart.
ONE_APART_LABEL = "shared, name one character apart"
PLACEHOLDER_U = 0.5

# Splink logs every EM iteration and warns about levels a session cannot train (the
# next session trains them); link runs report their own figures instead.
logging.getLogger("splink").setLevel(logging.ERROR)


def comparisons(
    household_levels: bool = True, one_apart_u: dict[str, float] | None = None
) -> list[Any]:
    """Name, birth date, sex, phone and address, each with levels of agreement; a phone or
    dwelling shared by another person of the household has a level of its own (left out
    with `household_levels=False`, to estimate u: see `train`)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            # Names are compared normalized (simplified characters, folded widths:
            # warehouse/linking/names.py), so 張偉 and 张伟 are exact.
            cll.ExactMatchLevel("name").configure(
                tf_adjustment_column="name", label_for_charts="exact"
            ),
            # A homophone (张玮 for 张伟, 章伟 for 张伟) is what a pinyin input method
            # types by mistake: nearly as good as exact, with its own frequencies.
            cll.CustomLevel(
                "name_pinyin_l = name_pinyin_r", label_for_charts="same pinyin"
            ).configure(tf_adjustment_column="name_pinyin"),
            # Term frequencies: a shared rare given name (or surname) says more than a
            # shared 伟 (or 王).
            cll.CustomLevel(
                "given_name_l = given_name_r", label_for_charts="same given name"
            ).configure(tf_adjustment_column="given_name"),
            # Only in names of three or more characters: in a two-character name the
            # other character is all of the given name (a sibling), or the surname,
            # which the levels above and below already cover.
            cll.CustomLevel(
                "length(name_l) = length(name_r) AND length(name_l) >= 3 "
                "AND levenshtein(name_l, name_r) = 1",
                label_for_charts="one character differs",
            ),
            cll.CustomLevel(
                "surname_l = surname_r", label_for_charts="same surname only"
            ).configure(tf_adjustment_column="surname"),
            cll.ElseLevel().configure(label_for_charts="differs"),
        ],
    )
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date").configure(label_for_charts="exact"),
            cll.ElseLevel().configure(label_for_charts="differs"),
        ],
    )
    household = load_settings().household
    one_apart = household.one_apart_level
    given_u = one_apart_u or {}

    def apart(column: str) -> dict[str, Any]:
        # u counted on the data by `one_apart_u` (a placeholder until then); m is set to
        # the agreeing level's after EM (`_one_apart_m`).
        return {"u_probability": given_u.get(column, PLACEHOLDER_U), "fix_u_probability": True}

    # Another person of the household (see linking.yaml): the shared phone or dwelling
    # is no evidence, whatever EM would make of it.
    shared_by_another = {
        "m_probability": household.m_probability,
        "u_probability": household.u_probability,
        "fix_m_probability": True,
        "fix_u_probability": True,
    }
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[
            cll.NullLevel("phone"),
            *(
                [
                    # Where the home is shared too, the home says it (a household's
                    # phone and home go together: counting both would count it twice).
                    cll.CustomLevel(
                        f"phone_l = phone_r AND {one_apart} AND NOT coalesce({SAME_HOME}, false)"
                    ).configure(label_for_charts=ONE_APART_LABEL, **apart("phone")),
                    cll.CustomLevel(f"phone_l = phone_r AND ({household.other_person})").configure(
                        label_for_charts="shared with another person", **shared_by_another
                    ),
                ]
                if household_levels
                else []
            ),
            cll.ExactMatchLevel("phone").configure(
                tf_adjustment_column="phone", label_for_charts="exact"
            ),
            cll.ElseLevel().configure(label_for_charts="differs"),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel(
                "community_l IS NULL OR community_r IS NULL", label_for_charts="address missing"
            ).configure(is_null_level=True),
            *(
                [
                    cll.CustomLevel(f"{SAME_HOME} AND {one_apart}").configure(
                        label_for_charts=ONE_APART_LABEL, **apart("address")
                    ),
                    cll.CustomLevel(
                        f"(dwelling_key_l = dwelling_key_r OR ({BUILDING_ROOM_UNKNOWN})) "
                        f"AND ({household.other_person})"
                    ).configure(label_for_charts="home of another person", **shared_by_another),
                ]
                if household_levels
                else []
            ),
            # Term frequencies: a dwelling with many residents' records says less.
            cll.ExactMatchLevel("dwelling_key").configure(
                tf_adjustment_column="dwelling_key", label_for_charts="same dwelling"
            ),
            # A record without a room (an incident at a building) agrees as well as it
            # can: unlike another room of the building, that is evidence for a match.
            cll.CustomLevel(BUILDING_ROOM_UNKNOWN, label_for_charts="same building, room unknown"),
            # An incident's address is where it happened (often a neighbour's door), so
            # another room of the person's building has its own weight there.
            cll.CustomLevel(
                "(at_event_l OR at_event_r) AND building_key_l = building_key_r",
                label_for_charts="event in the same building",
            ),
            cll.CustomLevel("building_key_l = building_key_r", label_for_charts="same building"),
            cll.CustomLevel("community_l = community_r", label_for_charts="same community"),
            cll.ElseLevel().configure(label_for_charts="elsewhere"),
        ],
    )
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="same"),
            # Sex never disagrees among records that share an ID number (it is checked
            # against the number), so EM cannot see this level: assume one error in 1000.
            cll.ElseLevel().configure(
                label_for_charts="differs",
                m_probability=SEX_DISAGREEMENT_M,
                fix_m_probability=True,
            ),
        ],
    )
    return [name, birth_date, sex, phone, address]


def blocking_rules(settings: LinkSettings) -> list[str]:
    return [f"({rule}) AND {NOT_BOTH_WITH_ID}" for rule in settings.blocking_rules]


def splink_connection(mentions: pa.Table, spill: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for Splink, so its work tables never touch the warehouse."""
    con = duckdb.connect(
        config={"memory_limit": SPLINK_MEMORY, "temp_directory": str(spill), "threads": 2}
    )
    con.register("mentions_arrow", mentions)
    con.execute("CREATE TABLE mentions AS SELECT * FROM mentions_arrow")
    con.unregister("mentions_arrow")
    return con


def train(con: duckdb.DuckDBPyConnection, settings: LinkSettings) -> dict[str, Any]:
    """EM on the data itself; returns the trained model as Splink's settings JSON."""
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    frame = db_api.register("mentions", dataset_display_name="mentions")

    def creator(household_levels: bool, apart_u: dict[str, float] | None = None) -> Any:
        return SettingsCreator(
            link_type="dedupe_only",
            comparisons=comparisons(household_levels, apart_u),
            blocking_rules_to_generate_predictions=blocking_rules(settings),
            retain_intermediate_calculation_columns=True,
            additional_columns_to_retain=RETAINED,
        )

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
    apart_u = one_apart_u(con, source, _level(plain, "name", "one character differs"))
    untrained = Linker(frame, creator(True, apart_u), log_level=logging.ERROR)
    with_u = _copy_u(plain, untrained.misc.save_model_to_json())
    linker = Linker(frame, with_u, log_level=logging.ERROR)
    id_rule = settings.em_blocking_rules[0]
    linker.training.estimate_probability_two_random_records_match(
        [id_rule], recall=settings.prior_recall
    )
    for rule in settings.em_blocking_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_u_probabilities=True
        )
    model = _one_apart_m(linker.misc.save_model_to_json())
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


# Pairs of different people (`source`: one mention per ID number) whose names are one
# character apart and who share a phone or a home, as the one-apart levels define them.
_APART_PAIRS = """
SELECT count(*) FROM (
    SELECT l.surname AS surname_l, r.surname AS surname_r,
           l.given_name AS given_name_l, r.given_name AS given_name_r,
           l.given_pinyin AS given_pinyin_l, r.given_pinyin AS given_pinyin_r,
           l.birth_date AS birth_date_l, r.birth_date AS birth_date_r,
           l.dwelling_key AS dwelling_key_l, r.dwelling_key AS dwelling_key_r,
           l.building_key AS building_key_l, r.building_key AS building_key_r
    FROM {source} AS l JOIN {source} AS r
        ON l.{column} = r.{column} AND l.unique_id < r.unique_id
) WHERE {condition}
"""


def one_apart_u(
    con: duckdb.DuckDBPyConnection, source: str, name_level: dict[str, Any]
) -> dict[str, float]:
    """u of the one-apart levels: among different people whose names are one character
    apart, the share who share a phone (or a home), whatever their birth dates (the
    levels mostly meet records without one). It is conditional on the names, as
    the levels are (the name comparison already counted the names once), and it is the
    district's own: where siblings carry a generation name (叶霞雯/叶霞轩) many such pairs
    share a home, and the shared home says little; where they do not, a typo it is.

    The pairs with such names are as many as the name level's u says of all pairs; the
    ones who share a phone or a home are counted exactly. A count of none counts as one
    (the most the data allows)."""
    condition = load_settings().household.names_one_apart
    people = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    named_apart = name_level["u_probability"] * people * (people - 1) / 2
    out = {}
    for comparison, column, also in (
        ("phone", "phone", f" AND NOT coalesce({SAME_HOME}, false)"),
        ("address", "dwelling_key", ""),
    ):
        sql = _APART_PAIRS.format(source=source, column=column, condition=condition + also)
        shared = con.execute(sql).fetchall()[0][0]
        out[comparison] = min(1.0, max(shared, 1) / max(named_apart, 1.0))
    return out


def _one_apart_m(model: dict[str, Any]) -> dict[str, Any]:
    """m of the one-apart levels: a person's records share a phone (or a home) as often
    whatever typo is in the name, so it is the m of plain agreement, conditional as u is."""
    for comparison, agreeing in (("phone", "exact"), ("address", "same dwelling")):
        level = _level(model, comparison, ONE_APART_LABEL)
        level["m_probability"] = _level(model, comparison, agreeing)["m_probability"]
        level["fix_m_probability"] = True
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


def predict(
    con: duckdb.DuckDBPyConnection,
    model: dict[str, Any],
    settings: LinkSettings,
    incremental: bool = False,
) -> pa.Table:
    """Scored candidate pairs: among every mention (a full relink), or, incremental, those
    that involve a new mention (new against existing, and new among themselves)."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    everything = db_api.register("mentions", dataset_display_name="mentions_with_tf")
    linker = Linker(everything, model, log_level=logging.ERROR)
    # Term frequencies always come from every mention, also when scoring a new batch.
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    rules = blocking_rules(settings)
    options = {
        "blocking_rules_to_generate_predictions": rules,
        # Pairs below the threshold are kept down to where a register's exclusion could
        # still complete them (warehouse/linking/registers.py).
        "threshold_match_probability": min(
            settings.match_threshold, weight_floor(settings.registers, settings.match_threshold)
        ),
        "warning_mode": "never",
    }
    if not incremental:
        return _edges(con, linker.inference.predict_within(everything, **options), model)
    con.execute("CREATE OR REPLACE VIEW mentions_new AS SELECT * FROM mentions WHERE is_new")
    con.execute("CREATE OR REPLACE VIEW mentions_old AS SELECT * FROM mentions WHERE NOT is_new")
    new = db_api.register("mentions_new", dataset_display_name="new")
    old = db_api.register("mentions_old", dataset_display_name="old")
    between = _edges(con, linker.inference.predict_between(new, old, **options), model)
    within = _edges(con, linker.inference.predict_within(new, **options), model)
    return pa.concat_tables([between, within.select(between.column_names)])


def _edges(con: duckdb.DuckDBPyConnection, scored: Any, model: dict[str, Any]) -> pa.Table:
    """The scored pairs as Arrow: ids, probability, weight and per-comparison evidence."""
    table = scored.physical_name
    columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    edges = con.sql(edges_sql(model, table, columns)).arrow().read_all()
    scored.drop_table_from_database_and_remove_from_cache()
    return edges


def save_model(model: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def load_model(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
