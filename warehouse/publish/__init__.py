"""The analytics file: masked and pseudonymized columns derived from each field's grade,
the publication that swaps it in whole, and the read-only sandbox analysts query it through.
"""

from warehouse.publish.pseudonym import key_fingerprint, pseudonym_key
from warehouse.publish.publication import STORAGE_VERSION, publish, publish_home, write_outreach
from warehouse.publish.sandbox import (
    NoAnalytics,
    QueryRefused,
    QueryTimedOut,
    SandboxLimits,
    connect_analytics,
    run_query,
)

__all__ = [
    "STORAGE_VERSION",
    "NoAnalytics",
    "QueryRefused",
    "QueryTimedOut",
    "SandboxLimits",
    "connect_analytics",
    "key_fingerprint",
    "pseudonym_key",
    "publish",
    "publish_home",
    "run_query",
    "write_outreach",
]
