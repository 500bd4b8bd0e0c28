-- Residents with at least one key-population flag, scored for evacuation (docs/marts.md):
-- the sum of the key_population priority weights that apply, plus a stairs term for
-- people who cannot easily walk down: 2 per floor above the 2nd, at most 20, when the
-- building has no elevator (or none is known).
INSERT INTO mart.vulnerable_residents BY NAME
WITH flags AS (
    UNPIVOT (
        SELECT person_id, aged_80_plus, elderly_alone, disabled, chronic_illness,
            power_dependent, needs_help, low_income, child, pregnant
        FROM mart_person
    ) ON COLUMNS(* EXCLUDE (person_id)) INTO NAME code VALUE applies
),
weights AS (
    SELECT code, CAST(value AS INTEGER) AS weight FROM mart_codes
    WHERE code_table = 'key_population' AND attribute = 'priority_weight'
),
needs AS (
    SELECT f.person_id, list(f.code ORDER BY w.weight DESC, f.code) AS needs,
        sum(w.weight) AS weight
    FROM flags f JOIN weights w USING (code)
    WHERE f.applies
    GROUP BY f.person_id
),
scored AS (
    SELECT
        p.* EXCLUDE (disabled, elderly_alone),
        p.disabled AS disability,
        n.needs,
        CAST(n.weight + CASE
            WHEN NOT coalesce(p.has_elevator, false) AND p.floor >= 3
                AND (p.needs_help OR p.aged_80_plus OR p.disabled OR p.power_dependent)
            THEN least(2 * (p.floor - 2), 20) ELSE 0 END AS INTEGER) AS priority_score
    FROM mart_person p JOIN needs n USING (person_id)
)
SELECT
    *,
    CASE WHEN building_id IS NOT NULL THEN CAST(row_number() OVER (
        PARTITION BY building_id ORDER BY priority_score DESC, floor DESC NULLS LAST, person_id
    ) AS INTEGER) END AS priority_in_building,
    $as_of::DATE AS as_of
FROM scored;
