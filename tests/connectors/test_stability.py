"""The stability rule: a file is taken once two looks an interval apart see it unchanged."""

import pytest

from connectors.stability import (
    DEFAULT_STABLE_SECONDS,
    STABLE_ENV,
    settle,
    signature,
    stable_seconds,
    unchanged,
)


def test_a_file_written_between_the_two_looks_is_not_stable(tmp_path):
    growing, quiet, gone = tmp_path / "growing.csv", tmp_path / "quiet.csv", tmp_path / "gone.csv"
    for path in (growing, quiet, gone):
        path.write_text("a,b\n1,2\n", encoding="utf-8")

    def meanwhile(seconds: float) -> None:
        assert seconds == 0.5
        with growing.open("a", encoding="utf-8") as f:
            f.write("3,4\n")
        gone.unlink()

    stable, changing = settle([growing, quiet, gone], 0.5, sleep=meanwhile)
    assert stable == {quiet: signature(quiet)}
    assert changing == [growing, gone]


def test_signature_is_size_and_mtime_and_none_once_gone(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"12345")
    size, mtime = signature(path)
    assert (size, mtime) == (5, path.stat().st_mtime_ns)
    path.unlink()
    assert signature(path) is None


def test_unchanged_compares_a_json_cursor_with_a_fresh_look():
    before = {"a.csv": [10, 1], "b.csv": [10, 1], "c.csv": [3, 3]}
    now = {"a.csv": (10, 1), "b.csv": (11, 2), "d.csv": (1, 1)}
    assert unchanged(before, now) == {"a.csv"}


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(STABLE_ENV, "7.5")
    assert stable_seconds() == 7.5
    monkeypatch.delenv(STABLE_ENV)
    assert stable_seconds() == DEFAULT_STABLE_SECONDS
    monkeypatch.setenv(STABLE_ENV, "soon")
    with pytest.raises(ValueError, match=STABLE_ENV):
        stable_seconds()


def test_a_file_seen_unchanged_long_enough_needs_no_second_wait(tmp_path):
    quiet, growing = tmp_path / "quiet.csv", tmp_path / "growing.csv"
    for path in (quiet, growing):
        path.write_text("a,b\n1,2\n", encoding="utf-8")
    waits: list[float] = []
    settle([quiet, growing], 0.0, sleep=waits.append)
    assert waits == [0.0], "first look: two looks, one wait"
    stable, _ = settle([quiet, growing], 0.0, sleep=waits.append)
    assert set(stable) == {quiet, growing} and waits == [0.0], "seen unchanged: no wait"
    with growing.open("a", encoding="utf-8") as f:
        f.write("3,4\n")
    stable, _ = settle([quiet, growing], 0.0, sleep=waits.append)
    assert set(stable) == {quiet, growing} and waits == [0.0, 0.0], "changed: looked at twice"
