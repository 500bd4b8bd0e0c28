"""DuckDB extensions from their PyPI wheels, loaded by file path, never downloaded.

A district's server has no network at run time, so `INSTALL` (which fetches from
extensions.duckdb.org) is never called. Each extension comes as a wheel pinned beside the
engine (`duckdb-extension-<name>`), holding `extensions/v<engine version>/<name>.duckdb_extension`:
the loader finds that file by the running engine's version, so moving to a new engine is
the pins in pyproject.toml and nothing else. A wheel built for another engine is refused
with a message naming both versions, because DuckDB would refuse the file anyway with a
less helpful one, mid-run.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import duckdb


class ExtensionMissing(RuntimeError):
    """The extension's wheel is not installed, or was built for another engine version."""


@dataclass(frozen=True)
class Extension:
    """One extension: its name in DuckDB and the Python package its wheel installs."""

    name: str
    package: str

    @property
    def wheel(self) -> str:
        return self.package.replace("_", "-")


POSTGRES = Extension("postgres_scanner", "duckdb_extension_postgres_scanner")
ENCODINGS = Extension("encodings", "duckdb_extension_encodings")
DUCKLAKE = Extension("ducklake", "duckdb_extension_ducklake")


def engine_version() -> str:
    return duckdb.__version__


def _folder(extension: Extension) -> Path:
    spec = importlib.util.find_spec(extension.package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"DuckDB extension {extension.name!r} is not installed: add "
            f"{extension.wheel}=={engine_version()} to pyproject.toml (it must match the "
            f"engine, duckdb=={engine_version()})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "extensions"


def extension_path(extension: Extension) -> Path:
    """The extension's file for the running engine; ExtensionMissing names what disagrees."""
    folder = _folder(extension)
    path = folder / f"v{engine_version()}" / f"{extension.name}.duckdb_extension"
    if path.is_file():
        return path
    built_for = sorted(p.name.removeprefix("v") for p in folder.glob("v*") if p.is_dir())
    raise ExtensionMissing(
        f"DuckDB extension {extension.name!r} ({extension.wheel}) is built for DuckDB "
        f"{', '.join(built_for) or 'no version'} but the engine is duckdb=={engine_version()}: "
        "pin both to the same version in pyproject.toml"
    )


def available(extension: Extension) -> bool:
    """Whether the extension can be loaded into this engine."""
    try:
        extension_path(extension)
    except ExtensionMissing:
        return False
    return True


def load(con: duckdb.DuckDBPyConnection, extension: Extension) -> None:
    """Load the extension into `con` from its wheel's file (a no-op when already loaded)."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [extension.name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    path = str(extension_path(extension)).replace("'", "''")
    con.execute(f"LOAD '{path}'")  # LOAD takes no bound parameter; the path is quoted
