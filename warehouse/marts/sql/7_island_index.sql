-- How many people each number of departments knows, before linking (exact matching on
-- valid ID numbers: a record without one stays alone) and after Causeway's linking.
INSERT INTO mart.island_index BY NAME
WITH mentions AS (
    SELECT
        'id_number_only' AS stage,
        coalesce('id:' || id_number, 'record:' || _source || ':' || _record_key) AS entity,
        _department AS department
    FROM mart_records WHERE _person
    UNION ALL
    SELECT 'linked', person_id, department FROM core.person_source
),
known AS (
    SELECT stage, entity, list(DISTINCT department ORDER BY department) AS departments
    FROM mentions GROUP BY stage, entity
),
totals AS (SELECT stage, count(*) AS total FROM known GROUP BY stage),
memberships AS (SELECT stage, entity, unnest(departments) AS department FROM known),
rows AS (
    SELECT stage, 'departments' AS breakdown, len(departments) AS departments,
        NULL AS department_a, NULL AS department_b, count(*) AS people
    FROM known GROUP BY ALL
    UNION ALL
    SELECT stage, 'only', NULL, departments[1], NULL, count(*)
    FROM known WHERE len(departments) = 1 GROUP BY ALL
    UNION ALL
    SELECT a.stage, 'pair', NULL, a.department, b.department, count(*)
    FROM memberships a
    JOIN memberships b ON a.stage = b.stage AND a.entity = b.entity
        AND a.department < b.department
    GROUP BY ALL
)
SELECT r.*, r.people / t.total AS share, $as_of::DATE AS as_of
FROM rows r JOIN totals t USING (stage);
