"""A file past its memory or time budget is rejected whole and the run goes on."""

from connectors.home import Home
from tests.connectors.workbooks import write_workbook, write_zip_bomb
from tests.warehouse.hostile_corpus import GOOD, HEADER, row
from warehouse.ingest.intake import process_pending

HEADER_CELLS = HEADER.split(",")


def run_with_limits(home, limits_for):
    """One run over the pending files; `limits_for(name)` is the site limits.yaml in force
    while that file is read (None: the defaults)."""

    def before_each(_department, path):
        text = limits_for(path.name)
        if text is None:
            home.limits_file.unlink(missing_ok=True)
        else:
            home.limits_file.write_text(text, encoding="utf-8")

    return {r.file_name: r for r in process_pending(home, progress=before_each)}


def assert_rejected_and_kept(home, result, phrase):
    assert result.status == "rejected" and phrase in result.reason, result.reason
    kept = home.rejected / f"{result.file_id}_{result.file_name}"
    assert kept.is_file()
    reason = kept.with_name(kept.name + ".reason.txt").read_text(encoding="utf-8")
    assert result.reason in reason


def test_a_workbook_past_its_memory_budget_is_rejected_and_the_next_file_loads(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    folder = home.ingest_dir("civil_affairs")
    # Past the directory check (its ratio allowed), the parser runs out of its 256 MB.
    write_zip_bomb(folder / "civil_affairs_cases_a_bomb.xlsx", 80)
    GOOD.write(folder / GOOD.name)
    lenient = "max_ratio: 100000\nmemory_mb: 256\n"
    results = run_with_limits(home, lambda name: lenient if "bomb" in name else None)
    assert_rejected_and_kept(home, results["civil_affairs_cases_a_bomb.xlsx"], "memory")
    good = results[GOOD.name]
    assert (good.status, good.rows_loaded) == ("loaded", 2)


def test_files_past_their_time_budget_are_rejected_and_the_next_file_loads(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    folder = home.ingest_dir("civil_affairs")
    rows = [row(f"MZ{i}").split(",") for i in range(2000)]
    write_workbook(folder / "civil_affairs_cases_a_slow.xlsx", {"S": (HEADER_CELLS, rows)})
    slow_csv = "\n".join([HEADER, *(row(f"MZ{i}") for i in range(200_000))]) + "\n"
    (folder / "civil_affairs_cases_b_slow.csv").write_text(slow_csv, encoding="utf-8")
    GOOD.write(folder / GOOD.name)
    no_time = "base_seconds: 0\nseconds_per_mb: 0\n"
    results = run_with_limits(home, lambda name: no_time if "slow" in name else None)
    for name in ("civil_affairs_cases_a_slow.xlsx", "civil_affairs_cases_b_slow.csv"):
        assert_rejected_and_kept(home, results[name], "took longer than")
    good = results[GOOD.name]
    assert (good.status, good.rows_loaded) == ("loaded", 2)
