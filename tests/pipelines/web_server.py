"""`causeway web` for tests: the real app under uvicorn on a free loopback port, in a thread
of the test process, with accounts of every role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from connectors.home import Home
from pipelines.web import create_app
from pipelines.web.server import serving
from warehouse.publish import connect_analytics
from warehouse.serve import Role, add_user

PASSWORD = "correct horse battery"
ACCOUNTS = {role: role.value.replace("_", "-") for role in Role}  # role → user name


@dataclass(frozen=True)
class Running:
    url: str
    home: Home


@contextmanager
def web_server(home: Home) -> Iterator[Running]:
    for role, name in ACCOUNTS.items():
        add_user(home, name, role.value, PASSWORD)
    with serving(create_app(home)) as url:
        yield Running(url, home)


def busiest_building(home: Home) -> tuple[str, str]:
    """The building with the most vulnerable residents, and its address as written."""
    # The server's own configuration: DuckDB refuses a second one on a file it has open.
    with connect_analytics(home.outreach) as con:
        return con.execute(
            "SELECT building_id, building_address FROM mart.building_summary "
            "ORDER BY vulnerable_residents DESC, building_id LIMIT 1"
        ).fetchall()[0]
