"""The shared warehouse past one machine: every committed state of the warehouse and its
publication as Iceberg tables on a SQL catalog, pulled by other machines, read as of any
commit, and taken over by another writer (docs/lake.md)."""

from warehouse.lake.catalog import Commit, LakeConflict, LakeUnavailable, commits, open_catalog
from warehouse.lake.config import (
    LAKE_DATA_ENV,
    WAREHOUSE_ENV,
    Lake,
    LakeConfigError,
    configured_lake,
    redacted,
)
from warehouse.lake.pull import (
    ForeignSnapshot,
    LakeDiverged,
    NoSuchCommit,
    PullReport,
    checkout_publication,
    describe,
    pull,
    resolve,
)
from warehouse.lake.push import PushReport, push
from warehouse.lake.sync import (
    CatchUp,
    catch_up,
    commit_home,
    pull_home,
    push_home,
    required_lake,
    unpushed,
)

__all__ = [
    "LAKE_DATA_ENV",
    "WAREHOUSE_ENV",
    "CatchUp",
    "Commit",
    "ForeignSnapshot",
    "Lake",
    "LakeConfigError",
    "LakeConflict",
    "LakeDiverged",
    "LakeUnavailable",
    "NoSuchCommit",
    "PullReport",
    "PushReport",
    "catch_up",
    "checkout_publication",
    "commit_home",
    "commits",
    "configured_lake",
    "describe",
    "open_catalog",
    "pull",
    "pull_home",
    "push",
    "push_home",
    "redacted",
    "required_lake",
    "resolve",
    "unpushed",
]
