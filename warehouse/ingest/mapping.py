"""Matches a file's headers to a contract's fields; reports unknown and missing columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.errors import RejectedFile
from connectors.json_file import ITEM_SEPARATOR
from schemas.contracts import SourceContract, normalize_header


@dataclass
class Mapping:
    """Field → raw column index, plus what the file has that the contract does not, and back."""

    columns: dict[str, int] = field(default_factory=dict)
    unknown: list[int] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def known_headers(contract: SourceContract) -> dict[str, str]:
    """Normalized alias → field, for readers that must find the header row (and put the
    columns of several sheets that name one field under one header)."""
    return {normalize_header(a): f for f, c in contract.columns.items() for a in c.aliases}


def sheet_needs(contract: SourceContract) -> int:
    """How many known headers a worksheet's header must match to be read as data."""
    return max(1, len(contract.required))


def explode_keys(contract: SourceContract) -> set[str]:
    return {normalize_header(a) for a in contract.explode.aliases} if contract.explode else set()


def _split(header: str, nested: set[str]) -> tuple[bool, str]:
    """(is an item column, the header without its list prefix), normalized."""
    head, sep, rest = header.partition(ITEM_SEPARATOR)
    if sep and normalize_header(head) in nested:
        return True, normalize_header(rest)
    return False, normalize_header(header)


def map_headers(headers: list[str], contract: SourceContract) -> Mapping:
    """Raises RejectedFile naming a missing required column or an ambiguous one."""
    aliases: dict[tuple[bool, str], str] = {}
    for name, col in contract.columns.items():
        for alias in col.aliases:
            aliases[(col.in_item, normalize_header(alias))] = name
    nested = explode_keys(contract)
    mapping = Mapping()
    for index, header in enumerate(headers):
        target = aliases.get(_split(header, nested))
        if target is None:
            mapping.unknown.append(index)
        elif target in mapping.columns:
            first = headers[mapping.columns[target]]
            raise RejectedFile(f"columns '{first}' and '{header}' both map to field {target}")
        else:
            mapping.columns[target] = index
    missing_required = [f for f in contract.required if f not in mapping.columns]
    if missing_required:
        wanted = "; ".join(
            f"{f} (one of: {', '.join(contract.columns[f].aliases)})" for f in missing_required
        )
        raise RejectedFile(f"required column missing: {wanted}")
    mapping.missing = [f for f in contract.columns if f not in mapping.columns]
    return mapping
