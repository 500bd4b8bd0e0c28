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


# warehouse/ is one package per stage of the data flow, in this order: a stage may use the
# stages before it and never one after (docs/architecture.md draws it).
STAGES = ("db", "ingest", "quality", "linking", "marts", "publish", "serve", "ops", "lake")
WAREHOUSE = ROOT / "warehouse"


def _warehouse_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every `from warehouse... import` in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "warehouse":
                found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "warehouse":
                    found.append((node.lineno, alias.name, []))
    return found


def _stage_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "warehouse" and len(parts) > 2 else None


def test_warehouse_holds_only_stage_packages():
    loose = sorted(p.name for p in WAREHOUSE.iterdir() if p.suffix == ".py")
    assert loose == ["__init__.py"], f"modules outside a stage package: {loose}"
    packages = sorted(p.name for p in WAREHOUSE.iterdir() if (p / "__init__.py").is_file())
    assert packages == sorted(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_uses_no_later_stage(stage):
    later = set(STAGES[STAGES.index(stage) + 1 :])
    for path in (WAREHOUSE / stage).rglob("*.py"):
        for line, module, _ in _warehouse_imports(path):
            used = module.split(".")[1] if "." in module else None
            assert used not in later, (
                f"{path.relative_to(ROOT)}:{line} imports {module}: {stage} comes before {used}"
            )


def _code_outside_tests() -> list[Path]:
    return [p for p in (ROOT / "warehouse").rglob("*.py")] + list(
        (ROOT / "pipelines").rglob("*.py")
    )


def test_other_packages_use_a_stage_only_through_its_surface():
    """Outside a stage, its modules are private: code names the package and what its
    `__all__` offers, so a stage can rearrange its modules without touching the others."""
    import importlib

    surfaces = {s: set(importlib.import_module(f"warehouse.{s}").__all__) for s in STAGES}
    for path in _code_outside_tests():
        if path.name == "__init__.py" and _stage_of(path):
            continue
        for line, module, names in _warehouse_imports(path):
            parts = module.split(".")
            if len(parts) < 2 or parts[1] == _stage_of(path):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            assert len(parts) == 2, (
                f"{where} reaches into {module}: import from warehouse.{parts[1]}"
            )
            hidden = set(names) - surfaces[parts[1]]
            assert not hidden, f"{where}: {sorted(hidden)} are not in warehouse.{parts[1]}.__all__"


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_surface_is_what_it_exports(stage):
    import importlib

    package = importlib.import_module(f"warehouse.{stage}")
    assert package.__doc__, f"warehouse/{stage}/__init__.py says nothing of why the stage exists"
    missing = [name for name in package.__all__ if not hasattr(package, name)]
    assert not missing, f"warehouse.{stage}.__all__ names {missing}, which it does not define"


def test_pipelines_hold_no_sql_and_take_no_lock():
    """Dagster and the CLI call the stages; they query no table and take no lock themselves,
    so every stage writes under the writer lock the same way and a rule has one home."""
    forbidden = {"execute", "sql", "connect", "WriterLock", "open_warehouse"}
    for path in (ROOT / "pipelines").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            assert name not in forbidden, (
                f"{path.relative_to(ROOT)}:{node.lineno} calls {name}: "
                "that belongs in a warehouse stage"
            )
