"""Linking features of every person mention, computed in SQL over the whole set.

Blocking and comparison keys (surname, given name, building and dwelling keys) are derived
here once, so training, full linking and incremental linking all see the same values;
comparisons.yaml says how they are compared.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.contracts import SourceContract
from warehouse.linking.mentions import mentions_sql
from warehouse.linking.names import NAME_TABLE

# What linking reads of a mention: a new version of a record whose fingerprint did not
# change (a snapshot re-sent whole) keeps its link without being scored again.
FINGERPRINT = (
    "md5(concat_ws('|', m.name, m.id_number, m.sex, m.birth_date, m.phone, m.district, "
    "m.street, m.community, m.grid_id, m.building_no, m.unit_no, m.room_no, m.role))"
)
# A building is its community and number; a dwelling adds unit and room. The community is
# compared by its key (cw_community_key: 杏花里 and 杏花里社区 are one community).
BUILDING_KEY = "cw_community_key(community) || '|' || building_no"


def dwelling_key_of(building_key: str, unit_no: str = "unit_no", room_no: str = "room_no") -> str:
    """The dwelling key in SQL: a building key, the unit (if any) and the room."""
    return f"{building_key} || '|' || coalesce({unit_no}, '') || '|' || {room_no}"


DWELLING_KEY = dwelling_key_of(BUILDING_KEY)


def names_sql(contracts: Iterable[SourceContract]) -> str:
    """The names of every current mention, as staging keeps them (for `link_names`)."""
    return f"SELECT name FROM ({mentions_sql(contracts)})"


def features_sql(contracts: Iterable[SourceContract], since_fields: tuple[str, ...] = ()) -> str:
    """Every current mention with a run-local integer `unique_id`, its keys, the person it
    was linked to before (if any) and whether it is new or changed since. The name, its
    pinyin, surname and given name are those of `link_names` (warehouse/linking/names.py),
    `name_raw` the staged one."""
    return f"""
WITH staged AS NOT MATERIALIZED ({mentions_sql(contracts, since_fields)}),
m AS NOT MATERIALIZED (
    SELECT staged.* REPLACE (n.name AS name), staged.name AS name_raw, n.name_pinyin,
        n.surname, n.given_name, n.given_pinyin
    FROM staged LEFT JOIN {NAME_TABLE} AS n ON n.raw = staged.name
)
SELECT
    row_number() OVER (ORDER BY m.source, m.source_record_id)::BIGINT AS unique_id,
    m.*,
    ps.person_id AS previous_person_id,
    ps.person_id IS NULL OR fp.fingerprint IS DISTINCT FROM {FINGERPRINT} AS is_new,
    {FINGERPRINT} AS fingerprint,
    id_number IS NOT NULL AS has_id,
    -- NULL when a part is missing (|| of a NULL is NULL; unit_no is coalesced).
    {BUILDING_KEY} AS building_key,
    {DWELLING_KEY} AS dwelling_key
FROM m
LEFT JOIN core.person_source AS ps
    ON ps.source = m.source AND ps.source_record_id = m.source_record_id
LEFT JOIN link.fingerprints AS fp
    ON fp.source = m.source AND fp.source_record_id = m.source_record_id
"""
