"""What a headless run shows while it works: on a terminal, a status line naming the step
in progress and the files loaded so far; elsewhere (a cron job, CI, a Dagster log), one
timestamped line per file and per step as they finish, so a log says where a run was.

It reads what the run itself records, from another thread: the status snapshot the writer
refreshes after each file, and the step events in the Dagster instance of the home (found
by the run's PID tag), so nothing in the pipeline knows it is watched.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import dagster as dg
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.text import Text

from connectors.home import Home
from pipelines.headless import PID_TAG, instance
from warehouse.db import progress

POLL_SECONDS = 0.5
STEP_EVENTS = {
    dg.DagsterEventType.STEP_START: "started",
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "failed",
}


class RunProgress(threading.Thread):
    def __init__(self, home: Home, console: Console, bar: Status, files: int, quiet: bool) -> None:
        super().__init__(daemon=True)
        self.home, self.console, self.bar, self.files = home, console, bar, files
        self.quiet = quiet
        self.lines = not console.is_terminal and not quiet
        self.done = threading.Event()
        self.before = progress(home)[0]
        self.loaded = 0
        self.seen: set[int] = set()  # storage IDs of step events already shown
        self.step = ""

    def run(self) -> None:
        dagster = instance(self.home)  # under the lock that keeps two creations apart
        try:
            while not self.done.wait(POLL_SECONDS):
                self._files()
                self._steps(dagster)
            self._files()  # what finished since the last look
            self._steps(dagster)
        finally:
            dagster.dispose()

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)

    def _say(self, text: str) -> None:
        at = dt.datetime.now().strftime("%H:%M:%S")
        self.console.print(Text(f"{at}  {text}"), soft_wrap=True)

    def _files(self) -> None:
        count, last = progress(self.home)
        if not last or count - self.before <= self.loaded:
            return
        self.loaded = count - self.before
        shown = f"{last['department']}/{last['file_name']} ({last['status']})"
        if self.lines:
            self._say(f"file {self.loaded} of {self.files}: {shown}")
        self._update()

    def _steps(self, dagster: dg.DagsterInstance) -> None:
        runs = dagster.get_run_records(
            filters=dg.RunsFilter(tags={PID_TAG: str(os.getpid())}), limit=1
        )
        if not runs:
            return
        run_id = runs[0].dagster_run.run_id
        found = [
            (record, kind)
            for kind in STEP_EVENTS
            for record in dagster.get_records_for_run(run_id, of_type=kind).records
            if record.storage_id not in self.seen
        ]
        for record, kind in sorted(found, key=lambda pair: pair[0].storage_id):
            self.seen.add(record.storage_id)
            step = record.event_log_entry.step_key or "run"
            if kind is dg.DagsterEventType.STEP_START:
                self.step = step
            if self.lines:
                self._say(f"step {step} {STEP_EVENTS[kind]}")
        self._update()

    def _update(self) -> None:
        if self.quiet or self.lines:
            return
        doing = f"step {escape(self.step)}" if self.step else ""
        files = f"loaded {self.loaded} of {self.files} file(s)" if self.files else ""
        self.bar.update("; ".join(part for part in (doing, files) if part))
