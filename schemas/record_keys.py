"""The source record ID, declared once for every department record."""

from __future__ import annotations

from typing import Any

from schemas.classification import Category, Grade, Masking, field


def record_id_field(description: str) -> Any:
    """A department's own key for a record; a later row with the same key supersedes it."""
    return field(
        description,
        category=Category.RECORD,
        grade=Grade.L2,
        masking=Masking.HASH,
        primary_key=True,
        min_length=1,
        max_length=128,
    )
