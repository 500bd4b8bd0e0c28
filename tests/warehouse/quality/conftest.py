"""Demo homes loaded through the warehouse library, and the two injected faults."""

from pathlib import Path

import pytest
import yaml

from connectors.home import Home
from demo import generate
from schemas.contracts import load_contracts
from warehouse.ingest.intake import process_pending

PERSONS, SEED = 600, 5


def loaded_home(root: Path) -> Home:
    home = Home.resolve(root).ensure()
    generate(home.ingest, home.demo_truth, PERSONS, SEED, 1)
    process_pending(home)
    return home


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Home:
    """A demo district, loaded once for the module's read-only tests."""
    return loaded_home(tmp_path_factory.mktemp("quality_demo"))


@pytest.fixture
def fresh_home(tmp_path) -> Home:
    return loaded_home(tmp_path / "home")


def archived(home: Home, source: str) -> Path:
    """The source's archived export; of several, the largest (the full snapshot)."""
    return max(home.archive.rglob(f"{source}_*"), key=lambda p: p.stat().st_size)


def map_phone_onto_id_number(home: Home) -> None:
    """A site contract that reads the phone column as the ID number (the columns' mix-up)."""
    contract = load_contracts()["police_residents"].model_dump(mode="json", exclude_none=True)
    contract["columns"].pop("phone")
    contract["columns"]["id_number"] = {"aliases": ["联系电话"]}
    text = yaml.safe_dump(contract, allow_unicode=True)
    (home.contracts_dir / "police_residents.yaml").write_text(text, encoding="utf-8")


def drop_next_snapshot(home: Home, share: float = 1.0) -> Path:
    """Next month's police register: the last one again (minus a row), or a share of it."""
    lines = archived(home, "police_residents").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:-1]
    keep = rows[: max(1, int(len(rows) * share))]
    path = home.ingest_dir("police") / "police_residents_202610.csv"
    path.write_text("\n".join([header, *keep]) + "\n", encoding="utf-8-sig")
    return path
