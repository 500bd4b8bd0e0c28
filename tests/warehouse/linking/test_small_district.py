"""Issue 15's targets hold in a single community of 3,000 residents, where the EM
estimates have little data: the shared published demo district (tests/warehouse/conftest.py)."""

import duckdb

from warehouse.linking.evaluate import dwelling_scores, person_scores


def test_a_district_of_3000_links_at_the_targets(published):
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        persons = person_scores(con, published.demo_truth / "persons.csv")
        dwellings = dwelling_scores(con, published.demo_truth / "persons.csv")
    print(f"persons {persons}\ndwellings {dwellings}")
    assert persons.records > 9_000
    assert persons.precision >= 0.9995, persons
    assert persons.recall >= 0.999, persons
    assert dwellings.precision >= 0.999, dwellings
    assert dwellings.recall >= 0.999, dwellings
