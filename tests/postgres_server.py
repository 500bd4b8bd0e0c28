"""A throwaway PostgreSQL server on loopback, for the database-source tests and benchmark.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the
`postgres` system user, in a temporary folder that user owns (outside pytest's own
temporary root, which only root may enter). It listens on 127.0.0.1 and a free port,
requires a password (the cluster is reachable by every local user while it runs), and
is stopped and deleted by `stop()`.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "causeway"
DATABASE = "causeway_test"
SYSTEM_USER = "postgres"
START_ATTEMPTS = 3
# Durability is not needed for a server that lives one test session.
SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the server would not start; the message says why."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them off the PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for folder in reversed(candidates):
        if (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed: no pg_ctl under /usr/lib/postgresql/*/bin or on the PATH "
        "(Debian/Ubuntu: apt-get install postgresql)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """One running cluster; `url` is a SQLAlchemy URL for psycopg 3 with its password."""

    root: Path
    bin_dir: Path
    port: int
    password: str
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            user=self.run_as,
            group=self.run_as,
            capture_output=True,
            text=True,
            check=check,
            cwd=self.root,
            env=self.env,
        )

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "LC_ALL": "C.UTF-8"}

    def psql_command(self, sql: str, database: str = DATABASE) -> list[str]:
        """psql running `sql` as the superuser over TCP (the password is in `env`)."""
        return [
            str(self.bin_dir / "psql"),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port)),
            *("-U", SUPERUSER, "-d", database, "-c", sql),
        ]

    def psql(self, sql: str, database: str = DATABASE, tuples_only: bool = False) -> str:
        """Run SQL through psql and return what it prints."""
        command = self.psql_command(sql, database)
        if tuples_only:
            command[1:1] = ["-t", "-A"]
        done = subprocess.run(command, capture_output=True, text=True, env=self.env)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def stop(self) -> None:
        if self.data.is_dir():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _owned_folder(run_as: str | None) -> Path:
    root = Path(tempfile.mkdtemp(prefix="causeway-pg-"))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    return root


def start_postgres() -> PostgresServer:
    """initdb and start a cluster; raises PostgresUnavailable with the server's log if not."""
    bin_dir = find_bin_dir()
    run_as = SYSTEM_USER if os.geteuid() == 0 else None
    if run_as:
        try:
            pwd.getpwnam(run_as)
        except KeyError as exc:
            raise PostgresUnavailable(
                "running as root, but there is no 'postgres' system user to run PostgreSQL as"
            ) from exc
    server = PostgresServer(_owned_folder(run_as), bin_dir, 0, secrets.token_hex(16), run_as)
    try:
        _initdb(server)
        _start(server)
        server._run(
            "createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", SUPERUSER, DATABASE
        )
    except BaseException:
        server.stop()
        raise
    return server


def _initdb(server: PostgresServer) -> None:
    pwfile = server.root / "pwfile"
    pwfile.write_text(server.password + "\n", encoding="utf-8")
    if server.run_as:
        entry = pwd.getpwnam(server.run_as)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    pwfile.chmod(0o600)
    done = server._run(
        "initdb",
        "-D",
        str(server.data),
        "-U",
        SUPERUSER,
        "--pwfile",
        str(pwfile),
        "--auth",
        "scram-sha-256",
        "-E",
        "UTF8",
        "--locale",
        "C.UTF-8",
        check=False,
    )
    pwfile.unlink()
    if done.returncode:
        raise PostgresUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")


def _start(server: PostgresServer) -> None:
    """Start on a free port; another process may take the port first, so try a few."""
    log = server.root / "server.log"
    for _ in range(START_ATTEMPTS):
        server.port = free_port()
        options = " ".join(
            [
                f"-p {server.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={server.root}",
                *(f"-c {s}" for s in SETTINGS),
            ]
        )
        done = server._run(
            "pg_ctl", "start", "-D", str(server.data), "-l", str(log), "-w", "-o", options,
            check=False,
        )  # fmt: skip
        if done.returncode == 0:
            return
        time.sleep(0.2)
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    raise PostgresUnavailable(f"PostgreSQL did not start: {text[-2000:]}")
