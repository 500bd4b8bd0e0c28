"""Every field is classified, and the classification refuses to publish sensitive data raw."""

import pytest
from pydantic import BaseModel

from schemas import ENTITIES, Category, Grade, Masking, field, field_specs
from schemas.classification import sql_type
from schemas.code_tables import code_table_names
from schemas.health import HealthRecord


@pytest.mark.parametrize("model", ENTITIES, ids=lambda m: m.entity_name)
def test_every_field_is_classified(model):
    specs = field_specs(model)
    assert specs, f"{model.entity_name} has no fields"
    for spec in specs:
        assert spec.description.strip(), spec.name
        assert isinstance(spec.grade, Grade)
        assert isinstance(spec.masking, Masking)
        if spec.codes:
            assert spec.codes in code_table_names()


@pytest.mark.parametrize("model", ENTITIES, ids=lambda m: m.entity_name)
def test_sensitive_fields_are_never_published_raw(model):
    for spec in field_specs(model):
        if spec.pipl or spec.grade in (Grade.L4, Grade.IMPORTANT, Grade.CORE):
            assert spec.masking is not Masking.KEEP, f"{model.entity_name}.{spec.name}"


def test_identity_fields_carry_the_expected_rules():
    person = {s.name: s for s in field_specs(ENTITIES[0])}
    assert person["id_number"].grade is Grade.L4 and person["id_number"].pipl
    assert person["id_number"].mask_keep == (6, 4)
    assert person["phone"].mask_keep == (3, 4)
    assert person["name"].mask_keep == (1, 1)
    assert person["person_id"].masking is Masking.HASH
    assert person["person_id"].primary_key and person["person_id"].required


def test_field_refuses_unmasked_sensitive_data():
    with pytest.raises(ValueError, match="cannot be published unmasked"):
        field("x", category=Category.HEALTH, grade=Grade.L4, masking=Masking.KEEP)
    with pytest.raises(ValueError, match="cannot be published unmasked"):
        field("x", category=Category.IDENTITY, grade=Grade.L2, pipl=True, masking=Masking.KEEP)


def test_field_requires_parameters_that_match_the_rule():
    with pytest.raises(ValueError, match="mask_middle needs mask_keep"):
        field("x", category=Category.CONTACT, grade=Grade.L3, masking=Masking.MASK_MIDDLE)
    with pytest.raises(ValueError, match="generalize needs generalize_to"):
        field("x", category=Category.CONTACT, grade=Grade.L3, masking=Masking.GENERALIZE)
    with pytest.raises(ValueError, match="only mask_middle"):
        field("x", category=Category.KEY, grade=Grade.L1, masking=Masking.KEEP, mask_keep=(1, 1))


def test_a_plain_pydantic_field_is_refused():
    class Loose(BaseModel):
        note: str | None = None

    with pytest.raises(TypeError, match=r"not declared with schemas\.field"):
        field_specs(Loose)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, ("VARCHAR", False)),
        (int | None, ("BIGINT", True)),
        (list[str] | None, ("VARCHAR[]", True)),
    ],
)
def test_sql_types(annotation, expected):
    assert sql_type(annotation) == expected


def test_grades_order_from_most_to_least_restrictive():
    ranks = [g.rank for g in Grade]
    assert ranks == sorted(ranks, reverse=True)


def test_a_generalization_is_declared_not_spelled():
    """A flag names its column; other kinds take none; the dictionary's words come from it."""
    from schemas.classification import (
        TO_YEAR,
        Generalization,
        Generalize,
        code_flag,
        code_flags,
        present_flag,
    )

    assert code_flag("power_dependent").words == "power-dependent flag"
    assert code_flags("key_population").words == "key-population flags"
    assert present_flag("has_disability").words == "has disability flag"
    assert TO_YEAR.words == "year"
    with pytest.raises(ValueError, match="a flag names its column"):
        Generalization(Generalize.CODE_FLAG)
    with pytest.raises(ValueError, match="a flag names its column"):
        Generalization(Generalize.YEAR, "year_of")
    spec = next(
        s for s in field_specs(HealthRecord) if s.name == "medical_equipment"
    )  # the stored declaration comes back whole
    assert spec.generalize_to == code_flag("power_dependent")
