"""A published district shared by the mart, publication and evacuation tests."""

from __future__ import annotations

import pytest

from connectors.home import Home
from tests.warehouse.published import published_home


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Home:
    """3,000 residents, loaded, linked, marted and published."""
    return published_home(tmp_path_factory.mktemp("published"), 3000, 21)
