"""The data dictionary, rendered as Markdown from the shared schemas and code tables."""

from __future__ import annotations

from schemas.classification import Grade, Tier
from schemas.code_tables import code_table, code_table_names
from schemas.marts import MARTS
from schemas.registry import ENTITIES, table_fields

HEADER = "| Field | Type | Required | Category | Grade | PIPL | Masking | Codes | Description |"
RULE = "|---|---|---|---|---|---|---|---|---|"


TIER_WORDS = {
    Tier.RESTRICTED: "restricted: never published to the analytics file",
    Tier.DEIDENTIFIED: "published de-identified: k-anonymous on its quasi-identifiers, "
    "no names, contacts or keys",
    Tier.AGGREGATE: "published as aggregates: small cells suppressed",
    Tier.REFERENCE: "published: about places and codes, not people",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_dictionary() -> str:
    """Markdown for `causeway dictionary` and `docs/data_dictionary.md` (kept in sync by a test)."""
    lines = [
        "# Causeway data dictionary",
        "",
        "Generated from `schemas/` by `causeway dictionary`; do not edit by hand.",
        "",
        "## Grades",
        "",
        "| Grade | Meaning |",
        "|---|---|",
        *[f"| {g.value} | {g.label} |" for g in Grade],
        "",
        "PIPL marks sensitive personal information (PIPL art. 28). The masking rule says",
        "how the field appears in the published analytics database.",
        "",
    ]
    for model in (*ENTITIES, *MARTS):
        where = f"`{model.table_name}`" if model.table_name else "embedded in other records"
        where += f" ({TIER_WORDS[model.tier]})"
        lines += [
            f"## {model.entity_name}",
            "",
            f"{model.summary} Table: {where}.",
            "",
            HEADER,
            RULE,
        ]
        for s in table_fields(model):
            codes = f"`{s.codes}`" if s.codes else ""
            lines.append(
                f"| `{s.name}` | {s.sql_type} | {'yes' if s.required else 'no'} | "
                f"{s.category.value} | {s.grade.value} | {'yes' if s.pipl else 'no'} | "
                f"{_cell(s.masking_text)} | {codes} | {_cell(s.description)} |"
            )
        lines.append("")
    lines += ["## Code tables", ""]
    for name in code_table_names():
        table = code_table(name)
        standard = f" ({table.standard})" if table.standard else ""
        lines += [
            f"### `{name}`{standard}",
            "",
            table.description,
            "",
            "| Code | Label | English |",
            "|---|---|---|",
        ]
        lines += [f"| `{c.code}` | {c.label} | {c.label_en} |" for c in table.codes]
        lines.append("")
    return "\n".join(lines)
