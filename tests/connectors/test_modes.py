"""Owner-only by construction: the umask entry points set, and writes that never follow a
link planted where they write."""

from __future__ import annotations

import os
import stat

import pytest

from connectors.modes import LinkedFolder, private_dir, restrict_umask, write_private
from connectors.names import display_name, display_text


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_restrict_umask_makes_what_anyone_creates_owner_only_and_keeps_a_stricter_one(
    tmp_path,
):
    assert restrict_umask() == 0o022
    (tmp_path / "plain.txt").write_text("x")  # as DuckDB or a library would: no mode given
    (tmp_path / "folder").mkdir()
    assert mode(tmp_path / "plain.txt") == 0o600
    assert mode(tmp_path / "folder") == 0o700
    os.umask(0o277)
    restrict_umask()
    assert os.umask(0o077) == 0o277, "a stricter umask stays"


def test_write_private_replaces_a_planted_link_and_never_writes_through_it(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    folder = tmp_path / "receipts"
    folder.mkdir()
    planted = folder / "receipt.txt"
    planted.symlink_to(outside)
    write_private(planted, "File: x\n")
    assert outside.read_text() == "not yours\n"
    assert not planted.is_symlink() and planted.read_text() == "File: x\n"
    assert mode(planted) == 0o600, "owner-only whatever the umask (022 here)"
    assert sorted(p.name for p in folder.iterdir()) == ["receipt.txt"], "no temporary left"


def test_nothing_is_written_into_a_folder_that_is_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "receipts").symlink_to(elsewhere)
    with pytest.raises(LinkedFolder):
        write_private(tmp_path / "receipts" / "r.txt", "x")
    with pytest.raises(LinkedFolder):
        private_dir(tmp_path / "receipts")
    assert list(elsewhere.iterdir()) == []
    assert mode(private_dir(tmp_path / "new" / "work")) == 0o700


def test_names_are_shown_with_control_characters_escaped_and_stay_readable():
    name = "户籍 登记\n\x1b[31mFile: forged\r\u202etxt.csv"
    shown = display_name(name)
    assert shown == "户籍 登记\\n\\x1b[31mFile: forged\\r\\u202etxt.csv"
    assert shown.isprintable()
    assert display_name("a\\n.csv") != display_name("a\n.csv"), "no two names look alike"
    assert display_text("line 1\nline 2: C:\\temp") == "line 1\\nline 2: C:\\temp"
