"""audit.access_log: the real account, sudo's claim beside it, and reasons that say something."""

from __future__ import annotations

import datetime as dt
import os
import pwd

import duckdb
import pytest

from connectors.home import Home
from warehouse.db import WriterLock
from warehouse.serve import ReasonRefused, break_glass, check_reason, read_access_log
from warehouse.serve.access_log import log_access, logged_session

OLD_ACCESS_LOG = """
CREATE TABLE audit.access_log (
    accessed_at TIMESTAMP NOT NULL, user_name VARCHAR NOT NULL, host VARCHAR, pid BIGINT,
    reason VARCHAR NOT NULL, action VARCHAR NOT NULL, target VARCHAR, building_id VARCHAR,
    person_ids VARCHAR[], rows_shown BIGINT NOT NULL
)
"""


@pytest.fixture
def home(tmp_path) -> Home:
    """A home whose warehouse file exists and is empty."""
    place = Home.resolve(tmp_path).ensure()
    duckdb.connect(str(place.warehouse)).close()
    return place


def _log(home: Home, reason: str = "fire at B1", target: str = "B1") -> None:
    with logged_session(home, wait=5) as con:
        log_access(
            con, reason=reason, action="evacuation", target=target, building_id=target,
            person_ids=["P1", "P2"],
        )  # fmt: skip


def _entries(home: Home) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT user_name, sudo_user, reason, rows_shown FROM audit.access_log "
            "ORDER BY accessed_at"
        ).fetchall()


def test_the_user_is_the_real_account_and_sudo_user_only_a_claim(home, monkeypatch):
    account = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("SUDO_USER", "somebody_else")
    _log(home)
    monkeypatch.delenv("SUDO_USER")
    _log(home)
    assert _entries(home) == [
        (account, "somebody_else", "fire at B1", 2),
        (account, None, "fire at B1", 2),
    ]


def test_an_access_log_made_before_gains_the_sudo_user_column(home):
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute(OLD_ACCESS_LOG)
        con.execute(
            "INSERT INTO audit.access_log VALUES "
            "(TIMESTAMP '2026-01-02 03:04:05', 'old', 'h', 1, 'old reason', 'evacuation', "
            "'B0', 'B0', ['P9'], 1)"
        )
    assert [e["sudo_user"] for e in read_access_log(home)] == [None], "read before the change"
    _log(home)
    entries = read_access_log(home)
    assert [(e["user_name"], e["sudo_user"], e["persons"]) for e in entries] == [
        ("old", None, 1),
        (pwd.getpwuid(os.getuid()).pw_name, None, 2),
    ]


def test_the_log_is_read_by_time_and_by_user(home):
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute(OLD_ACCESS_LOG)
        con.execute(
            "INSERT INTO audit.access_log VALUES "
            "(TIMESTAMP '2020-01-02 03:04:05', 'old', 'h', 1, 'old reason', 'explain', "
            "'CW1', NULL, ['CW1'], 3)"
        )
    _log(home)
    assert [e["user_name"] for e in read_access_log(home, user="old")] == ["old"]
    recent = read_access_log(home, since=dt.datetime(2021, 1, 1))
    assert [e["reason"] for e in recent] == ["fire at B1"]


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "    ",
        "\u200b",
        "\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b",  # zero-width spaces
        "\u200d\u2060\ufeff\u202e\u00ad\u200c",  # joiners, BOM, bidi override, soft hyphen
        "\t\r\n\x00\x07",
        "\u3000\u00a0\u2028\u2029",  # ideographic, no-break, line and paragraph separators
        "a\u0301\u0301\u0301",  # one letter and combining marks
        "ok",
    ],
)
def test_a_reason_that_says_nothing_is_refused(reason):
    with pytest.raises(ReasonRefused, match="at least 4 visible characters"):
        check_reason(reason)


@pytest.mark.parametrize("reason", ["fire", "fire, 3F", "火灾", "检查链接"])
def test_a_short_real_reason_is_accepted(reason):
    assert check_reason(reason) == reason


def test_break_glass_refuses_a_zero_width_reason_before_reading_anything(home):
    """Neither the missing marts nor a held writer lock are reached: the reason comes first."""
    with WriterLock(home.writer_lock), pytest.raises(ReasonRefused):
        break_glass(home, "B000001", "\u200b" * 12, wait=0.1)
    with pytest.raises(ReasonRefused):
        break_glass(Home.resolve(home.root / "empty"), "B000001", "\u200b" * 12)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
