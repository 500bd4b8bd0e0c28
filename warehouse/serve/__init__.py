"""What people read from the warehouse that identifies them: the building's evacuation list
(masked, or in the clear by break-glass), a person's records, the quarantine; and the
access log every view of identifiable data is written to before it is shown.
"""

from warehouse.serve.access_log import ReasonRefused, check_reason, read_access_log, who
from warehouse.serve.accounts import (
    AccountError,
    Role,
    User,
    add_user,
    authenticate,
    current_user,
    disable_user,
    list_users,
    set_password,
)
from warehouse.serve.evacuation_lists import (
    BuildingNotFound,
    Evacuation,
    break_glass,
    evacuation,
    find_building,
    residents,
)
from warehouse.serve.identified import (
    Exported,
    Quarantined,
    SetAside,
    explain_person,
    export_quarantined,
    quarantined,
    set_aside_in_file,
)
from warehouse.serve.intake import IntakeFile, NoSuchDepartment, NoSuchFile, department_intake
from warehouse.serve.published_views import (
    PublishedFile,
    district_picture,
    publication,
    published_file,
    published_tables,
)
from warehouse.serve.receipts import NoSuchReceipt, receipt_text, receipts
from warehouse.serve.review import (
    ReviewItem,
    queue_summary,
    record_decision,
    report_decision,
    review_accuracy,
    review_agreement,
    review_queue,
    review_sample,
    show_item,
    undo_decision,
)

__all__ = [
    "AccountError",
    "BuildingNotFound",
    "Evacuation",
    "Exported",
    "IntakeFile",
    "NoSuchDepartment",
    "NoSuchFile",
    "NoSuchReceipt",
    "PublishedFile",
    "Quarantined",
    "ReasonRefused",
    "ReviewItem",
    "Role",
    "SetAside",
    "User",
    "add_user",
    "authenticate",
    "break_glass",
    "check_reason",
    "current_user",
    "department_intake",
    "disable_user",
    "district_picture",
    "evacuation",
    "explain_person",
    "export_quarantined",
    "find_building",
    "list_users",
    "publication",
    "published_file",
    "published_tables",
    "quarantined",
    "queue_summary",
    "read_access_log",
    "receipt_text",
    "receipts",
    "record_decision",
    "report_decision",
    "residents",
    "review_accuracy",
    "review_agreement",
    "review_queue",
    "review_sample",
    "set_aside_in_file",
    "set_password",
    "show_item",
    "undo_decision",
    "who",
]
