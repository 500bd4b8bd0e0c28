"""The second fixture district written into a fresh data home (not loaded)."""

from __future__ import annotations

import pytest

from connectors.home import Home
from tests.district2.generator import District, generate


@pytest.fixture
def district2(tmp_path) -> tuple[Home, District]:
    """A single community of 3,000 residents: exports, site contracts and truth."""
    home = Home.resolve(tmp_path / "home").ensure()
    district = generate(home.ingest, home.demo_truth, home.contracts_dir, 3_000, 2026)
    return home, district
