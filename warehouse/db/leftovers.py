"""Removes what a killed run left behind: analytics drafts and work folders.

A run killed with SIGKILL cannot tidy up, and its half-built analytics file and copies of
department files (personal data) would stay on disk for good. Only a process holding the
writer lock removes them: the lock proves no other run is alive to be using them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from connectors.home import Home
from warehouse.db.lock import WriterBusy, WriterLock


def remove_leftovers(home: Home) -> list[Path]:
    """Remove every leftover of an earlier run; the caller holds the writer lock."""
    found = home.leftovers()
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return found


def tidy(home: Home) -> list[Path]:
    """Remove leftovers when no run is alive (the writer lock is free); else nothing."""
    try:
        with WriterLock(home.writer_lock, timeout=0):
            return remove_leftovers(home)
    except WriterBusy:
        return []
