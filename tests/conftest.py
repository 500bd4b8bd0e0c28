"""Fixtures shared across test packages: a real PostgreSQL for the database sources, and a
short wait for files to settle."""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from connectors.stability import STABLE_ENV
from tests.postgres_server import PostgresServer, start_postgres

_databases = itertools.count(1)
TEST_STABLE_SECONDS = "0.05"


@pytest.fixture(autouse=True)
def short_stability_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's files are complete once written: runs wait a twentieth of a second (as do
    the `causeway` processes a test starts) before taking them, not the default."""
    monkeypatch.setenv(STABLE_ENV, TEST_STABLE_SECONDS)


@pytest.fixture(autouse=True)
def default_umask() -> Iterator[None]:
    """Each test starts with the common default umask (022), so a test proves that files
    are owner-only by construction rather than by the umask another test's `causeway`
    command restricted in this process; it is put back afterwards, with the SIGTERM
    handler a command installs."""
    before, on_term = os.umask(0o022), signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        os.umask(before)
        signal.signal(signal.SIGTERM, on_term)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server on loopback for the whole session, stopped at its end."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A SQLAlchemy URL (psycopg 3) to a fresh, empty database for one test."""
    name = f"t{next(_databases)}"
    admin = sa.create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
