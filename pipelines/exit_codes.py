"""What `causeway` exits with, defined once: the commands raise these, `causeway --help`
lists them and the README's table is checked against them, so a script can tell a held
load from a failed pipeline from a typo."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1
    FAILED = 2
    BUSY = 3
    BLOCKED = 4
    HELD = 5
    NOT_PUSHED = 6


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done (rejected files and set-aside rows are reported, not failures)",
    ExitCode.NOT_FOUND: (
        "refused: a home, file, person, building or review item that does not exist (the "
        "message says what does), or a request without what it needs (a reason, a query "
        "that is not a single SELECT)"
    ),
    ExitCode.FAILED: "the pipeline or a command failed, or the command line could not be read",
    ExitCode.BUSY: "a run holds the warehouse: try again when it ends",
    ExitCode.BLOCKED: (
        "a blocking quality check on a conformed table failed and stopped what follows"
    ),
    ExitCode.HELD: (
        "a load failed a blocking rule and was held back; the rest of the district was "
        "linked and published (`causeway gate release` or `gate quarantine` decides it)"
    ),
    ExitCode.NOT_PUSHED: "published here, but not committed to the lake (docs/lake.md)",
}


def help_epilog() -> str:
    """The exit codes as `causeway --help` shows them (click keeps these lines apart)."""
    lines = ["Exit codes:"] + [f"{int(code)}  {MEANINGS[code]}" for code in ExitCode]
    return "\n\n".join(lines)


def readme_table() -> str:
    """The README's table of exit codes, as it must read."""
    rows = [f"| {int(code)} | {MEANINGS[code]} |" for code in ExitCode]
    return "\n".join(["| code | meaning |", "|---|---|", *rows])
