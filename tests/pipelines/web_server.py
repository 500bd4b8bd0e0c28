"""`causeway web` for tests: the real app under uvicorn on a free loopback port, in a thread
of the test process, with accounts of every role."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from connectors.home import Home
from pipelines.web import create_app
from warehouse.serve.accounts import Role, add_user

PASSWORD = "correct horse battery"
ACCOUNTS = {role: role.value.replace("_", "-") for role in Role}  # role → user name


@dataclass(frozen=True)
class Running:
    url: str
    home: Home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_server(home: Home) -> Iterator[Running]:
    for role, name in ACCOUNTS.items():
        add_user(home, name, role.value, PASSWORD)
    port = free_port()
    config = uvicorn.Config(
        create_app(home), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    try:
        yield Running(f"http://127.0.0.1:{port}", home)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
