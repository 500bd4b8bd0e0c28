"""GB 11643-1999 checksum and the 15 to 18 digit upgrade."""

import pytest

from schemas.idnumber import check_char, downgrade_18, is_valid, sex_code, upgrade_15


def _valid(first17: str) -> str:
    return first17 + check_char(first17)


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", _valid("44052418800101001"), _valid("11010120000229803")],
)
def test_valid_numbers(number):
    assert is_valid(number)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "wrong check character"),
        ("11010519491231002x", "lower-case x is not standard form"),
        ("110105194902300021", "30 February"),
        ("11010519491331002X", "month 13"),
        ("1101051949123100", "too short"),
        ("11010519491231002XX", "too long"),
        ("A1010519491231002X", "a letter"),
    ],
)
def test_invalid_numbers(number, why):
    assert not is_valid(number), why


def test_check_character_of_the_standard_example():
    # The worked example of GB 11643-1999 appendix: 11010519491231002 -> X.
    assert check_char("11010519491231002") == "X"


def test_legacy_numbers_upgrade_and_round_trip():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert downgrade_18("11010519491231002X") == "110105491231002"
    with pytest.raises(ValueError):
        upgrade_15("11010549123100")
    with pytest.raises(ValueError):
        downgrade_18("110105200012310026")


def test_sex_from_sequence_digit():
    assert sex_code("11010519491231002X") == "2"
    assert sex_code("110105194912310014"[:16] + "1" + "4") == "1"
