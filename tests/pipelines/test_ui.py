"""The Dagster UI starts on loopback; its GraphQL API lists the code location, every asset
and every check."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from connectors.home import Home
from pipelines.definitions import build_definitions
from schemas.contracts import load_contracts

ROOT = Path(__file__).parents[2]
QUERY = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError "
    "{ __typename ... on PythonError { message } } } } } assetNodes { assetKey { path } "
    "assetChecksOrError { ... on AssetChecks { checks { name } } } } }"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_ui_serves_every_asset(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ui = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--home", str(tmp_path), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the UI did not start"
                assert ui.poll() is None, "the UI exited"
                time.sleep(1)
        data = post(f"http://127.0.0.1:{port}/graphql", QUERY)["data"]
        (entry,) = data["workspaceOrError"]["locationEntries"]
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        keys = {tuple(node["assetKey"]["path"]) for node in data["assetNodes"]}
        defs = build_definitions(Home.resolve(tmp_path))
        expected = {tuple(k.path) for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert {("staging", source) for source in load_contracts()} <= expected
        assert keys == expected
        checks = {
            (tuple(node["assetKey"]["path"]), check["name"])
            for node in data["assetNodes"]
            for check in node["assetChecksOrError"].get("checks", [])
        }
        wanted = {
            (tuple(k.asset_key.path), k.name) for k in defs.resolve_asset_graph().asset_check_keys
        }
        assert wanted and checks == wanted
    finally:
        ui.send_signal(signal.SIGTERM)
        try:
            ui.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
    time.sleep(2)
    leftovers = subprocess.run(
        ["pgrep", "-f", f"(-p|--port) {port}"], capture_output=True, text=True
    )
    assert leftovers.stdout.strip() == "", "the UI left processes running"
