"""A data home's own severities replace the defaults, and a mistyped one is refused."""

import datetime as dt

import pytest

from schemas.contracts import load_contracts
from schemas.dates import date_limits
from warehouse.quality.rules import (
    Severity,
    _with_settings,
    domain_rules,
    site_severities,
    with_site,
)
from warehouse.quality.suites import staging_suites, suites_for

POLICE = load_contracts()["police_residents"]


def _severities(suites):
    return {e.name: e.severity for s in suites for e in s.expectations}


def test_a_site_lowers_a_kind_and_one_named_rule(tmp_path):
    (tmp_path / "quality.yaml").write_text(
        "kinds:\n  snapshot_rows: warning\n"
        "expectations:\n  no resident older than 120: {severity: warning}\n",
        encoding="utf-8",
    )
    site = site_severities(tmp_path)
    staged = _severities(with_site(staging_suites(POLICE, dt.date.today(), "F1"), site))
    assert staged["each snapshot has 0.8-1.25× the previous snapshot's rows"] is Severity.WARNING
    assert staged["name is filled"] is Severity.BLOCKING
    core = _severities(with_site(suites_for("core.person"), site))
    assert core["no resident older than 120"] is Severity.WARNING
    assert core["person_id is unique"] is Severity.BLOCKING


def test_no_file_keeps_the_defaults(tmp_path):
    assert site_severities(tmp_path).kinds == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kinds:\n  snapshot_row: warning\n", "no kind of rule named"),
        ("kinds:\n  snapshot_rows: off\n", "is not blocking or warning"),
        ("severities: {}\n", "unknown section"),
    ],
)
def test_a_mistyped_override_is_refused_with_its_name(tmp_path, text, message):
    (tmp_path / "quality.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        site_severities(tmp_path)


def test_domain_rules_take_their_limits_from_the_settings():
    """The maximum age is written once, in schemas/date_limits.yaml: the domain rule reads it."""
    years = date_limits().max_age_years
    (oldest,) = [r for r in domain_rules() if r.table == "core.person" and "older" in r.name]
    assert oldest.name == f"no resident older than {years}"
    assert f"INTERVAL {years} YEAR" in oldest.query
    assert all("{" not in r.query.replace("{batch}", "") for r in domain_rules())


def test_a_domain_rule_naming_no_setting_is_refused():
    with pytest.raises(ValueError, match="max_agee"):
        _with_settings("SELECT 1 FROM {batch} WHERE x > {max_agee}")
