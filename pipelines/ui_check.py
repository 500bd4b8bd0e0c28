"""`make ui-check`: load a small demo, start the UI on loopback, check it over GraphQL, and
screenshot the asset graph and the run's page, whose log holds the run summary.

Uses Debian's chromium headless (no browser download); the screenshot shows a person what
the data engineer sees.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1600,1000",
    "--virtual-time-budget=15000",
]
QUERY = "{ assetNodes { assetKey { path } } }"
RUNS = "{ runsOrError { ... on Runs { results { runId } } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the UI did not answer at {url}") from None
            time.sleep(1)


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def asset_count(port: int) -> int:
    return len(graphql(port, QUERY)["assetNodes"])


def screenshot(browser: str, profile: Path, url: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={out.resolve()}",
            url,
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/ui-asset-graph.png"))
    parser.add_argument("--run-out", type=Path, default=Path("docs/ui-run-summary.png"))
    args = parser.parse_args()
    browser = shutil.which("chromium")
    if browser is None:
        raise SystemExit("chromium is not installed: apt-get update && apt-get install chromium")
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        # A small district, loaded, so the graph shows materialized assets and a run with
        # its summary.
        cli = [sys.executable, "-m", "pipelines.cli"]
        subprocess.run([*cli, "demo", "--home", home, "--persons", "800"], check=True)
        subprocess.run([*cli, "run", "--home", home], check=True, stdout=subprocess.DEVNULL)
        ui = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "ui", "--home", home, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/server_info", 120)
            print(f"UI up on port {port}: {asset_count(port)} assets listed over GraphQL")
            # The UI greets a new local instance with a newsletter dialog over the graph;
            # mark it seen on this throwaway instance so the screenshot shows the graph.
            graphql(port, "mutation { setNuxSeen }")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            profile = Path(home) / "chromium-profile"
            screenshot(browser, profile, f"http://127.0.0.1:{port}/asset-groups", args.out)
            print(f"screenshot of the asset graph: {args.out}")
            (run_id,) = [r["runId"] for r in graphql(port, RUNS)["runsOrError"]["results"]]
            # The run's log, filtered to its engine events: the summary is the last one.
            url = f"http://127.0.0.1:{port}/runs/{run_id}?logs=" + urllib.parse.quote(
                "type:ENGINE_EVENT"
            )
            screenshot(browser, profile, url, args.run_out)
            print(f"screenshot of the run and its summary: {args.run_out}")
        finally:
            ui.send_signal(signal.SIGTERM)
            ui.wait(timeout=60)


if __name__ == "__main__":
    main()
