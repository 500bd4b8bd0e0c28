"""Turns Splink's per-comparison columns into evidence a person can read.

Each scored pair keeps, per comparison, the level reached (by its label in the model)
and its match weight in bits, term-frequency adjustment included; `causeway explain`
and `core.person_source.match_reason` are built from these.
"""

from __future__ import annotations

from typing import Any

from warehouse.db import quote


def _label_sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def level_case(comparison: dict[str, Any]) -> str:
    """`CASE gamma_<col> WHEN 3 THEN 'Exact match on name' …` for one comparison."""
    column = comparison["output_column_name"]
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    whens = " ".join(
        f"WHEN {len(levels) - 1 - i} THEN {_label_sql(lv.get('label_for_charts', 'level'))}"
        for i, lv in enumerate(levels)
    )
    return f"CASE {quote('gamma_' + column)} {whens} ELSE 'missing' END"


def evidence_sql(model: dict[str, Any], columns: set[str]) -> str:
    """A LIST of STRUCT(comparison, level, weight) over the model's comparisons."""
    items = []
    for comparison in model["comparisons"]:
        column = comparison["output_column_name"]
        weight = quote("mw_" + column)
        if "mw_tf_adj_" + column in columns:
            weight = f"({weight} + coalesce({quote('mw_tf_adj_' + column)}, 0))"
        items.append(
            f"{{'comparison': {_label_sql(column)}, 'level': {level_case(comparison)}, "
            f"'weight': round({weight}, 2)}}"
        )
    return "[" + ", ".join(items) + "]"


def edges_sql(model: dict[str, Any], table: str, columns: set[str]) -> str:
    """The slim edge list kept after scoring: ids, probability, weight, evidence."""
    return (
        f"SELECT unique_id_l, unique_id_r, match_probability, match_weight, "
        f"{evidence_sql(model, columns)} AS evidence FROM {table}"
    )


REASON_SQL = """
CASE
    WHEN how = 'id' THEN 'same valid ID number'
    WHEN how = 'alone' THEN 'no other record matches'
    WHEN how = 'decided' AND via_source IS NOT NULL THEN 'a reviewer decided it is the person of '
        || via_source || ' ' || via_record_id || ' (' || decision || ')'
    WHEN how = 'decided' THEN 'a reviewer decided it is not the person it matched ('
        || decision || ')'
    WHEN how = 'moved' THEN 'moved with its person by a review decision'
    ELSE 'matched ' || via_source || ' ' || via_record_id || ': '
        || array_to_string(
            list_transform(evidence, lambda e: e.comparison || ' ' || lower(e.level)
                || ' (' || CASE WHEN e.weight >= 0 THEN '+' ELSE '' END
                || e.weight::VARCHAR || ')'), ', ')
        || '; weight ' || round(weight, 1)::VARCHAR
END
"""
