"""What happened to one dropped file: the audit row, the receipt and the run summary read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    file_id: str
    department: str
    source: str | None
    file_name: str
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    fields_set_aside: int = 0  # failed fields of loaded rows, NULL in staging
    top_fields: list[tuple[str, int]] = field(default_factory=list)
    loaded_at: dt.datetime = field(default_factory=dt.datetime.now)  # set again at commit
