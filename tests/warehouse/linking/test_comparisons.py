"""The comparisons file: what it compiles to, and how a mistake in it is refused."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from connectors.home import Home
from warehouse.db import open_warehouse
from warehouse.linking.comparisons import COMPARISONS_FILE, LinkRules, link_rules
from warehouse.linking.features import features_sql, names_sql
from warehouse.linking.names import create_name_table
from warehouse.linking.run import LinkError, _splink_columns


def _raw() -> dict:
    return yaml.safe_load(COMPARISONS_FILE.read_text(encoding="utf-8"))


def test_each_level_compiles_to_the_splink_level_it_names():
    rules = link_rules()
    compiled = {
        c.get_comparison("duckdb").as_dict()["output_column_name"]: c.get_comparison(
            "duckdb"
        ).as_dict()["comparison_levels"]
        for c in rules.splink_comparisons(counted_u={"phone": 0.02, "address": 0.03})
    }
    assert list(compiled) == list(rules.comparisons)
    for name, levels in rules.comparisons.items():
        built = compiled[name]
        assert len(built) == len(levels)
        for level, splink in zip(levels, built, strict=True):
            assert splink.get("label_for_charts") == level.label or level.missing
            assert bool(splink.get("is_null_level")) == bool(level.missing or level.is_null)
            assert splink.get("tf_adjustment_column") == level.tf
            if level.when:
                assert splink["sql_condition"] == rules.expand(level.when)
                assert "{" not in splink["sql_condition"], "every condition is expanded"
            if level.exact:
                assert splink["sql_condition"] == f'"{level.exact}_l" = "{level.exact}_r"'
            if level.fixed_m is not None:
                assert splink["m_probability"] == level.fixed_m and splink["fix_m_probability"]
            if level.counted_u is not None:
                assert splink["u_probability"] == {"phone": 0.02, "address": 0.03}[name]
                assert splink["fix_u_probability"]
    # Sampling u leaves the household levels out; nothing else.
    plain = {
        c.get_comparison("duckdb").as_dict()["output_column_name"]: len(
            c.get_comparison("duckdb").as_dict()["comparison_levels"]
        )
        for c in rules.splink_comparisons(household_levels=False)
    }
    assert plain == {
        n: len([lv for lv in levels if not lv.household]) for n, levels in rules.comparisons.items()
    }
    assert plain["phone"] < len(rules.comparisons["phone"])


def test_every_prediction_rule_leaves_pairs_of_id_holders_to_the_id_number():
    rules = link_rules()
    assert len(rules.prediction_rules) == len(rules.blocking.prediction)
    for rule, written in zip(rules.prediction_rules, rules.blocking.prediction, strict=True):
        assert rule == f"({written}) AND NOT (l.has_id AND r.has_id)"


def test_every_column_the_file_names_is_a_feature_of_a_mention(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    contracts = home.contracts().values()
    with open_warehouse(home) as con:
        create_name_table(con, names_sql(contracts))
        features = {r[0] for r in con.execute(f"DESCRIBE ({features_sql(contracts)})").fetchall()}
    rules = link_rules()
    assert set(rules.columns) <= features
    assert {"name", "surname", "given_pinyin", "dwelling_key", "id_number"} <= set(rules.columns)
    assert set(rules.tf_columns) <= set(rules.columns)


def _broken(change) -> dict:
    data = copy.deepcopy(_raw())
    change(data)
    return data


def _level(data: dict, comparison: str, label: str) -> dict:
    return next(lv for lv in data["comparisons"][comparison] if lv.get("label") == label)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["conditions"].update(same_home="{no_such_condition}"),
            "unknown condition {no_such_condition}",
        ),
        (
            lambda d: d["conditions"].update(other_person="{other_person} OR true"),
            "refers to itself",
        ),
        (
            lambda d: _level(d, "name", "same pinyin").update(exact="name"),
            "one of missing, exact, when or else",
        ),
        (
            lambda d: _level(d, "phone", "shared, name one character apart").update(
                m_of="no such level"
            ),
            "m_of names no level",
        ),
        (
            lambda d: _level(d, "sex", "differs").update(label="same"),
            "two levels with one label",
        ),
        (
            lambda d: _level(d, "address", "same building").update(weight=3),
            "Extra inputs are not permitted",
        ),
        (lambda d: d["blocking"].update(prediction=[]), "at least 1 item"),
    ],
)
def test_a_mistake_in_the_file_is_refused_with_what_is_wrong(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        LinkRules.model_validate(_broken(change))


def test_a_column_no_mention_has_stops_the_link_run_in_words(tmp_path):
    """What Splink reads comes from the file; a column staging lost is named up front."""
    home = Home.resolve(tmp_path).ensure()
    contracts = home.contracts().values()
    with open_warehouse(home) as con:
        create_name_table(con, names_sql(contracts))
        con.execute(f"CREATE TEMP TABLE link_mentions AS {features_sql(contracts)}")
        read = _splink_columns(con).replace('"', "").split(", ")
        assert set(read) == {"unique_id", "is_new", "source", "source_record_id"} | set(
            link_rules().columns
        )
        con.execute("ALTER TABLE link_mentions DROP COLUMN given_pinyin")
        with pytest.raises(LinkError, match=r"comparisons\.yaml reads given_pinyin, which no"):
            _splink_columns(con)
