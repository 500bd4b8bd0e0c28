"""The quality report renders from audit.quality_results in a browser with no network:
results, a failing expectation's examples and each expectation's trend, no request to
anywhere (the district's data centre has no internet)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.warehouse.quality.conftest import drop_next_snapshot, map_phone_onto_id_number
from warehouse.ingest.intake import process_pending
from warehouse.quality import check_table, check_tables, report_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="make browser")


def test_the_report_shows_results_and_failing_examples_offline(fresh_home, tmp_path):
    check_tables(fresh_home, ["staging.police_residents", "core.person"], run_id="first")
    map_phone_onto_id_number(fresh_home)
    drop_next_snapshot(fresh_home)
    (loaded,) = process_pending(fresh_home)
    outcome = check_table(fresh_home, "staging.police_residents", run_id="second")
    failed = {o.expectation: o for o in outcome.blocking_failures}
    share = failed["each load sets aside one field in at most 25% of its rows"]
    page_file = report_path(fresh_home)
    assert page_file.stat().st_mode & 0o777 == 0o600, "examples are personal data"
    asked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(offline=True)
        context.on("request", lambda request: asked.append(request.url))
        page = context.new_page()
        page.goto(page_file.as_uri())
        failures = page.locator("#run-1 table.failures tr.failure")
        assert failures.count() >= 1
        row = failures.filter(has_text=share.expectation)
        assert row.count() == 1 and "blocking" in row.inner_text()
        assert loaded.file_id in row.locator("td.examples").inner_text()
        results = page.locator("#run-1 table.results tbody tr")
        assert results.count() == len(outcome.outcomes) > 10
        trend = results.filter(has_text=share.expectation).locator("td.trend span")
        assert [trend.nth(i).get_attribute("title") for i in range(trend.count())] == [
            "pass",
            "fail",
        ]
        assert page.locator("section.run").count() == 2
        page.screenshot(path=str(tmp_path / "quality-report.png"), full_page=True)
        browser.close()
    assert asked == [page_file.as_uri()], "the page asked for nothing but itself"
