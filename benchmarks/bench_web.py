"""Web benchmark: the grid worker's building view of `causeway web` on the 250k demo.

Starts the app on a loopback port (uvicorn, as `causeway web` does), signs in as a grid
worker and asks for the building with the most vulnerable residents, by ID and by its
address, many times; prints the median server time (the app's own Server-Timing header)
and the median time a client waits, each against the bare query (find the building, list
its residents) on the same file through the same kind of connection, in the same run.
Target (issue 20): the building view < 100 ms server time.

`CAUSEWAY_BENCH_HOME` names a published home to use instead of building one
(`CAUSEWAY_BENCH_PERSONS` residents, 250,000 by default).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import median_ms
from connectors.home import Home
from tests.pipelines.web_server import ACCOUNTS, PASSWORD, busiest_building, web_server
from tests.warehouse.published import published_home
from warehouse.publish import connect_analytics
from warehouse.serve import Role, find_building, residents

PERSONS = int(os.environ.get("CAUSEWAY_BENCH_PERSONS", "250000"))
REPEATS = 50
TARGET_MS = 100.0
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TIMING = re.compile(r"app;dur=([0-9.]+)")


def bench(home: Home) -> None:
    building_id, address = busiest_building(home)
    with connect_analytics(home.outreach) as con:

        def bare(text: str) -> None:
            cur = con.cursor()
            found = find_building(cur, text)
            residents(cur, found["building_id"], restricted=False)

        bare_id = median_ms(lambda: bare(building_id), REPEATS)
        bare_text = median_ms(lambda: bare(address), REPEATS)
    # The app runs on a copy of the published files, so the benchmark's accounts (with a
    # known password) never land in the home it was given.
    with tempfile.TemporaryDirectory(prefix="causeway-bench-web-") as folder:
        copy = Home.resolve(Path(folder)).ensure()
        shutil.copy2(home.analytics, copy.analytics)
        shutil.copy2(home.outreach, copy.outreach)
        server_ms, waited_ms, by_text = _requests(copy, building_id, address)
    print(f"building {building_id} ({address}), {REPEATS} requests each:")
    print(f"  bare query: {bare_id:.1f} ms by ID, {bare_text:.1f} ms by address (baseline)")
    print(
        f"  building view: {server_ms:.1f} ms server time = {server_ms / bare_id:.1f}× "
        f"the bare query (target < {TARGET_MS:.0f} ms); {waited_ms:.1f} ms for the client"
    )
    print(
        f"  search by address and open: {by_text:.1f} ms for the client "
        f"= {by_text / bare_text:.1f}× the bare query by address"
    )


def _requests(home: Home, building_id: str, address: str) -> tuple[float, float, float]:
    with web_server(home) as app, httpx.Client(base_url=app.url, timeout=30) as client:
        token = CSRF.search(client.get("/login").text).group(1)
        client.post(
            "/login",
            data={"user": ACCOUNTS[Role.GRID_WORKER], "password": PASSWORD, "csrf": token},
        )
        found = client.get("/buildings", params={"q": address}, follow_redirects=True)
        assert found.url.path == f"/buildings/{building_id}", found.url
        server, waited = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            page = client.get(f"/buildings/{building_id}")
            waited.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200
            server.append(float(TIMING.search(page.headers["server-timing"]).group(1)))
        by_text = median_ms(
            lambda: client.get("/buildings", params={"q": address}, follow_redirects=True),
            REPEATS,
        )
    return statistics.median(server), statistics.median(waited), by_text


def main() -> None:
    given = os.environ.get("CAUSEWAY_BENCH_HOME")
    if given:
        bench(Home.resolve(given))
        return
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        home = published_home(Path(folder) / "home", PERSONS, 3)
        print(f"district of {PERSONS:,} published in {time.perf_counter() - started:.0f} s")
        bench(home)


if __name__ == "__main__":
    main()
