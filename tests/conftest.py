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

# The longest files first (seconds on 2 workers, `pytest --durations=60`, 2026-12-03):
# with `--dist loadfile` a long file handed out last keeps one worker busy while the other
# idles, and in collection order the warehouse's long files came last.
LONGEST_FIRST = (  # seconds a file took on 2 workers (2026-12-07, bytecode compiled)
    "tests/pipelines/test_cli.py",  # 140
    "tests/warehouse/linking/test_spark.py",  # 108
    "tests/warehouse/test_never_blocked.py",  # 81
    "tests/warehouse/test_concurrency.py",  # 75
    "tests/pipelines/test_lake_cli.py",  # 72
    "tests/warehouse/test_crash.py",  # 70
    "tests/pipelines/test_finish.py",  # 70
    "tests/warehouse/test_rebuild.py",  # 70
    "tests/pipelines/test_quality.py",  # 60
    "tests/warehouse/linking/test_quality.py",  # 55
    "tests/pipelines/test_multiprocess.py",  # 51
    "tests/warehouse/lake/test_lake.py",  # 45
    "tests/warehouse/linking/test_review.py",  # 40
    "tests/pipelines/test_run_files.py",  # 40
    "tests/warehouse/linking/test_runs.py",  # 35
    "tests/warehouse/linking/test_second_district.py",  # 30
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Hand the longest files out first (a stable sort: the rest keep their order)."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


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
