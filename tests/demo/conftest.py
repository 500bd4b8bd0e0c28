"""Demo districts generated once per test session, in temporary data homes."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import generate


def make_home(root: Path, persons: int, seed: int, batches: int = 1) -> Path:
    for batch in range(1, batches + 1):
        generate(root / "ingest", root / "demo_truth", persons, seed, batch)
    return root


@pytest.fixture(scope="session")
def district(tmp_path_factory) -> Path:
    """Batch 1 of a 6,000-resident district, large enough for stable noise rates."""
    return make_home(tmp_path_factory.mktemp("district"), 6000, 11)


@pytest.fixture(scope="session")
def two_months(tmp_path_factory) -> Path:
    """The same district after its second month."""
    return make_home(tmp_path_factory.mktemp("two_months"), 6000, 11, batches=2)
