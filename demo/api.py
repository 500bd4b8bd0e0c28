"""The one entry point: generate a batch of the demo district into a data home's folders."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from demo.generate import AS_OF, DEPARTMENTS, first_batch, render_batch, write_exports
from demo.truth import mention_rows, write_spreadsheet_damage, write_truth


@dataclass(frozen=True)
class DemoResult:
    batch: int
    seed: int
    persons: int
    files: dict[str, int]
    truth_dir: Path
    seconds: float


def generate(
    ingest: Path,
    truth_dir: Path,
    persons: int,
    seed: int,
    batch: int = 1,
    health_db: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Write batch `batch` of the district for `seed` into `ingest/<department>/`.

    Batch 2 is next month's exports of the same district (same seed and size), so it
    reads the seed and size of batch 1 from the truth folder when it is there. With
    `health_db` (a SQLAlchemy PostgreSQL URL) the health records go into that database
    instead of a file; the truth is the same. `on_progress` hears each stage as it ends.
    """
    tell = on_progress or (lambda _: None)
    if batch not in AS_OF:
        raise ValueError(f"batch must be one of {sorted(AS_OF)}")
    if persons < 200:
        raise ValueError("a district needs at least 200 persons")
    started = time.perf_counter()
    state = first_batch(persons, seed)
    tell(f"{persons:,} residents, their households and dwellings made")
    if batch == 1:
        rendered = render_batch(seed, state, "b1")
        truth = mention_rows(state.records, DEPARTMENTS)
        outsiders = _outsiders(state.records["police_incidents"])
        world = state.world
    else:
        from demo.evolve import second_batch

        world, rendered, truth, outsiders = second_batch(seed, state)
    tell("every department's records rendered")
    health = rendered.pop("health_residents") if health_db else None
    write_spreadsheet_damage(truth_dir, rendered)
    files = write_exports(ingest, rendered, AS_OF[batch], lambda name: tell(f"wrote {name}"))
    if health is not None and health_db:
        from demo import health_db as database

        assert isinstance(health, pd.DataFrame)
        written = database.write_rows(health_db, health, AS_OF[batch])
        files[f"{database.SCHEMA}.{database.TABLE} (database)"] = written
    meta = {
        "seed": seed,
        "batch": batch,
        "persons": persons,
        "as_of": AS_OF[batch].isoformat(),
        "files": files,
    }
    write_truth(truth_dir, world, truth, outsiders, meta)
    return DemoResult(batch, seed, persons, files, truth_dir, time.perf_counter() - started)


def previous_meta(truth_dir: Path) -> dict | None:
    path = truth_dir / "meta.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _outsiders(involved: pd.DataFrame) -> pd.DataFrame:
    """People from outside the district: their true IDs start with X."""
    return involved[involved.person_id.str.startswith("X")]
