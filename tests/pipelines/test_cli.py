"""The causeway CLI end to end, on temporary data homes."""

import json

import dagster as dg
import duckdb
from typer.testing import CliRunner

from connectors.home import Home
from pipelines.cli import app
from pipelines.defs.run_summary import OUTCOME_TAG, QUALITY_TAG, SUMMARY_EVENT
from pipelines.headless import instance
from schemas import ENTITIES, field_specs

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


def test_dictionary_lists_every_field_with_grade_and_masking():
    result = invoke("dictionary")
    assert result.exit_code == 0
    for model in ENTITIES:
        for spec in field_specs(model):
            assert f"| `{spec.name}` |" in result.output
    assert "mask_middle (keep first 6, last 4)" in result.output


def test_demo_then_run_then_demo_only_if_new(tmp_path):
    home = tmp_path / "home"
    first = invoke("demo", "--only-if-new", "--home", str(home), "--persons", "500", "--seed", "3")
    assert first.exit_code == 0, first.output
    assert "ingest/health/health_residents_202609.csv" in first.output
    run = invoke("run", "--home", str(home), "--json")
    assert run.exit_code == 0, run.output
    told = json.loads(run.stdout)  # the summary as one JSON object, and nothing else
    assert told["outcome"] == "succeeded" and told["exit_code"] == 0
    assert {f["department"] for f in told["files"]} == {
        "civil_affairs",
        "health",
        "housing",
        "police",
    }
    for f in told["files"]:
        assert f["rows_in"] == f["rows_loaded"] + f["rows_quarantined"] > 0, f
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        checked = con.execute(
            "SELECT run_id, count(*), count(DISTINCT table_name), "
            "count(*) FILTER (WHERE NOT success AND severity = 'warning') "
            "FROM audit.quality_results GROUP BY 1"
        ).fetchall()
        (persons,) = con.execute("SELECT count(*) FROM core.person").fetchone()
    ((run_id, expectations, tables, warnings),) = checked
    assert told["run_id"] == run_id and told["link"]["persons"] == persons
    line = (
        f"{expectations:,} expectation(s) on {tables} table(s): {warnings} "
        "warning(s), 0 blocking failure(s)"
    )
    assert expectations > 100 and told["quality"]["line"] == line
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        ((at, as_of),) = con.execute("SELECT published_at, as_of FROM meta.publication").fetchall()
        (tables,) = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    at = at.isoformat(sep=" ", timespec="seconds")
    published = told["analytics"]["publication"]
    assert told["analytics"]["current"] and (published["published_at"], published["as_of"]) == (
        at,
        str(as_of),
    )
    assert len(published["tables"]) == tables
    quarantined = sum(f["rows_quarantined"] for f in told["files"])
    assert told["next_steps"] == [
        f'{quarantined:,} row(s) set aside: `causeway quarantine --reason "…"` lists them by '
        "file and reason; `--export DIR` writes them as CSVs to fix and drop again."
    ]
    # The same summary, as the terminal shows it, is stored on the Dagster run.
    with instance(Home.resolve(home)) as dagster:
        tags = dagster.get_run_by_id(run_id).tags
        events = dagster.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    (stored,) = [
        e.event_log_entry.dagster_event.engine_event_data.metadata
        for e in events.records
        if e.event_log_entry.dagster_event.message == SUMMARY_EVENT
    ]
    text = " ".join(stored["summary"].value.split())
    assert "This run" in text and f"Quality: {line}." in text
    assert f"Published {at}, as of {as_of}: {tables} tables" in text
    assert stored["rows quarantined"].value == quarantined
    assert stored["persons"].value == persons
    assert tags[QUALITY_TAG] == line and tags[OUTCOME_TAG] == "succeeded"
    assert not list((home / "ingest").glob("*/*.*")), "processed files leave the ingest folders"
    again = invoke("demo", "--only-if-new", "--home", str(home))
    assert again.exit_code == 0
    assert "no demo generated" in again.output
    assert not list((home / "ingest" / "health").glob("*.csv"))
    nothing = invoke("run", "--home", str(home))
    assert "nothing to do" in nothing.output
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'core'"
        ).fetchall()
        files = con.execute("SELECT count(*) FROM audit.file_loads").fetchall()
    assert tables[0][0] == sum(1 for m in ENTITIES if m.table_name)
    assert files[0][0] == 5


def test_home_layout_and_permissions(tmp_path):
    home = tmp_path / "h"
    invoke("demo", "--home", str(home), "--persons", "200", "--seed", "1")
    run = invoke("run", "--home", str(home))
    # Not on a terminal, the link's phases are lines of their own, inside its step.
    link = "step link_people_and_places"
    started, done = run.output.index(f"{link} started"), run.output.index(f"{link} done")
    assert started < run.output.index(f"{link}: linking: cluster done in ") < done, run.output
    for folder in ("ingest", "archive", "rejected", "docs", "models", "secrets", "dagster"):
        assert (home / folder).is_dir(), folder
    for department in ("housing", "health", "police", "civil_affairs"):
        assert (home / "ingest" / department / "receipts").is_dir()
    for private in ("secrets", "archive", "rejected", "docs", "work"):
        assert (home / private).stat().st_mode & 0o777 == 0o700, private
    assert (home / "warehouse.duckdb").stat().st_mode & 0o777 == 0o600
    assert (home / "dagster" / "dagster.yaml").is_file()


