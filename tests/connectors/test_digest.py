"""One pass gives a file's SHA-256, size and physical lines, whatever its chunking."""

import hashlib

import pytest

import connectors.digest as digest_module
from connectors.digest import digest, physical_lines


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b"", 0),
        (b"a", 1),
        (b"a\n", 1),
        (b"a\nb", 2),
        (b"a\r\nb\r\n", 2),
        (b"\n\n\n", 3),
        ("张三\n李四".encode(), 2),
    ],
)
def test_digest_counts_lines_and_hashes(tmp_path, content, lines):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    found = digest(path)
    assert found.sha256 == hashlib.sha256(content).hexdigest()
    assert (found.size, found.lines) == (len(content), lines)
    assert physical_lines(path) == lines


def test_lines_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(digest_module, "CHUNK", 7)
    content = b"".join(b"x" * (i % 9) + b"\n" for i in range(100)) + b"tail"
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert digest(path).lines == 101
    assert digest(path).sha256 == hashlib.sha256(content).hexdigest()
