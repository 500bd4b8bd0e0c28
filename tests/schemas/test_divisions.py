"""Division codes come from the maintained package, including abolished ones."""

from schemas.divisions import division_codes, is_division


def test_current_and_abolished_codes_are_known():
    codes = division_codes()
    assert codes["110105"] == "朝阳区"
    assert is_division("110103")  # 崇文区, merged into 东城区 in 2010: old IDs still carry it
    assert not is_division("110199")
    assert len(codes) > 5000
    assert all(len(c) == 6 and c.isdigit() and not c.endswith("00") for c in codes)
