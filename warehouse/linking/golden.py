"""Golden person records and households, by the survivorship rules in linking.yaml."""

from __future__ import annotations

import duckdb

from warehouse.linking.settings import GOLDEN_COLUMNS, GoldenRule, LinkSettings


def _pick(field: str, rule: GoldenRule, scope: str) -> str:
    """One (person_id, value) row per person: the value the rule chooses."""
    trust = "$" + field + "_trust" if rule.trust else "$trust"
    roles = f" AND list_contains(${field}_roles, m.role)" if rule.roles else ""
    order = ["n DESC", "trust", "last_seen DESC", "value"]
    if rule.rule == "most_recent":
        order = ["last_seen DESC", "trust", "n DESC", "value"]
    if rule.prefer_id_holders:
        order.insert(0, "n_id DESC")
    return f"""
    SELECT person_id, value FROM (
        SELECT f.person_id, {GOLDEN_COLUMNS[field]} AS value, count(*) AS n,
               count(*) FILTER (WHERE m.has_id) AS n_id,
               min(coalesce(list_position({trust}, m.department), 999)) AS trust,
               max(m.seen_at) AS last_seen
        FROM link_final AS f
        JOIN link_mentions AS m USING (unique_id)
        JOIN link_places AS p USING (unique_id)
        WHERE {GOLDEN_COLUMNS[field]} IS NOT NULL{roles}{scope}
        GROUP BY ALL
    )
    QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY {", ".join(order)}) = 1"""


def write_people(
    con: duckdb.DuckDBPyConnection, settings: LinkSettings, everyone: bool = True
) -> None:
    """Rewrites core.person and core.household_member from `link_final`: for everyone, or
    only for the people in `link_affected` (those whose records changed)."""
    scope = "" if everyone else " AND f.person_id IN (SELECT person_id FROM link_affected)"
    picks = {f: _pick(f, r, scope) for f, r in settings.golden.items()}
    ctes = ",\n".join(f"pick_{f} AS ({sql})" for f, sql in picks.items())
    joins = "\n".join(f"LEFT JOIN pick_{f} USING (person_id)" for f in picks)
    if everyone:
        con.execute("DELETE FROM core.household_member")
        con.execute("DELETE FROM core.person")
    else:
        for table in ("core.household_member", "core.person"):
            con.execute(
                f"DELETE FROM {table} WHERE person_id IN (SELECT person_id FROM link_affected)"
            )
    con.execute(
        f"""
INSERT INTO core.person
    (person_id, name, id_number, sex, birth_date, phone, dwelling_id, death_date)
WITH people AS (
    SELECT f.person_id, min(m.id_number) AS id_number
    FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
    WHERE true{scope}
    GROUP BY f.person_id
),
{ctes}
SELECT people.person_id, pick_name.value, people.id_number, pick_sex.value,
       pick_birth_date.value, pick_phone.value, pick_dwelling.value, NULL
FROM people
{joins}
""",
        {
            "trust": list(settings.trust),
            **{f"{f}_trust": list(r.trust) for f, r in settings.golden.items() if r.trust},
            **{f"{f}_roles": list(r.roles) for f, r in settings.golden.items() if r.roles},
        },
    )
    # Co-residence: the people whose home is a dwelling form its household.
    con.execute(
        f"""
INSERT INTO core.household_member (household_id, person_id, dwelling_id, relation_to_head, since)
WITH relation AS (
    SELECT f.person_id, mode(m.relation_to_head) AS relation_to_head
    FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
    WHERE m.relation_to_head IS NOT NULL{scope} GROUP BY f.person_id
),
since AS (
    SELECT f.person_id, p.dwelling_id, min(m.since) AS since
    FROM link_final AS f JOIN link_mentions AS m USING (unique_id)
    JOIN link_places AS p USING (unique_id)
    WHERE p.dwelling_id IS NOT NULL{scope} GROUP BY ALL
)
SELECT 'HH' || substr(person.dwelling_id, 4), person.person_id, person.dwelling_id,
       relation.relation_to_head, since.since
FROM core.person AS person
LEFT JOIN relation USING (person_id)
LEFT JOIN since ON since.person_id = person.person_id AND since.dwelling_id = person.dwelling_id
WHERE person.dwelling_id IS NOT NULL{scope.replace("f.person_id", "person.person_id")}
"""
    )
