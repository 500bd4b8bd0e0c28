"""The reduced linking evaluation: a 20,000-resident district against its ground truth.

The same figures at 250,000 residents are printed by benchmarks/bench_linking.py.
Targets (issue 15, on the demo with its quirks: traditional and look-alike names, twins,
same-named relatives, bare housing rows, spreadsheet-damaged IDs, new address forms):
persons precision >= 0.9995 and recall >= 0.999 at the default threshold, dwellings
precision and recall >= 0.999; >= 99.9 % of people keep their ID when the second month
arrives.
"""

import duckdb
import pytest

from connectors.home import Home
from demo.api import generate
from warehouse.ingest.intake import process_pending
from warehouse.linking.evaluate import (
    dwelling_scores,
    false_merges,
    id_conflicts,
    kept_id_share,
    person_scores,
)
from warehouse.linking.mentions import mentions_sql
from warehouse.linking.stage import link_warehouse

PERSONS, SEED = 20_000, 11
# Issue 15's target; this district reaches 0.99938 (seed 11, month 1).
RECALL_TARGET = 0.999


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """Month 1 loaded and fully linked, then month 2 loaded and linked incrementally."""
    home = Home.resolve(tmp_path_factory.mktemp("link")).ensure()
    generate(home.ingest, home.demo_truth, PERSONS, SEED, 1)
    process_pending(home)
    first = link_warehouse(home)
    figures = {"first": first}
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        figures["persons_1"] = person_scores(con, home.demo_truth / "persons.csv")
        figures["merges_1"] = false_merges(con, home.demo_truth)
        figures["conflicts_1"] = id_conflicts(con, mentions_sql(home.contracts().values()))
        figures["dwellings_1"] = dwelling_scores(con, home.demo_truth / "persons.csv")
        con.execute(f"COPY core.person_source TO '{home.root / 'month1.parquet'}'")
    generate(home.ingest, home.demo_truth, PERSONS, SEED, 2)
    process_pending(home)
    figures["second"] = link_warehouse(home)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        figures["persons_2"] = person_scores(con, home.demo_truth / "persons.csv")
        figures["merges_2"] = false_merges(con, home.demo_truth)
        figures["conflicts_2"] = id_conflicts(con, mentions_sql(home.contracts().values()))
        figures["kept_2"] = kept_id_share(
            con, home.demo_truth / "persons.csv", home.root / "month1.parquet"
        )
        con.execute(f"COPY core.person_source TO '{home.root / 'month2.parquet'}'")
    figures["relink"] = link_warehouse(home, "full")
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        figures["persons_3"] = person_scores(con, home.demo_truth / "persons.csv")
        figures["merges_3"] = false_merges(con, home.demo_truth)
        figures["conflicts_3"] = id_conflicts(con, mentions_sql(home.contracts().values()))
        figures["kept_3"] = kept_id_share(
            con, home.demo_truth / "persons.csv", home.root / "month2.parquet"
        )
    return home, figures


def test_first_month_is_a_full_link_that_meets_the_targets(district):
    _, f = district
    assert f["first"].mode == "full"
    scores = f["persons_1"]
    print(scores)
    assert scores.records > 60_000
    assert scores.precision >= 0.9995
    assert scores.recall >= RECALL_TARGET
    # Every person has one cluster, give or take a handful of unlinkable records.
    assert abs(scores.clusters - scores.true_clusters) <= scores.true_clusters * 0.002


def test_households_are_not_people(district):
    """Household members share a phone and a dwelling; twins also a birth date and a
    surname. None of that makes them one person (issue 15): no twins are merged, and
    false merges inside households stay within two fifths of the precision budget of
    the issue's target (P >= 0.9995), nearly all of them same-named relatives where one
    record has neither birth date nor sex to tell them apart. When this test was
    written: 7 pairs of 72,766, all same-named; 67 (8 of twins) before households had
    levels of their own."""
    _, f = district
    merges = {m: f["merges_" + m] for m in "123"}
    print(merges)
    for month, found in merges.items():
        predicted = f["persons_" + month].predicted_pairs
        assert found.twins == 0
        assert found.household <= 0.0002 * predicted
        assert found.household - found.namesakes <= 0.00005 * predicted


def test_dwellings_are_linked_from_every_way_of_writing_an_address(district):
    _, f = district
    scores = f["dwellings_1"]
    print(scores)
    assert scores.precision >= 0.999
    assert scores.recall >= 0.999


def test_buildings_are_one_per_real_building(district):
    home, _ = district
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        ours = con.execute("SELECT count(*) FROM core.building").fetchall()[0][0]
        truth = con.execute(
            "SELECT count(*) FROM read_csv(?)", [str(home.demo_truth / "buildings.csv")]
        ).fetchall()[0][0]
    assert ours == truth


def test_second_month_links_incrementally_and_keeps_ids(district):
    _, f = district
    second = f["second"]
    assert second.mode == "incremental"
    # Only new or changed records are scored: far fewer than a full relink.
    assert 0 < second.new_mentions < second.mentions / 4
    print(f["persons_2"])
    assert f["persons_2"].precision >= 0.9995
    assert f["persons_2"].recall >= RECALL_TARGET
    kept, total = f["kept_2"]
    assert total > 19_000
    assert kept / total >= 0.999


def test_nightly_full_relink_keeps_ids_by_overlap(district):
    _, f = district
    relink = f["relink"]
    assert relink.mode == "full"
    print(f["persons_3"])
    assert f["persons_3"].precision >= 0.9995
    assert f["persons_3"].recall >= RECALL_TARGET
    kept, total = f["kept_3"]
    assert kept / total >= 0.999


def test_every_record_has_one_person_and_every_person_a_record(district):
    home, _ = district
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        orphans = con.execute(
            "SELECT count(*) FROM core.person AS p ANTI JOIN core.person_source AS s "
            "USING (person_id)"
        ).fetchall()[0][0]
        dangling = con.execute(
            "SELECT count(*) FROM core.person_source AS s ANTI JOIN core.person AS p "
            "USING (person_id)"
        ).fetchall()[0][0]
        mentions = con.execute(
            "SELECT (SELECT count(*) FROM core.person_source), "
            "(SELECT count(*) FROM staging.housing_occupants_current) + "
            "(SELECT count(*) FROM staging.health_residents_current) + "
            "(SELECT count(*) FROM staging.police_residents_current) + "
            "(SELECT count(*) FROM staging.police_incidents_current) + "
            "(SELECT count(*) FROM staging.civil_affairs_cases_current)"
        ).fetchall()[0]
    assert orphans == 0
    assert dangling == 0
    assert mentions[0] == mentions[1]


def test_two_valid_id_numbers_are_never_one_person(district):
    """After the full link, after the incremental month and after the nightly relink."""
    _, f = district
    assert (f["conflicts_1"], f["conflicts_2"], f["conflicts_3"]) == (0, 0, 0)
