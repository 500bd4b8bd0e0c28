"""What a headless run shows while it works: on a terminal, a bar of the files loaded so
far and the step in progress with its elapsed time and its latest word (a file read, a
phase of the link ended); elsewhere (a cron job, CI, a Dagster log), one timestamped line
per file, per step and per phase as they finish, so a log says where a run was.

It reads what the run itself records, from another thread: the status snapshot the writer
refreshes after each file, and the events and log messages in the Dagster instance of the
home (found by the run's PID tag), so nothing in the pipeline knows it is watched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from types import TracebackType

import dagster as dg
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from connectors.home import Home
from pipelines.headless import PID_TAG, instance
from pipelines.run_outcome import STAGING_PREFIX
from warehouse.db import progress

POLL_SECONDS = 0.5
STEP_EVENTS = {
    dg.DagsterEventType.STEP_START: "started",
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "failed",
}


def _stamped(console: Console, text: str) -> None:
    at = dt.datetime.now().strftime("%H:%M:%S")
    console.print(Text(f"{at}  {text}"), soft_wrap=True)


class Told:
    """Progress of work that is not a Dagster run (the demo generator, a rebuild), told
    stage by stage through a callback: on a terminal, a spinner with the elapsed time and
    the latest stage; elsewhere, a timestamped line per stage."""

    def __init__(self, console: Console, doing: str) -> None:
        self.console, self.doing = console, doing
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        if console.is_terminal:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                TimeElapsedColumn(),
                TextColumn("{task.fields[detail]}", markup=False),
                console=console,
                transient=True,
            )
            self.task = self.bar.add_task(doing, total=None, detail="")

    def __enter__(self) -> Told:
        if self.bar is not None:
            self.bar.start()
        else:
            _stamped(self.console, self.doing)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, detail=stage)
        else:
            _stamped(self.console, stage)


class RunProgress(threading.Thread):
    """Use as a context manager around the run: `with RunProgress(...): run_everything()`."""

    def __init__(self, home: Home, console: Console, doing: str, files: int, quiet: bool) -> None:
        super().__init__(daemon=True)
        self.home, self.console, self.files = home, console, files
        self.quiet = quiet
        self.lines = not console.is_terminal and not quiet
        self.done = threading.Event()
        self.before = progress(home)[0]
        self.loaded = 0
        self.cursor: str | None = None  # the run's event log, read up to here
        self.run_id: str | None = None
        self.bar: Progress | None = None
        self.files_task: TaskID | None = None
        self.step_task: TaskID | None = None
        if not quiet and not self.lines:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TextColumn("{task.fields[count]}"),  # files: 3/5; a step has no count
                TimeElapsedColumn(),
                TextColumn("{task.fields[detail]}", markup=False),
                console=console,
                transient=True,
            )
            if files:
                self.files_task = self.bar.add_task(
                    doing, total=files, count=f"0/{files}", detail=""
                )
            self.step_task = self.bar.add_task("starting the run", total=None, count="", detail="")

    def __enter__(self) -> RunProgress:
        if self.bar is not None:
            self.bar.start()
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.done.set()
        self.join(timeout=5)
        if self.bar is not None:
            self.bar.stop()

    def run(self) -> None:
        dagster = instance(self.home)  # under the lock that keeps two creations apart
        try:
            while not self.done.wait(POLL_SECONDS):
                self._files()
                self._events(dagster)
            self._files()  # what finished since the last look
            self._events(dagster)
        finally:
            dagster.dispose()

    def _say(self, text: str) -> None:
        _stamped(self.console, text)

    def _files(self) -> None:
        count, last = progress(self.home)
        if not last or count - self.before <= self.loaded:
            return
        self.loaded = count - self.before
        shown = f"{last['department']}/{last['file_name']} ({last['status']})"
        if self.lines:
            self._say(f"file {self.loaded} of {self.files}: {shown}")
        if self.bar is not None and self.files_task is not None:
            done = min(self.loaded, self.files)
            self.bar.update(self.files_task, completed=done, count=f"{done}/{self.files}")

    def _events(self, dagster: dg.DagsterInstance) -> None:
        if self.run_id is None:
            runs = dagster.get_run_records(
                filters=dg.RunsFilter(tags={PID_TAG: str(os.getpid())}), limit=1
            )
            if not runs:
                return
            self.run_id = runs[0].dagster_run.run_id
        found = dagster.get_records_for_run(self.run_id, cursor=self.cursor)
        self.cursor = found.cursor
        for record in found.records:
            entry = record.event_log_entry
            step = entry.step_key or "run"
            event = entry.dagster_event
            if event is not None and event.event_type in STEP_EVENTS:
                self._step(step, STEP_EVENTS[event.event_type])
            elif event is None and entry.step_key and entry.level >= logging.INFO:
                self._word(step, entry.user_message)

    def _step(self, step: str, what: str) -> None:
        if self.lines:
            self._say(f"step {step} {what}")
        if self.bar is not None and self.step_task is not None and what == "started":
            # A new task per step: its elapsed time is the step's own.
            self.bar.remove_task(self.step_task)
            self.step_task = self.bar.add_task(f"step {step}", total=None, count="", detail="")

    def _word(self, step: str, message: str) -> None:
        """A step's log message: a file read (staging steps, shown as files above), a
        phase of the link ended, a wait for the warehouse."""
        line = message.splitlines()[0] if message else ""
        if self.lines and not step.startswith(STAGING_PREFIX):
            self._say(f"step {step}: {line}")
        if self.bar is not None and self.step_task is not None:
            self.bar.update(self.step_task, detail=line[:60])
