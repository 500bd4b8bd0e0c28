"""What `causeway status` and `causeway run` print, from a real warehouse."""

from __future__ import annotations

from rich.console import Console

from connectors.home import Home
from pipelines.summary import (
    print_link,
    print_refused,
    print_run,
    print_set_apart,
    print_status,
)
from tests.warehouse.file_history import file_history
from warehouse.db import LoadResult
from warehouse.linking import LinkResult


def printed(show, *args) -> str:
    console = Console(record=True, width=250)
    show(console, *args)
    return console.export_text()


def cells(text: str) -> list[list[str]]:
    """The body rows of the tables in `text`, cell by cell."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def test_status_shows_current_rows_and_lists_retracted_and_superseded_files_apart(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    ids = file_history(home)
    text = printed(print_status, home)
    live, apart = text.split("Retracted and superseded files (not counted above)")
    # Department, files, rows current, rows quarantined, rejected files.
    assert ["police", "1", "1", "0", "0"] in cells(live)
    assert ["civil_affairs", "1", "2", "0", "0"] in cells(live)
    listed = {row[0]: row for row in cells(apart)}
    assert set(listed) == {ids["police_1"], ids["civil_1"], ids["civil_2"]}
    assert listed[ids["civil_2"]][-1].endswith("sent by mistake")
    assert f"reprocessed as {ids['civil_1_again']}" in listed[ids["civil_1"]][-1]


def test_a_run_names_the_files_it_left_for_the_next_one():
    text = printed(print_run, [], ["police/police_residents_1.csv"])
    assert "still being written police/police_residents_1.csv: left for the next run" in text
    assert "nothing to do" not in text


def test_file_names_that_look_like_markup_are_printed_as_they_are():
    name = "[bold reverse]x.csv"
    rejected = LoadResult("F0000009", "police", None, name, "rejected", reason="[/] no header")
    text = printed(print_run, [rejected], [f"police/{name}"])
    assert f"still being written police/{name}" in text
    assert f"rejected police/{name} (F0000009): [/] no header" in text
    apart = printed(
        print_set_apart,
        [{"file_id": "F1", "department": "[red]", "file_name": name, "rows_loaded": 3,
          "happened": "retracted: [/]"}],
    )  # fmt: skip
    assert name in apart and "[red]" in apart and "retracted: [/]" in apart


def test_status_names_a_refused_department_folder(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    for path in sorted(home.ingest_dir("police").rglob("*"), reverse=True):
        path.rmdir()
    home.ingest_dir("police").rmdir()
    home.ingest_dir("police").symlink_to(outside, target_is_directory=True)
    text = printed(print_status, home)
    assert "refused folder police: ingest/police is a symbolic link" in text
    assert "refused folder" not in printed(print_refused, {})


def test_a_run_shows_a_hostile_file_name_and_its_reason_escaped():
    name = "police_residents_\x1b[2J\x1b[31mred\nRows loaded: 999.csv"
    shown = "police_residents_\\x1b[2J\\x1b[31mred\\nRows loaded: 999.csv"
    rejected = LoadResult("F0000001", "police", None, name, "rejected", reason=f"bad {name}")
    text = printed(print_run, [rejected], [f"police/{name}"])
    assert "\x1b" not in text
    assert f"rejected police/{shown} (F0000001): bad {shown}" in text
    assert f"still being written police/{shown}: left for the next run" in text


def _link(**labels) -> LinkResult:
    counts = dict.fromkeys(
        ("mentions", "new_mentions", "candidate_pairs", "persons", "linked_by_id",
         "linked_by_model", "unlinked", "ids_created", "ids_merged", "ids_split",
         "ids_retired", "buildings", "dwellings"), 1,
    )  # fmt: skip
    return LinkResult("link-1", "full", **counts, seconds=1.0, model_file=None, **labels)


def test_a_full_relink_says_how_far_its_model_is_from_the_labels():
    quiet = printed(print_link, _link())
    assert "labels" not in quiet, "no labels, nothing said"
    agreeing = printed(print_link, _link(labels_checked=40, labels_disagreeing=2))
    assert "Reviewers' labels: the new model agrees with 38 of 40." in agreeing
    past = printed(
        print_link, _link(labels_checked=40, labels_disagreeing=9, labels_past_limit=True)
    )
    assert "agrees with 31 of 40; more disagree than review.label_disagreement allows" in past


def test_status_as_csv_and_json_holds_what_the_table_shows(tmp_path):
    import csv
    import io
    import json

    from typer.testing import CliRunner

    from pipelines.cli import app

    home = Home.resolve(tmp_path).ensure()
    ids = file_history(home)
    (home.ingest_dir("health") / "health_residents_202612.csv").write_text("x\n", "utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["status", "--home", str(home.root), "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    rows = {r["department"]: r for r in csv.DictReader(io.StringIO(shown.stdout))}
    assert rows["police"] == {
        "department": "police",
        "waiting": "0",
        "files": "1",
        "loaded": "1",
        "quarantined": "0",
        "rejected": "0",
    }
    assert rows["civil_affairs"]["loaded"] == "2" and rows["health"]["waiting"] == "1"
    told = runner.invoke(app, ["status", "--home", str(home.root), "--format", "json"])
    data = json.loads(told.stdout)
    assert {f["file_id"] for f in data["set_apart"]} == {
        ids["police_1"],
        ids["civil_1"],
        ids["civil_2"],
    }
    by_department = {d["department"]: d for d in data["departments"]}
    assert by_department["police"]["loaded"] == 1 and by_department["health"]["waiting"] == 1
    assert data["analytics"] is not None and data["analytics"]["current"] is False
