"""A data home loaded, linked, marted and published: what `causeway run` does."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from connectors.home import Home
from demo import generate
from warehouse.db.connection import open_warehouse
from warehouse.db.lock import WriterLock
from warehouse.ingest.intake import process_pending
from warehouse.linking.run import link_people
from warehouse.marts.build import build_marts, default_as_of
from warehouse.publish.pseudonym import KEY_ENV as PSEUDONYM_KEY_ENV
from warehouse.publish.publication import publish


def link_mart_publish(home: Home) -> None:
    """What a run does after loading."""
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        link_people(con, home)
        build_marts(con, default_as_of(home), list(home.contracts().values()))
        publish(con, home, default_as_of(home))


def published_home(root: Path, persons: int, seed: int) -> Home:
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, persons, seed, 1)
    process_pending(home)
    link_mart_publish(home)
    return home


_BUILT: dict[tuple[int, int, str | None], Path] = {}


def shared_published_home(
    factory: pytest.TempPathFactory, persons: int, seed: int, name: str
) -> Home:
    """A copy of a published district built once per test process for these figures: test
    files asking for the same district (evacuation, web, browser; lake, review) share the
    build, and each gets a home of its own to change. The pseudonym key a caller sets is part
    of the district (it masks the published files), so homes of two keys are two builds."""
    key = (persons, seed, os.environ.get(PSEUDONYM_KEY_ENV))
    if key not in _BUILT:
        _BUILT[key] = published_home(
            factory.mktemp(f"district-{persons}-{seed}"), persons, seed
        ).root
    root = factory.mktemp(name) / "home"
    shutil.copytree(_BUILT[key], root, symlinks=True)
    return Home.resolve(root)
