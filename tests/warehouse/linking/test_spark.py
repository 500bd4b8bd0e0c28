"""Splink on Spark against Splink on DuckDB, on the 20k demo district: the same model
(trained once, its values moved to Spark), the same candidate pairs with the same
probabilities, and the same people. Spark runs in local mode on two cores with shuffle
partitions sized for the data (linking.yaml); Java 17 comes from `make java`.

About 45 s: the district (12 s), a link on DuckDB (8 s), one on Spark (30 s, of which the
session takes 6 s)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from connectors.home import Home
from tests.warehouse.published import shared_published_home
from warehouse.db import WriterLock, open_warehouse
from warehouse.linking.model import load_model, parameters, settings_creator, with_parameters
from warehouse.linking.run import link_people
from warehouse.linking.settings import load_settings

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java: make java")

PAIRS = """
SELECT l.source, l.source_record_id, r.source, r.source_record_id, e.match_probability
FROM link_edges AS e
JOIN link_mentions AS l ON l.unique_id = e.unique_id_l
JOIN link_mentions AS r ON r.unique_id = e.unique_id_r
"""
PEOPLE = "SELECT person_id, source, source_record_id FROM core.person_source"


def _link(home: Home, engine: str) -> tuple[dict, list[tuple], object]:
    """A full relink on `engine`: its scored pairs by record keys, its people, its result."""
    settings = load_settings().model_copy(update={"engine": engine})
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        result = link_people(con, home, "full", settings)
        pairs = {(*sorted([(a, b), (c, d)]),): p for a, b, c, d, p in con.execute(PAIRS).fetchall()}
        people = con.execute(PEOPLE).fetchall()
    return pairs, people, result


def _clusters(people: list[tuple]) -> set[frozenset]:
    members: dict[str, set] = {}
    for person, source, record in people:
        members.setdefault(person, set()).add((source, record))
    return {frozenset(m) for m in members.values()}


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Home:
    return shared_published_home(tmp_path_factory, 20_000, 8, "spark")


def test_spark_scores_the_same_pairs_and_finds_the_same_people(district, tmp_path):
    on_spark = Home.resolve(tmp_path / "spark")
    shutil.copytree(district.root, on_spark.root, symlinks=True)
    duck_pairs, duck_people, duck = _link(district, "duckdb")
    spark_pairs, spark_people, spark = _link(on_spark, "spark")

    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert len(duck_pairs) > 15_000
    assert set(spark_pairs) == set(duck_pairs), "the same candidate pairs"
    assert max(abs(spark_pairs[k] - p) for k, p in duck_pairs.items()) < 1e-9
    duck_clusters, spark_clusters = _clusters(duck_people), _clusters(spark_people)
    same = len(duck_clusters & spark_clusters) / len(duck_clusters)
    assert same >= 0.999, f"{same:.5f} of the clusters are identical"
    assert (spark.persons, spark.candidate_pairs) == (duck.persons, duck.candidate_pairs)
    with duckdb.connect(str(on_spark.warehouse), read_only=True) as con:
        [(engine,)] = con.execute(
            "SELECT engine FROM link.runs ORDER BY started_at DESC LIMIT 1"
        ).fetchall()
    assert engine == "spark"


def test_the_model_crosses_engines_as_values_not_sql(district):
    """What moves is the prior and each level's m and u, by comparison and label; Spark's
    settings of the same shape take them and carry no DuckDB SQL."""
    [model_file] = sorted(Path(district.models).glob("person-*.json"))[-1:]
    trained = load_model(model_file)
    values = parameters(trained)
    assert set(values) == {"probability_two_random_records_match", "levels"}
    assert all(set(v) == {"m", "u"} for v in values["levels"].values())
    assert "name/one character differs" in values["levels"]

    import json

    # The untrained shape in Spark's dialect, as SparkScorer.model builds it.
    shape = settings_creator(dialect="spark").get_settings("spark").as_dict()
    moved = with_parameters(shape, values)
    assert parameters(moved) == values
    text = json.dumps(moved)
    assert "list_zip" not in text and "date_diff('day'" not in text
    assert "DATEDIFF" in text.upper() and "LEVENSHTEIN" in text.upper()
