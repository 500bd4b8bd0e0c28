"""Web accounts: who may sign in to `causeway web`, in which role, with what password.

Accounts live in `secrets/accounts.sqlite` (owner-only, beside the pseudonym key), not in
the warehouse: signing in must never wait for the writer lock a run holds, and a rebuild
or a lake pull must not carry passwords. SQLite lets the web server read while
`causeway user` writes. Passwords are hashed with argon2id (argon2-cffi's defaults, the
RFC 9106 second recommended profile); a hash made with older parameters is upgraded at
the next sign-in. A disabled account keeps its row, so the access log's names stay
someone's.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE, private_dir, restrict_umask

ACCOUNTS_FILE = "accounts.sqlite"
MIN_PASSWORD = 12
NAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    disabled_at TEXT
)
"""
INSERT = (
    "INSERT INTO users (user_name, role, password_hash, created_at, changed_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
FIND = "SELECT user_name, role, password_hash, disabled_at FROM users WHERE user_name = ?"
SET_HASH = "UPDATE users SET password_hash = ?, changed_at = ? WHERE user_name = ?"
DISABLE = "UPDATE users SET disabled_at = ?, changed_at = ? WHERE user_name = ?"
LIST = "SELECT user_name, role, created_at, disabled_at FROM users ORDER BY user_name"
# Spent on an unknown name too, so a sign-in takes as long whether the name exists or not.
_DUMMY = PasswordHasher().hash("not anyone's password")


class Role(enum.StrEnum):
    ANALYST = "analyst"  # published, de-identified data only
    GRID_WORKER = "grid_worker"  # building lists; names and phones after a logged reason
    REVIEWER = "reviewer"  # the clerical review queue and the departments' receipts
    AUDITOR = "auditor"  # the access log
    ADMIN = "admin"  # everything


class AccountError(ValueError):
    """A name, role or password that cannot be used, or an account that is not there."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role

    def may(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles


def _hasher() -> PasswordHasher:
    return PasswordHasher()


@contextmanager
def _accounts(home: Home) -> Iterator[sqlite3.Connection]:
    restrict_umask()
    folder = private_dir(home.secrets)
    path = folder / ACCOUNTS_FILE
    with closing(sqlite3.connect(path, timeout=10)) as con:
        path.chmod(OWNER_ONLY_FILE)
        con.execute(SCHEMA)
        with con:
            yield con


def _now() -> str:
    return dt.datetime.now().isoformat(sep=" ", timespec="seconds")


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def add_user(home: Home, name: str, role: str, password: str) -> User:
    if not NAME.match(name):
        raise AccountError(
            "a user name is 2–32 lower-case letters, digits, '.', '_' or '-', from a letter"
        )
    try:
        chosen = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise AccountError(f"no role {role!r}: one of {roles}") from None
    digest = _hasher().hash(check_password(password))
    with _accounts(home) as con:
        if con.execute(FIND, [name]).fetchone():
            raise AccountError(f"user {name} exists (`causeway user passwd` changes a password)")
        con.execute(INSERT, [name, chosen.value, digest, _now(), _now()])
    return User(name, chosen)


def set_password(home: Home, name: str, password: str) -> None:
    digest = _hasher().hash(check_password(password))
    with _accounts(home) as con:
        if con.execute(SET_HASH, [digest, _now(), name]).rowcount == 0:
            raise AccountError(f"no user {name}")


def disable_user(home: Home, name: str) -> None:
    with _accounts(home) as con:
        if con.execute(DISABLE, [_now(), _now(), name]).rowcount == 0:
            raise AccountError(f"no user {name}")


def list_users(home: Home) -> list[tuple[str, str, str, str | None]]:
    with _accounts(home) as con:
        return [tuple(row) for row in con.execute(LIST).fetchall()]


def authenticate(home: Home, name: str, password: str) -> User | None:
    """The user, if the name is an enabled account and the password is its own."""
    hasher = _hasher()
    with _accounts(home) as con:
        row = con.execute(FIND, [name]).fetchone()
        if row is None:
            _spend(hasher, password)
            return None
        user_name, role, digest, disabled_at = row
        try:
            hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return None
        if disabled_at is not None:
            return None
        if hasher.check_needs_rehash(digest):
            con.execute(SET_HASH, [hasher.hash(password), _now(), user_name])
    return User(user_name, Role(role))


def current_user(home: Home, name: str) -> User | None:
    """The account a session names, if it is still enabled (a disabled account's session
    ends at its next request)."""
    with _accounts(home) as con:
        row = con.execute(FIND, [name]).fetchone()
    if row is None or row[3] is not None:
        return None
    return User(row[0], Role(row[1]))


def _spend(hasher: PasswordHasher, password: str) -> None:
    with suppress(VerificationError):
        hasher.verify(_DUMMY, password)
