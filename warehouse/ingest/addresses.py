"""Address text parsed into district, street, community and the rest, one step a level.

The steps are the macros of warehouse/db/macros.sql; this chains them, each step a query
level over the one before, so every value is computed once (a macro repeats its argument
wherever it names it, and nested they grew planning exponentially; lambdas cost 30-60 us
an address). Staging (warehouse.ingest.standardize), the tests and the benchmarks all parse
through `area_sql`, the one definition of how an address is read.
"""

from __future__ import annotations

from warehouse.db import quote


def area_sql(source: str, text: str, keep: tuple[str, ...]) -> str:
    """SELECT `keep`…, `area` (district, street, community, rest) FROM `source`, where the
    cleaned address text is the column `text` of `source` (a table or a subquery)."""
    kept = "".join(f"{quote(k)}, " for k in keep)
    return (
        f"SELECT {kept}cw_area_of(t, d, s, cw_community_len(substr(t, s + 1))) AS area FROM ("
        f"SELECT {kept}t, d, cw_street_len(t, d) AS s FROM ("
        f"SELECT {kept}t, cw_district_of(t) AS d FROM ("
        f"SELECT {kept}cw_area_start(t0, cw_known_district_len(t0)) AS t FROM ("
        f"SELECT {kept}cw_after_province(cw_address_text({quote(text)})) AS t0 "
        f"FROM {source}))))"
    )
