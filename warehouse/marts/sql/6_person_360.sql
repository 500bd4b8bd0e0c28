-- Every current record of every linked person (restricted; never published).
INSERT INTO mart.person_360 BY NAME
SELECT
    l.person_id, l.department, l.source, l.source_record_id, l.role,
    l.match_probability, l.match_reason,
    r._file_id AS file_id, r.record, $as_of::DATE AS as_of
FROM core.person_source l
JOIN mart_records r ON r._source = l.source AND r._record_key = l.source_record_id;
