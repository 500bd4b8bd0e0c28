"""The extension loader finds a wheel's file by the running engine's version, and a wheel
built for another engine is refused with a message naming both."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from connectors.extensions import Extension, ExtensionMissing, available, extension_path

FAKE = Extension("fake_ext", "duckdb_extension_fake_ext")


def wheel(root: Path, version: str) -> Path:
    """A package laid out as the duckdb-extension-* wheels are."""
    package = root / FAKE.package
    folder = package / "extensions" / f"v{version}"
    folder.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    path = folder / f"{FAKE.name}.duckdb_extension"
    path.write_bytes(b"\0")
    return path


def test_the_file_for_the_running_engine_is_found(tmp_path, monkeypatch):
    path = wheel(tmp_path, duckdb.__version__)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert extension_path(FAKE) == path
    assert available(FAKE)


def test_a_wheel_for_another_engine_names_both_versions(tmp_path, monkeypatch):
    wheel(tmp_path, "0.9.2")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ExtensionMissing) as caught:
        extension_path(FAKE)
    message = str(caught.value)
    assert "built for DuckDB 0.9.2" in message
    assert f"the engine is duckdb=={duckdb.__version__}" in message
    assert not available(FAKE)


def test_a_missing_wheel_says_which_to_pin():
    with pytest.raises(ExtensionMissing, match=f"duckdb-extension-fake-ext=={duckdb.__version__}"):
        extension_path(FAKE)
