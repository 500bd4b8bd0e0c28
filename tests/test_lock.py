"""Every direct dependency is pinned, and the lock file installs exactly those pins."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_lock_file_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["dev"]
    locked = dict(
        re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    )
    locked = {name.lower().replace("_", "-"): version for name, version in locked.items()}
    for requirement in direct:
        name, sep, version = requirement.partition("==")
        name = name.split("[")[0]  # an extra such as psycopg[binary] pins the base package
        assert sep, f"{requirement} is not pinned"
        assert locked.get(name.lower().replace("_", "-")) == version, (
            f"{requirement} is not in requirements.lock: run `make lock`"
        )
