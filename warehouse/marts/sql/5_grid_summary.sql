-- Per grid cell: the grid worker's overview, from the building summary; incidents by the
-- grid code the police recorded, else by the building they happened at.
INSERT INTO mart.grid_summary BY NAME
WITH cells AS (
    SELECT
        grid_id,
        mode(district) AS district,
        mode(street) AS street,
        mode(community) AS community,
        count(*) AS buildings,
        sum(residents) AS residents,
        sum(vulnerable_residents) AS vulnerable_residents,
        sum(needs_help) AS needs_help,
        sum(power_dependent) AS power_dependent,
        sum(aged_80_plus) AS aged_80_plus,
        sum(living_alone) AS living_alone,
        count(*) FILTER (WHERE condition IN ('C', 'D')) AS dangerous_buildings,
        count(*) FILTER (WHERE NOT coalesce(has_elevator, false)) AS buildings_without_elevator,
        arg_max(building_id, evacuation_score) AS first_building_id,
        sum(evacuation_score) AS evacuation_score
    FROM mart.building_summary
    WHERE grid_id IS NOT NULL
    GROUP BY grid_id
),
incidents AS (
    SELECT coalesce(i.grid_id, b.grid_id) AS grid_id, count(DISTINCT i.incident_id) AS n
    FROM mart_incidents i
    LEFT JOIN core.building b
        ON b.community = i.community AND b.building_no = i.building_no
        AND (i.street IS NULL OR b.street = i.street)
    GROUP BY ALL
)
SELECT c.*, coalesce(i.n, 0) AS incidents_90d, $as_of::DATE AS as_of
FROM cells c LEFT JOIN incidents i USING (grid_id);
