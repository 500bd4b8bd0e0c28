"""The departments' receipts, for the clerk's pages: one text file per loaded file in each
department's `receipts/` folder (warehouse/ingest writes them). A receipt holds counts and
reasons, never a row's values, so reading one is not an access to identifiable data."""

from __future__ import annotations

from connectors.home import Home

RECEIPT_SUFFIX = ".txt"


class NoSuchReceipt(LookupError):
    pass


def receipts(home: Home) -> dict[str, list[str]]:
    """Each department's receipt file names, newest first."""
    out: dict[str, list[str]] = {}
    for department in home.departments():
        folder = home.receipts_dir(department)
        found = [p for p in folder.glob(f"*{RECEIPT_SUFFIX}") if p.is_file() and not p.is_symlink()]
        found.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        out[department] = [p.name for p in found]
    return out


def receipt_text(home: Home, department: str, name: str) -> str:
    """One receipt, by a name `receipts` listed (nothing else can be asked for: no other
    folder, no path, no link)."""
    if department not in home.departments() or name not in receipts(home)[department]:
        raise NoSuchReceipt(f"no receipt {name!r} for {department!r}")
    return (home.receipts_dir(department) / name).read_text(encoding="utf-8", errors="replace")
