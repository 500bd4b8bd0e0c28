"""Link runs on a small district: nothing new, retracted files, explain, settings."""

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from connectors.home import Home
from demo.api import generate
from pipelines.cli import app
from warehouse.ingest.intake import process_pending
from warehouse.linking.run import LinkError
from warehouse.linking.settings import SETTINGS_FILE, LinkSettings
from warehouse.linking.stage import link_warehouse
from warehouse.ops.repair import retract


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    home = Home.resolve(tmp_path_factory.mktemp("small")).ensure()
    generate(home.ingest, home.demo_truth, 1500, 4, 1)
    loads = process_pending(home)
    first = link_warehouse(home)
    return home, loads, first


def rows(home, sql, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_a_second_run_with_nothing_new_changes_nothing(small):
    home, _, first = small
    before = rows(home, "SELECT * FROM core.person_source ORDER BY ALL")
    assert not first.nothing_new
    again = link_warehouse(home)
    assert again.nothing_new
    assert again.persons == first.persons
    assert rows(home, "SELECT * FROM core.person_source ORDER BY ALL") == before


def test_every_person_id_is_recorded_as_created_once(small):
    home, _, first = small
    created = rows(
        home,
        "SELECT count(*), count(DISTINCT person_id) FROM core.person_id_history "
        "WHERE event = 'created' AND link_run_id = ?",
        [first.link_run_id],
    )[0]
    assert created == (first.persons, first.persons)
    assert rows(home, "SELECT count(*) FROM link.runs WHERE mode = 'full'")[0][0] == 1


def test_explain_shows_the_weights_of_a_probabilistic_link(small):
    home, _, _ = small
    (person_id, source, record), *_ = rows(
        home,
        "SELECT person_id, source, source_record_id FROM core.person_source "
        "WHERE match_reason LIKE 'matched %' ORDER BY ALL LIMIT 1",
    )
    result = CliRunner().invoke(
        app,
        ["explain", person_id, "--reason", "checking a link", "--home", str(home.root)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert person_id in result.output
    assert f"{source} {record}: best match" in result.output
    for comparison in ("name", "birth_date", "sex", "phone", "address"):
        assert comparison in result.output
    unknown = CliRunner().invoke(
        app, ["explain", "CW9999999999", "--reason", "checking a link", "--home", str(home.root)]
    )
    assert unknown.exit_code == 1
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        first, last, count = con.execute(
            "SELECT min(person_id), max(person_id), count(*) FROM core.person"
        ).fetchall()[0]
    said = " ".join(unknown.output.split())
    known = f"person IDs run from {first} to {last} ({count:,} people)"
    assert f"No person CW9999999999 in the warehouse: {known}" in said


def test_a_retracted_file_takes_its_links_with_it(small):
    home, loads, _ = small
    civil = next(r for r in loads if r.source == "civil_affairs_cases")
    only_there = rows(
        home,
        "SELECT count(DISTINCT person_id) FROM core.person_source GROUP BY person_id "
        "HAVING bool_and(source = 'civil_affairs_cases')",
    )
    retract(home, civil.file_id, "sent to the wrong district")
    after = link_warehouse(home)
    assert after.mode == "incremental"
    assert rows(
        home, "SELECT count(*) FROM core.person_source WHERE source = 'civil_affairs_cases'"
    ) == [(0,)]
    assert after.ids_retired == len(only_there)
    assert rows(
        home,
        "SELECT count(*) FROM core.person AS p ANTI JOIN core.person_source USING (person_id)",
    ) == [(0,)]


def test_settings_must_give_a_rule_for_every_golden_field(tmp_path):
    data = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))
    del data["golden"]["phone"]
    with pytest.raises(ValueError, match="phone"):
        LinkSettings.model_validate(data)
    data = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))
    data["match_threshold"] = 1.5
    with pytest.raises(ValueError, match="match_threshold"):
        LinkSettings.model_validate(data)


