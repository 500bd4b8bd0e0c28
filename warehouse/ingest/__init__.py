"""From a dropped file (or a database extract) to staging: read, map headers, standardize,
quarantine what cannot be kept, stage what can, archive the file and write its receipt.
"""

from warehouse.ingest.extracts import pull_database
from warehouse.ingest.filing import VALUE_FREE, add_to_receipt
from warehouse.ingest.intake import UNMATCHED, contract_for, pending, process_pending
from warehouse.ingest.load import AUDIT_COLUMNS, drop_work_tables, load_file
from warehouse.ingest.quarantine import (
    count_set_aside,
    export_fields,
    export_quarantine,
    file_known,
    files_set_aside,
    quarantine_rows,
    set_aside_fields,
    set_aside_summary,
)
from warehouse.ingest.readers import reads_per_source, staging_settings
from warehouse.ingest.standardize import SPREADSHEET_DAMAGE

__all__ = [
    "AUDIT_COLUMNS",
    "SPREADSHEET_DAMAGE",
    "UNMATCHED",
    "VALUE_FREE",
    "add_to_receipt",
    "contract_for",
    "count_set_aside",
    "drop_work_tables",
    "export_fields",
    "export_quarantine",
    "file_known",
    "files_set_aside",
    "load_file",
    "pending",
    "process_pending",
    "pull_database",
    "quarantine_rows",
    "reads_per_source",
    "set_aside_fields",
    "set_aside_summary",
    "staging_settings",
]
