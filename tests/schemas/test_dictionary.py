"""The checked-in data dictionary is generated from the schemas and never stale."""

from pathlib import Path

from schemas import ENTITIES, field_specs
from schemas.dictionary import render_dictionary
from schemas.marts import MARTS

CHECKED_IN = Path(__file__).parents[2] / "docs" / "data_dictionary.md"


def test_checked_in_dictionary_is_current():
    assert CHECKED_IN.read_text(encoding="utf-8") == render_dictionary(), (
        "docs/data_dictionary.md is stale: run `make dictionary`"
    )


def test_every_field_is_listed_with_grade_and_masking():
    text = render_dictionary()
    for model in (*ENTITIES, *MARTS):
        assert f"## {model.entity_name}" in text
        for spec in field_specs(model):
            row = next(
                line
                for line in text.splitlines()
                if line.startswith(f"| `{spec.name}` |") and spec.description[:30] in line
            )
            assert f"| {spec.grade.value} |" in row
            assert spec.masking.value in row
