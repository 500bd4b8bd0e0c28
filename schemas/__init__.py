"""Shared schemas: the one definition of every field, its meaning and its sensitivity.

Warehouse DDL, validation rules, the data dictionary and the masking policy are all
generated from the models in this package, so a field is described exactly once.
"""

from schemas.classification import Category, FieldSpec, Grade, Masking, field, field_specs
from schemas.registry import ENTITIES, entity, entity_names, table_fields

__all__ = [
    "ENTITIES",
    "Category",
    "FieldSpec",
    "Grade",
    "Masking",
    "entity",
    "entity_names",
    "field",
    "field_specs",
    "table_fields",
]
