-- Every living person with location and flags consolidated from every department's
-- current records, for the as-of date. Flag columns are named as key_population codes.
-- Reads core.* only: the department records carry their linked person_id.
CREATE OR REPLACE TEMP TABLE mart_person AS
WITH links AS (
    SELECT person_id, department, source, source_record_id FROM core.person_source
),
health AS (
    -- mart_health_record: core.health_record with the flags its fields declare
    -- (power_dependent, needs_help: schemas/health.py and their code tables).
    SELECT
        h.person_id,
        bool_or(coalesce(len(h.chronic_conditions), 0) > 0) AS chronic_illness,
        bool_or(h.disability_type IS NOT NULL OR coalesce(h.disability_recorded, false)) AS disabled,
        bool_or(h.power_dependent) AS power_dependent,
        bool_or(h.needs_help) AS needs_help,
        bool_or(coalesce(h.pregnant, false) AND coalesce(h.due_date >= $as_of, true))
            AS pregnant
    FROM mart_health_record h
    WHERE h.person_id IS NOT NULL
    GROUP BY h.person_id
),
welfare AS (
    -- Cases active on the as-of date only.
    SELECT
        w.person_id,
        bool_or(w.key_population = 'low_income') AS low_income,
        bool_or(coalesce(w.lives_alone, false) OR w.key_population = 'elderly_alone') AS alone,
        bool_or(w.key_population = 'disabled') AS disabled,
        bool_or(w.key_population = 'aged_80_plus') AS aged_80_plus
    -- mart_welfare_case: core.welfare_case with the key population its case type declares.
    FROM mart_welfare_case w
    WHERE w.person_id IS NOT NULL AND coalesce(w.status, 'ACTIVE') = 'ACTIVE'
        AND (w.start_date IS NULL OR w.start_date <= $as_of)
        AND (w.end_date IS NULL OR w.end_date > $as_of)
    GROUP BY w.person_id
),
known AS (
    SELECT person_id, list(DISTINCT department ORDER BY department) AS departments
    FROM links GROUP BY person_id
),
living AS (
    SELECT * FROM core.person WHERE death_date IS NULL OR death_date > $as_of
),
sharing AS (
    SELECT dwelling_id, count(*) AS residents FROM living
    WHERE dwelling_id IS NOT NULL GROUP BY dwelling_id
),
located AS (
    SELECT
        p.person_id, p.name, p.phone, p.sex,
        date_sub('year', p.birth_date, $as_of::DATE) AS age,
        b.district, b.street, b.community, b.grid_id, b.building_id, b.building_no,
        d.dwelling_id, d.unit_no, d.room_no, d.floor, b.has_elevator,
        coalesce(w.alone, false) OR coalesce(s.residents = 1, false) AS living_alone,
        coalesce(h.chronic_illness, false) AS chronic_illness,
        coalesce(h.disabled, false) OR coalesce(w.disabled, false) AS disabled,
        coalesce(h.power_dependent, false) AS power_dependent,
        coalesce(h.needs_help, false) AS needs_help,
        coalesce(h.pregnant, false) AS pregnant,
        coalesce(w.low_income, false) AS low_income,
        coalesce(w.aged_80_plus, false) AS aged_case,
        coalesce(k.departments, []) AS departments
    FROM living p
    LEFT JOIN core.dwelling d ON d.dwelling_id = p.dwelling_id
    LEFT JOIN core.building b ON b.building_id = d.building_id
    LEFT JOIN sharing s ON s.dwelling_id = p.dwelling_id
    LEFT JOIN health h ON h.person_id = p.person_id
    LEFT JOIN welfare w ON w.person_id = p.person_id
    LEFT JOIN known k ON k.person_id = p.person_id
)
SELECT
    * EXCLUDE (aged_case),
    coalesce(age >= 80, false) OR aged_case AS aged_80_plus,
    coalesce(age < 18, false) AS child,
    -- The key population is the elderly living alone; the living_alone column says more.
    living_alone AND coalesce(age >= 60, false) AS elderly_alone
FROM located;
