-- Incidents of the 90 days up to the as-of date, one row per incident with its place.
CREATE OR REPLACE TEMP TABLE mart_incidents AS
SELECT DISTINCT ON (incident_id) incident_id, district, street, community, building_no, grid_id
FROM core.incident
WHERE CAST(occurred_at AS DATE) > $as_of::DATE - INTERVAL 90 DAY
    AND CAST(occurred_at AS DATE) <= $as_of
ORDER BY incident_id, source;
