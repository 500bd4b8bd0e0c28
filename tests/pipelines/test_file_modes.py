"""After a whole `causeway` session on a small home (demo, run, export), no file or folder
in the home lets group or others in, beyond what docs/file_modes.md publishes on purpose.
The test process starts with the common umask 022: the commands restrict it themselves."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
# Shared on purpose (docs/file_modes.md): the way to the published file, and that file.
SHARED = {".": 0o755, "ingest": 0o755, "analytics.duckdb": 0o644}


def invoke(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def opened_up(root: Path) -> dict[str, str]:
    found = {}
    for path in [root, *root.rglob("*")]:
        name = str(path.relative_to(root))
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        if mode & 0o077 and mode != SHARED.get(name):
            found[name] = oct(mode)
    return found


def test_every_file_and_folder_of_a_run_home_is_owner_only_but_the_published_ones(tmp_path):
    home = tmp_path / "h"
    invoke("demo", "--home", str(home), "--persons", "200", "--seed", "1")
    invoke("run", "--home", str(home))
    export = tmp_path / "export"
    invoke("quarantine", "--home", str(home), "--reason", "fix the export", "--export", str(export))
    assert (home / "analytics.duckdb").is_file() and (home / "models").is_dir()
    assert stat.S_IMODE((home / "outreach.duckdb").stat().st_mode) == 0o600
    assert list((home / "docs").rglob("*.html")), "the Data Docs were built"
    assert list((home / "dagster").rglob("*")), "the Dagster instance was written"
    assert opened_up(home) == {}
    assert stat.S_IMODE((home / "analytics.duckdb").stat().st_mode) == 0o644
    assert stat.S_IMODE(home.stat().st_mode) == 0o755
    exported = list(export.iterdir())
    assert exported, "the demo has quarantined rows"
    assert opened_up(export) == {}
