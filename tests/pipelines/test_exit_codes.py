"""Exit codes are defined once (pipelines/exit_codes.py): `causeway --help` and the README
list every one, and a home that does not exist is refused with the code for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.home import HOME_ENV
from pipelines.cli import app
from pipelines.exit_codes import MEANINGS, ExitCode, readme_table

README = Path(__file__).resolve().parents[2] / "README.md"
runner = CliRunner()


def test_the_readme_and_help_list_every_exit_code():
    assert readme_table() in README.read_text(encoding="utf-8")
    shown = " ".join(runner.invoke(app, ["--help"], terminal_width=200).output.split())
    for code in ExitCode:
        assert f"{int(code)} {MEANINGS[code]}" in shown


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["status"],
        ["quarantine", "--reason", "fixing exports"],
        ["retract", "F0000001", "--reason", "sent twice"],
        ["evacuation", "BLD0000001"],
        ["query", "SELECT 1"],
        ["user", "list"],
    ],
)
def test_a_home_that_does_not_exist_is_refused_and_not_made(tmp_path, command):
    missing = tmp_path / "typo"
    result = runner.invoke(app, [*command, "--home", str(missing)], terminal_width=200)
    assert result.exit_code == ExitCode.NOT_FOUND, result.output
    said = " ".join(result.output.split())
    assert f"No data home at {missing} (--home)" in said and "causeway init" in said
    assert not missing.exists()


def test_the_environment_names_the_home_it_refuses(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "typo"))
    result = runner.invoke(app, ["status"], terminal_width=200)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert f"(${HOME_ENV})" in " ".join(result.output.split())


def test_init_makes_an_empty_home_that_every_command_then_takes(tmp_path):
    home = tmp_path / "new"
    made = runner.invoke(app, ["init", "--home", str(home)], terminal_width=200)
    assert made.exit_code == 0 and "Made a data home" in made.output
    assert (home / "ingest" / "health").is_dir()
    status = runner.invoke(app, ["status", "--home", str(home)], terminal_width=200)
    assert status.exit_code == 0, status.output
    again = runner.invoke(app, ["init", "--home", str(home)], terminal_width=200)
    assert again.exit_code == 0 and "already a data home" in " ".join(again.output.split())
