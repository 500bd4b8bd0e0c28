"""A published district shared by the mart, publication and evacuation tests."""

from __future__ import annotations

import duckdb
import pytest

from connectors.home import Home
from tests.warehouse.published import published_home
from warehouse.db.macros import install_macros, install_reference


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Home:
    """3,000 residents, loaded, linked, marted and published."""
    return published_home(tmp_path_factory.mktemp("published"), 3000, 21)


@pytest.fixture(scope="module")
def con():
    """A bare DuckDB connection with the code tables and standardization macros."""
    connection = duckdb.connect()
    install_reference(connection)
    install_macros(connection)
    yield connection
    connection.close()
