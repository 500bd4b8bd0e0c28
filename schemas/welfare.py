"""Civil affairs welfare cases: allowances and care programmes per resident."""

from __future__ import annotations

import datetime as dt

from schemas.base import AddressParts, PersonMention
from schemas.classification import TO_YEAR, Category, Grade, Masking, code_flags, field
from schemas.record_keys import record_id_field


class WelfareCase(PersonMention, AddressParts):
    """One welfare case of one resident."""

    entity_name = "welfare_case"
    table_name = "core.welfare_case"
    summary = "Welfare cases: low-income allowance, elderly living alone, disability subsidies."

    case_id: str = record_id_field("Civil affairs case number.")
    case_type: str = field(
        "Kind of welfare case.",
        category=Category.WELFARE,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.GENERALIZE,
        generalize_to=code_flags("key_population"),
        codes="welfare_case_type",
    )
    status: str | None = field(
        "Whether the case is active.",
        category=Category.WELFARE,
        grade=Grade.L2,
        masking=Masking.KEEP,
        codes="case_status",
    )
    start_date: dt.date | None = field(
        "Date the case was opened.",
        category=Category.WELFARE,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
        after_birth=True,
    )
    end_date: dt.date | None = field(
        "Date the case was closed, if closed.",
        category=Category.WELFARE,
        grade=Grade.L3,
        masking=Masking.GENERALIZE,
        generalize_to=TO_YEAR,
        after_birth=True,
    )
    monthly_amount: float | None = field(
        "Monthly benefit in yuan.",
        category=Category.WELFARE,
        grade=Grade.L4,
        pipl=True,
        masking=Masking.DROP,
        ge=0,
    )
    lives_alone: bool | None = field(
        "The case worker records that the resident lives alone.",
        category=Category.HOUSEHOLD,
        grade=Grade.L3,
        masking=Masking.KEEP,
    )
