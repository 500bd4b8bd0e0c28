"""What `causeway review …` prints: the queue, an item side by side with what differs
marked, and the decision recorded. Identifiable views are logged by warehouse/serve first;
every value is printed as text, never markup."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.text import Text

from connectors.home import Home
from pipelines.exit_codes import ExitCode
from pipelines.identified_view import logged, weight_in_words
from pipelines.output import Format, folding, print_rows
from warehouse.linking import COMPARED, NoSuchItem
from warehouse.serve import (
    record_decision,
    report_decision,
    review_accuracy,
    review_agreement,
    review_queue,
    review_sample,
    show_item,
    undo_decision,
)

EXIT_NOT_FOUND = ExitCode.NOT_FOUND
T = TypeVar("T")
SHOWN = ("department", "person_id", *COMPARED, "match_probability", "match_reason")
KINDS = {
    "weak_link": "a record joined its person through a weak link",
    "near_match": "two persons the model almost joined",
    "conflicting_fields": "one person whose records disagree on a strong field",
    "rival_person": "a record the model finds likely to be another person's too",
    "same_register": "one person holding two records of one register",
    "unmatched": "a record that matched no one, and a person it may be",
    "relink_changed": "persons a relink merged or split",
    "conflicting_decisions": "a decision that could not hold",
}


def print_queue(
    console: Console,
    home: Home,
    department: str | None,
    building: str | None,
    priority: float | None,
    limit: int,
    fmt: Format,
) -> None:
    columns, rows, total = logged(
        console, lambda: review_queue(home, department, building, priority, limit)
    )
    if fmt is Format.table and not rows:
        console.print("The review queue is empty.")
        return
    print_rows(console, columns, rows, fmt, title=f"Review queue: {total:,} open")


def print_item(console: Console, home: Home, item_id: str, fmt: Format) -> None:
    found = _written(console, lambda: show_item(home, item_id))
    head = found.item
    if fmt is not Format.table:
        rows = [[head["item_id"], r["side"], *(r[c] for c in SHOWN)] for r in found.records]
        print_rows(console, ["item_id", "side", *SHOWN], rows, fmt)
        return
    console.print(
        Text(
            f"{head['item_id']} ({head['status']}): {KINDS.get(head['kind'], head['kind'])}; "
            f"priority {head['priority']:g} ({head['records_moved']} record(s) move, "
            f"{head['vulnerable']} vulnerable resident(s))"
        ),
        soft_wrap=True,
    )
    if head["note"]:
        console.print(Text(head["note"]), soft_wrap=True)
    a, b = [*found.records, {}, {}][:2]
    table = folding("field", "A", "B", "", show_lines=False)
    for column in SHOWN:
        x, y = a.get(column), b.get(column)
        differs = column in COMPARED and x is not None and y is not None and x != y
        table.add_row(column, Text(str(x or "")), Text(str(y or "")), "≠" if differs else "")
    table.add_row(
        "record",
        Text(f"{a.get('source')} {a.get('source_record_id')}"),
        Text(f"{b.get('source')} {b.get('source_record_id')}"),
        "",
    )
    console.print(table)
    if head["match_weight"] is not None:
        console.print(Text(weight_in_words(head["match_weight"])), soft_wrap=True)
        for e in head["evidence"] or []:
            console.print(Text(f"  {e['comparison']}: {e['level']} ({e['weight']:+g})"))
    for d in found.decisions:
        console.print(
            Text(
                f"{d['decision_id']} {d['decision']} by {d['reviewer']} at "
                f"{d['decided_at']:%Y-%m-%d %H:%M}: {d['reason']}"
            ),
            soft_wrap=True,
        )
    if found.hidden:
        console.print(Text(f"{found.hidden} other review(s) recorded, not shown until you decide."))
    console.print(
        Text(
            "Decide with `causeway review decide ITEM match|distinct|unsure --reason …`.",
            style="dim",
        )
    )


def _written(console: Console, write: Callable[[], T]) -> T:
    """`write()` (or a read) in a logged session, or why nothing was done (an unknown item
    or decision, a decision that is none of match, distinct, unsure) and an exit."""

    def attempt() -> T:
        try:
            return write()
        except (NoSuchItem, ValueError) as exc:
            console.print(Text(str(exc), style="red"), soft_wrap=True)
            raise typer.Exit(EXIT_NOT_FOUND) from None

    return logged(console, attempt)


def record(console: Console, home: Home, item_id: str, decision: str, reason: str) -> str:
    decision_id = _written(console, lambda: record_decision(home, item_id, decision, reason))
    console.print(Text(f"Recorded {decision_id}: {item_id} is {decision}."))
    return decision_id


def print_sample(console: Console, home: Home, size: int, seed: int) -> None:
    s = logged(console, lambda: review_sample(home, size, seed))
    console.print(
        Text(
            f"Sample {s.sample_id}: {s.linked:,} of {s.linked_population:,} linked pairs and "
            f"{s.candidates:,} of {s.candidate_population:,} candidate pairs (different persons "
            "sharing a name, a phone, or a building and a surname), drawn at random, are in "
            "the queue as `sample` items. Decide them; `causeway review accuracy` estimates."
        ),
        soft_wrap=True,
    )


def print_accuracy(console: Console, home: Home, sample_id: str | None) -> None:
    found = logged(console, lambda: review_accuracy(home, sample_id))
    if found is None:
        console.print("No sample drawn yet: `causeway review sample 200` draws one.")
        return
    console.print(
        Text(
            f"Sample {found.sample_id}: {found.labelled_linked:,} linked pairs and "
            f"{found.labelled_candidates:,} candidate pairs labelled (simple random samples "
            f"of {found.linked_population:,} and {found.candidate_population:,} pairs)."
        ),
        soft_wrap=True,
    )
    p, r = found.precision, found.recall
    if p is None:
        console.print("No linked pair is labelled yet: no estimate.")
        return
    console.print(
        Text(f"Pairwise precision {p.value:.4f} (95 % interval {p.low:.4f}–{p.high:.4f})")
    )
    if r is None:
        console.print("No candidate pair is labelled yet: no recall estimate.")
        return
    console.print(
        Text(
            f"Pairwise recall {r.value:.4f} (95 % interval {r.low:.4f}–{r.high:.4f}; "
            f"about {found.missed_links:,.0f} missed links among the candidate pairs; "
            "missed links outside them are not seen)"
        ),
        soft_wrap=True,
    )


def print_agreement(console: Console, home: Home) -> None:
    items, agreed = logged(console, lambda: review_agreement(home))
    if not items:
        console.print("No item has been decided by two reviewers yet.")
        return
    console.print(
        Text(
            f"{agreed:,} of {items:,} items decided by two or more reviewers agree "
            f"({agreed / items:.1%}); the others went back to the queue."
        )
    )


def record_pair(
    console: Console, home: Home, first: str, second: str, decision: str, reason: str
) -> str:
    def key(text: str) -> tuple[str, str]:
        source, sep, record = text.partition(":")
        if not sep or not source or not record:
            console.print(Text(f"{text!r}: give a record as SOURCE:RECORD_ID", style="red"))
            raise typer.Exit(EXIT_NOT_FOUND)
        return source.strip(), record.strip()

    a, b = key(first), key(second)

    item_id, decision_id = _written(console, lambda: report_decision(home, a, b, decision, reason))
    console.print(
        Text(f"Recorded {decision_id} on {item_id}: {first} and {second} are {decision}.")
    )
    return decision_id


def record_undo(console: Console, home: Home, decision_id: str, reason: str) -> str:
    new_id = _written(console, lambda: undo_decision(home, decision_id, reason))
    console.print(Text(f"Recorded {new_id}: {decision_id} is undone; its item is open again."))
    return new_id
