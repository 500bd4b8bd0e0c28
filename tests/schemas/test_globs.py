"""Two file-name globs overlap exactly when some name matches both, case-insensitively."""

import pytest

from schemas.globs import globs_overlap


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("health_*.csv", "*_residents.csv", True),
        ("a*.csv", "b*.csv", False),
        ("*.csv", "*.CSV", True),
        ("*.csv", "*.xlsx", False),
        ("[ab]x.csv", "BX.csv", True),
        ("[!b]x.csv", "bx.csv", False),
        ("x?z.json", "x*", True),
        ("x?z.json", "xz.json", False),
    ],
)
def test_glob_overlap_is_decided_exactly(first, second, overlap):
    assert globs_overlap(first, second) is overlap
    assert globs_overlap(second, first) is overlap
