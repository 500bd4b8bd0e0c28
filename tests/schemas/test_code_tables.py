"""Code tables load, have unique codes, and carry the flags the marts rely on."""

import pytest

from schemas.code_tables import code_table, code_table_names


@pytest.mark.parametrize("name", code_table_names())
def test_code_table_is_well_formed(name):
    table = code_table(name)
    assert table.name == name
    assert len(table.values) == len(set(table.values))
    assert all(c.label and c.label_en for c in table.codes)


def test_flags_for_vulnerability():
    equipment = code_table("medical_equipment")
    assert equipment.by_code("O2C").flag("power_dependent") is True
    assert equipment.by_code("WCH").flag("power_dependent") is False
    assert code_table("mobility").by_code("BED").flag("needs_help") is True


def test_unknown_table_and_code_are_named():
    with pytest.raises(KeyError, match="unknown code table 'nope'"):
        code_table("nope")
    with pytest.raises(KeyError, match="'Z' is not in code table sex"):
        code_table("sex").by_code("Z")
