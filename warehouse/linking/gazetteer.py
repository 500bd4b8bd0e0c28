"""Communities the registers name, recognised wherever an address text mentions them.

A register with a community column of its own (the housing register) names the district's
communities exactly. A department that writes only an address text (`西湖区学院路翠苑一区
3幢…`) leaves the parser to guess where the community starts and ends; the gazetteer
replaces that guess with the longest known community contained in the text.

It is built at link time from the current rows of every such register, not stored when a
file loads: linking already reads every current mention, so the gazetteer always reflects
what the warehouse holds whatever order files arrived in (a health export loaded before the
first housing register is resolved on the next link), and nothing has to be kept in step.
A district with no such register keeps the rule-based parse unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.contracts import SourceContract
from warehouse.db import qualified

# Shorter keys (one character) would match inside unrelated words.
MIN_KEY_LENGTH = 2


def registers(contracts: Iterable[SourceContract]) -> list[SourceContract]:
    """Sources whose files carry the community in a column of its own."""
    return sorted((c for c in contracts if "community" in c.columns), key=lambda c: c.source)


def parsed_from_text(contract: SourceContract) -> bool:
    """Whether a source's community is parsed from its address text."""
    return "address" in contract.columns and "community" not in contract.columns


def known_communities_sql(contracts: Iterable[SourceContract]) -> str | None:
    """(key, community): each community a register names, with its comparison key."""
    selects = [
        f"SELECT community FROM {qualified(c.staging_table + '_current')} "
        "WHERE community IS NOT NULL"
        for c in registers(contracts)
    ]
    if not selects:
        return None
    return (
        "SELECT cw_community_key(community) AS key, mode(community) AS community "
        f"FROM ({' UNION ALL '.join(selects)}) "
        f"WHERE length(cw_community_key(community)) >= {MIN_KEY_LENGTH} GROUP BY 1"
    )


def resolved_sql(view: str, known: str) -> str:
    """(address, community): for each distinct address of `view`, the known community that
    the rules read, or else the longest known community its text names after the street
    (文新街道 does not name 文新社区)."""
    return f"""
SELECT a.address,
       arg_max(k.community, (k.key = cw_community_key(a.community))::INT * 1000 + length(k.key))
           AS community
FROM (
    SELECT address, text, community,
           CASE WHEN strpos(text, street) > 0 THEN strpos(text, street) + length(street)
                ELSE 1 END AS after_street
    FROM (SELECT DISTINCT address, cw_address_text(address) AS text, street, community
          FROM {view} WHERE address IS NOT NULL)
) AS a
JOIN ({known}) AS k ON contains(substr(a.text, a.after_street), k.key)
GROUP BY a.address
"""
