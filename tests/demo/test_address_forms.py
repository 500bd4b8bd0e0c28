"""The demo writes the address forms of other districts' exports at their configured rates.

Spaces (学院路 社区 2-1-101), no 社区, traditional characters (社區, 號樓) and em dashes are
measured in the files with plain string tests, against the share of the configured forms
(demo/noise.yaml address_forms) that write them.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from demo.pools import noise_rates
from tests.demo.exports import exports

ADDRESS = {
    "health_residents": "现住址",
    "police_residents": "居住地址",
    "civil_affairs_cases": "jiating_zhuzhi",
}
# A feature of the text, and how to tell from a form's template that it writes it.
FEATURES = {
    "space": (lambda a: " " in a, lambda f: " " in f or "{community_spaced}" in f),
    "traditional": (lambda a: "社區" in a, lambda f: "{community_trad}" in f),
    "no 社区": (
        lambda a: "社区" not in a and "社區" not in a,
        lambda f: "{community_bare}" in f,
    ),
    "em dash": (lambda a: "—" in a, lambda f: "—" in f),
}


@pytest.fixture(scope="module")
def files(district):
    return exports(district, "202609")


@pytest.mark.parametrize("source", sorted(ADDRESS))
@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_forms_at_their_rates(files, source, feature):
    forms = noise_rates()["sources"][source]["address_forms"]
    in_text, in_form = FEATURES[feature]
    configured = sum(rate for form, rate in forms.items() if in_form(form)) / sum(forms.values())
    text = files[source][ADDRESS[source]].astype(str)
    measured = float(pd.Series([in_text(a) for a in text]).mean())
    # Forms are drawn per row: four standard errors of a share of len(text) draws.
    tolerance = max(0.01, 4 * math.sqrt(configured * (1 - configured) / len(text)))
    assert abs(measured - configured) <= tolerance, (measured, configured, len(text))


def test_every_new_form_is_written_somewhere(files):
    text = pd.concat([files[s][c].astype(str) for s, c in ADDRESS.items()])
    for pattern in [r"\d+-\d+-\d+室", r"\d+#\d+-\d+", r"\d+座", r"\d+ \d+$", r"\d+－\d+", r"號樓"]:
        assert text.str.contains(pattern).sum() >= 5, pattern


def test_some_communities_are_named_in_districts_and_villages(district):
    communities = pd.read_csv(district / "demo_truth/buildings.csv", dtype=str).community
    assert communities.str.contains("区社区|村社区|亭社区").any()
