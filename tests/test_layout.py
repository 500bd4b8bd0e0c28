"""Dependencies point one way: pipelines -> warehouse -> connectors -> schemas; demo -> schemas."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
ALLOWED = {
    "schemas": {"schemas"},
    "connectors": {"connectors", "schemas"},
    "warehouse": {"warehouse", "connectors", "schemas"},
    "pipelines": {"pipelines", "warehouse", "connectors", "schemas", "demo"},
    "demo": {"demo", "schemas"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package):
    for path in (ROOT / package).rglob("*.py"):
        wrong = _imports(path) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_schemas_and_demo_know_nothing_of_dagster_or_duckdb():
    for package in ("schemas", "demo", "connectors"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import dagster" not in text and "from dagster" not in text, path
