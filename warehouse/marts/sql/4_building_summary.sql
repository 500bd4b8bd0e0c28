-- Per building: residents, vulnerable residents, condition, recent incidents, and the
-- evacuation score: the sum of its vulnerable residents' priority scores times the
-- building_condition evacuation_factor (docs/marts.md).
INSERT INTO mart.building_summary BY NAME
WITH residents AS (
    SELECT building_id, count(*) AS residents FROM mart_person
    WHERE building_id IS NOT NULL GROUP BY building_id
),
vulnerable AS (
    SELECT
        building_id,
        count(*) AS vulnerable_residents,
        count(*) FILTER (WHERE needs_help) AS needs_help,
        count(*) FILTER (WHERE power_dependent) AS power_dependent,
        count(*) FILTER (WHERE aged_80_plus) AS aged_80_plus,
        count(*) FILTER (WHERE living_alone) AS living_alone,
        count(*) FILTER (WHERE floor >= 3 AND NOT coalesce(has_elevator, false)) AS stairs_only,
        sum(priority_score) AS score
    FROM mart.vulnerable_residents WHERE building_id IS NOT NULL GROUP BY building_id
),
incidents AS (
    SELECT b.building_id, count(DISTINCT i.incident_id) AS incidents_90d
    FROM mart_incidents i
    JOIN core.building b
        ON b.community = i.community AND b.building_no = i.building_no
        AND (i.street IS NULL OR b.street = i.street)
        AND (i.district IS NULL OR b.district = i.district)
    GROUP BY b.building_id
),
factors AS (
    SELECT code, CAST(value AS DOUBLE) AS factor FROM mart_codes
    WHERE code_table = 'building_condition' AND attribute = 'evacuation_factor'
),
scored AS (
    SELECT
        b.building_id, b.district, b.street, b.community, b.grid_id, b.building_no,
        b.community || b.building_no || '号楼' AS building_address,
        b.floors, b.has_elevator, b.condition, b.year_built,
        coalesce(r.residents, 0) AS residents,
        coalesce(v.vulnerable_residents, 0) AS vulnerable_residents,
        coalesce(v.needs_help, 0) AS needs_help,
        coalesce(v.power_dependent, 0) AS power_dependent,
        coalesce(v.aged_80_plus, 0) AS aged_80_plus,
        coalesce(v.living_alone, 0) AS living_alone,
        coalesce(v.stairs_only, 0) AS stairs_only,
        coalesce(i.incidents_90d, 0) AS incidents_90d,
        CAST(round(coalesce(v.score, 0) * coalesce(f.factor, 1.0)) AS BIGINT) AS evacuation_score
    FROM core.building b
    LEFT JOIN residents r USING (building_id)
    LEFT JOIN vulnerable v USING (building_id)
    LEFT JOIN incidents i USING (building_id)
    LEFT JOIN factors f ON f.code = b.condition
)
SELECT
    *,
    row_number() OVER (ORDER BY evacuation_score DESC, building_id) AS evacuation_rank,
    $as_of::DATE AS as_of
FROM scored;