def test_an_empty_staging_links_nobody_without_an_error(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    result = link_warehouse(home)
    assert result.nothing_new
    assert (result.mentions, result.persons) == (0, 0)
    assert rows(home, "SELECT count(*) FROM link.runs") == [(0,)]


def test_without_shared_id_numbers_the_model_cannot_be_estimated(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 300, 4, 1)
    process_pending(home)
    with duckdb.connect(str(home.warehouse)) as con:
        for contract in home.contracts().values():
            con.execute(f"UPDATE {contract.staging_table} SET id_number = NULL")
    with pytest.raises(LinkError, match="no two records share a valid ID number"):
        link_warehouse(home)
    assert rows(home, "SELECT count(*) FROM core.person_source") == [(0,)]


def test_an_incremental_link_scored_in_slices_finds_the_pairs_of_one_pass(tmp_path, monkeypatch):
    """A month of new records is scored against the existing ones a slice at a time (so
    Splink's memory holds); the slices find the same pairs with the same weights."""
    from warehouse.db import open_warehouse
    from warehouse.linking import model
    from warehouse.linking.features import features_sql, names_sql
    from warehouse.linking.names import create_name_table
    from warehouse.linking.run import _splink_columns, last_full_model
    from warehouse.linking.settings import load_settings

    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 600, 9, 1)
    process_pending(home)
    link_warehouse(home, "full")
    generate(home.ingest, home.demo_truth, 600, 9, 2)
    process_pending(home)
    contracts = list(home.contracts().values())
    with open_warehouse(home) as con:
        create_name_table(con, names_sql(contracts))
        con.execute(f"CREATE TEMP TABLE link_mentions AS {features_sql(contracts)}")
        mentions = con.sql(f"SELECT {_splink_columns(con)} FROM link_mentions").arrow().read_all()
        saved = model.load_model(last_full_model(con))

    def pairs(per_pass: int) -> set[tuple]:
        monkeypatch.setattr(model, "NEW_PER_PASS", per_pass)
        splink = model.splink_connection(mentions, tmp_path / f"spill{per_pass}", "1GB")
        try:
            edges = model.predict(splink, saved, load_settings(), incremental=True)
        finally:
            splink.close()
        rows = zip(
            *(edges.column(c).to_pylist() for c in ("unique_id_l", "unique_id_r")), strict=True
        )
        weights = edges.column("match_weight").to_pylist()
        return {(*sorted(ids), round(w, 6)) for ids, w in zip(rows, weights, strict=True)}

    new = sum(mentions.column("is_new").to_pylist())
    one_pass = pairs(10**9)
    assert new > 3 * 5 and len(one_pass) > 50
    assert pairs(5) == one_pass


def test_a_link_has_its_own_memory_budget_and_gives_the_load_s_back(small, monkeypatch):
    """While it links, the warehouse connection has linking.yaml's `memory_limit` (the
    load's 1 GB was outgrown at 500k residents); after, the load's budget again, also when
    the link fails."""
    import warehouse.linking.run as run
    from warehouse.db import WriterLock, open_warehouse

    home, _, _ = small
    budget = "SELECT current_setting('memory_limit')"
    seen = []
    linking = run._link_people

    def watched(con, *args):
        seen.append(con.execute(budget).fetchall()[0][0])
        if len(seen) > 1:
            raise LinkError("a link that fails half-way")
        return linking(con, *args)

    monkeypatch.setattr(run, "_link_people", watched)
    settings = run.load_settings().model_copy(update={"memory_limit": "3GB"})
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        before = con.execute(budget).fetchall()
        run.link_people(con, home, "incremental", settings)
        assert con.execute(budget).fetchall() == before
        with pytest.raises(LinkError):
            run.link_people(con, home, "incremental", settings)
        assert con.execute(budget).fetchall() == before
    assert seen[0] == "2.7 GiB" and before != [("2.7 GiB",)]