def test_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSEWAY_HOME", str(tmp_path / "env_home"))
    assert invoke("init").exit_code == 0
    result = invoke("status")
    assert result.exit_code == 0
    assert "env_home" in "".join(result.output.split()), "rich may wrap the path anywhere"
    assert (tmp_path / "env_home" / "ingest").is_dir(), "the home the variable names was used"


def test_batch_two_reuses_seed_and_size(tmp_path):
    home = tmp_path / "b"
    invoke("demo", "--home", str(home), "--persons", "400", "--seed", "5")
    result = invoke("demo", "--home", str(home), "--batch", "2")
    assert result.exit_code == 0, result.output
    meta = json.loads((home / "demo_truth/meta.json").read_text())
    assert (meta["seed"], meta["persons"], meta["batch"]) == (5, 400, 2)
    assert (home / "ingest/police/police_residents_202610.csv").is_file()


def test_bad_batch_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["demo", "--home", str(tmp_path), "--batch", "3"])
    assert result.exit_code != 0
    assert "batch must be one of [1, 2]" in result.output


def test_a_failing_pipeline_exits_2_with_a_clear_message(tmp_path):
    home = tmp_path / "h"
    invoke("demo", "--home", str(home), "--persons", "300", "--seed", "1")
    (home / "warehouse.duckdb").mkdir()  # the warehouse cannot be opened: a real failure
    result = runner.invoke(app, ["run", "--home", str(home)])
    assert result.exit_code == 2
    assert "The pipeline failed" in result.output
    assert len(list((home / "ingest").glob("*/*.*"))) == 5, "nothing was lost"


def test_retract_and_reprocess_from_the_cli(tmp_path):
    home = tmp_path / "h"
    invoke("demo", "--home", str(home), "--persons", "300", "--seed", "2")
    invoke("run", "--home", str(home))
    unknown = runner.invoke(app, ["retract", "F0999999", "--reason", "x", "--home", str(home)])
    assert unknown.exit_code == 1 and "no file F0999999" in unknown.output
    again = invoke("reprocess", "F0000001", "--home", str(home))
    assert again.exit_code == 0 and "F0000001 reloaded as F0000006" in again.output
    assert "analytics.duckdb is current (generation 7," in " ".join(again.output.split())
    gone = invoke("retract", "F0000006", "--reason", "test", "--home", str(home))
    assert gone.exit_code == 0 and "Retracted F0000006" in gone.output
    assert "analytics.duckdb is current (generation 8," in " ".join(gone.output.split())
    status = " ".join(invoke("status", "--home", str(home)).output.split())
    assert "Retracted and superseded files" in status and "F0000006" in status
    assert "analytics.duckdb is current (generation 8," in status
    rebuilt = invoke("rebuild", "--home", str(home))
    assert rebuilt.exit_code == 0 and "Rebuilt from 4 archived file(s)" in rebuilt.output
    printed = "".join(rebuilt.output.split())  # rich may wrap the path anywhere
    (kept,) = home.glob("warehouse.*.duckdb")
    assert f"theoldwarehouseiskeptas{kept}." in printed
    assert "Linked(full" in printed and "PersonIDs:0created" in printed
    assert "analytics.duckdbiscurrent(generation8," in printed
    again = invoke("rebuild", "--home", str(home))
    assert again.exit_code == 0, again.output
    assert f"Removedanolderkeptwarehouse:{kept}" in "".join(again.output.split())
    assert len(list(home.glob("warehouse.*.duckdb"))) == 1


def test_file_ids_and_messages_that_look_like_markup_are_printed_as_they_are(tmp_path):
    for command in (["retract", "[/]x", "--reason", "sent twice"], ["reprocess", "[/]x"]):
        result = invoke(*command, "--home", str(tmp_path))
        assert result.exit_code == 1
        assert "no file [/]x in audit.file_loads" in result.output


def test_run_json_tells_a_failure_as_json_and_says_why_on_stderr(tmp_path, monkeypatch):
    home = tmp_path / "h"
    assert invoke("init", "--home", str(home)).exit_code == 0
    nothing = invoke("run", "--home", str(home), "--json")
    assert nothing.exit_code == 0 and json.loads(nothing.stdout) == {
        "outcome": "nothing to do",
        "exit_code": 0,
    }
    monkeypatch.setenv("CAUSEWAY_WAREHOUSE", "bogus:x")  # refused before anything runs
    failed = invoke("run", "--home", str(home), "--json")
    assert failed.exit_code == 2
    told = json.loads(failed.stdout)
    assert told["outcome"] == "failed" and told["exit_code"] == 2
    assert "not 'bogus:x'" in told["error"] and "not 'bogus:x'" in failed.stderr
    monkeypatch.delenv("CAUSEWAY_WAREHOUSE")
    plain = invoke("run", "--home", str(home))  # the console is its own again
    assert "nothing to do" in plain.stdout
