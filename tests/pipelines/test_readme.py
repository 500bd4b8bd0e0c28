"""The README's commands, read out of the README: every command and option it names exists,
and the examples that read a district run as written on the district `make run` makes
(`causeway demo` with its defaults, then `causeway run`: 20,000 residents, seed 8).

Lines with a placeholder (…, [optional], a | b, <name>) are a synopsis: only their
command and options are checked. Examples that write (demo, run, retract, …) are checked
the same way; their behaviour has tests of its own."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.home import HOME_ENV
from pipelines.cli import DEFAULT_PERSONS, DEFAULT_SEED, app
from tests.warehouse.published import shared_published_home

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
COMMENT = re.compile(r"\s{2,}#.*$")
PLACEHOLDER = re.compile(r"…|\[|\]|\s\|\s|<")
READS = {"status", "explain", "evacuation", "dictionary", "query", "access-log"}
runner = CliRunner()


def _commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [
        COMMENT.sub("", line).strip()
        for block in BLOCK.findall(text)
        for line in block.splitlines()
        if line.startswith("causeway ")
    ]


def _path(words: list[str]) -> list[str]:
    """The command and subcommand an example names (`lake log`, `gate release`)."""
    first = words[1]
    groups = {g.name for g in app.registered_groups}
    named = first in groups and len(words) > 2 and not words[2].startswith("-")
    return [first, words[2]] if named else [first]


def test_the_readme_has_examples():
    assert len(_commands()) > 20


@pytest.mark.parametrize("line", _commands())
def test_every_command_and_option_the_readme_names_exists(line):
    words = line.replace("[", " ").replace("]", " ").split()
    path = _path(words)
    helped = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert helped.exit_code == 0, (line, helped.output)
    for option in (w for w in words if w.startswith("--")):
        assert option.split("=")[0] in helped.output, (line, option)


EXAMPLES = [
    line for line in _commands() if not PLACEHOLDER.search(line) and _path(line.split())[0] in READS
]


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return shared_published_home(tmp_path_factory, DEFAULT_PERSONS, DEFAULT_SEED, "readme")


def test_the_examples_that_read_a_district_are_found():
    assert {_path(e.split())[0] for e in EXAMPLES} >= {"explain", "evacuation", "status"}


@pytest.mark.parametrize("line", EXAMPLES)
def test_an_example_runs_as_written_on_the_demo_district(district, line, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(district.root))
    result = runner.invoke(app, shlex.split(line)[1:], terminal_width=120)
    assert result.exit_code == 0, (line, result.output)
