"""`causeway web` in a real browser: Debian's Chromium, headless, driven by Playwright
(its own browser download is not reachable here; `make test` installs chromium when it is
missing). A grid worker signs in, finds a building by address, gives a reason and sees the
phones; the access log holds the view; an analyst cannot reach it, even by its URL; a
clerk opens a file's problems and, after a reason, its rows and values. On a 20k district,
as the issue asks: the pages are the size a district's are."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.pipelines.web_server import (
    ACCOUNTS,
    PASSWORD,
    Running,
    busiest_building,
    web_server,
)
from tests.warehouse.published import shared_published_home
from warehouse.serve import Role, read_access_log

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REASON = "power cut: oxygen concentrators"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _respelled(address: str) -> str:
    """The building's address as a caller might write it: full-width digits, 栋 for 号楼,
    and a stairwell the building has no column for."""
    spelled = re.sub(r"(\d+)号楼$", lambda m: m.group(1).translate(FULL_WIDTH) + "栋2单元", address)
    assert spelled != address, address
    return spelled


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Running]:
    home = shared_published_home(tmp_path_factory, 20_000, 8, "browser")
    with web_server(home) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def _sign_in(browser: Browser, app: Running, role: Role) -> Page:
    page = browser.new_page()
    page.goto(f"{app.url}/buildings")
    expect(page).to_have_url(f"{app.url}/login")  # every page asks for an account first
    page.get_by_label("User name").fill(ACCOUNTS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if role is not Role.AUDITOR:  # the auditor's first page is the access log's link
        expect(page.get_by_role("heading", name="District picture")).to_be_visible()
    return page


def test_a_grid_worker_finds_a_building_and_sees_the_phones_after_a_reason(app, browser, tmp_path):
    building, address = busiest_building(app.home)
    page = _sign_in(browser, app, Role.GRID_WORKER)
    page.screenshot(path=str(tmp_path / "district.png"), full_page=True)
    page.get_by_role("link", name="Buildings").click()
    page.get_by_label("Building ID or any address spelling").fill(_respelled(address))
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(f"{app.url}/buildings/{building}")
    expect(page.get_by_role("heading", name="Floor").first).to_be_visible()
    masked = page.locator("td.phone").all_inner_texts()
    assert any("*" in phone for phone in masked), "phones are masked until a reason is given"

    page.get_by_label("Reason for seeing names and phones").fill(REASON)
    page.get_by_role("button", name="Show names and phones").click()
    expect(page.get_by_role("status")).to_contain_text(REASON)
    phones = [p for p in page.locator("td.phone").all_inner_texts() if p.strip()]
    assert phones and not any("*" in p for p in phones)
    shown = page.locator("table.residents tbody tr").count()
    page.screenshot(path=str(tmp_path / "building.png"), full_page=True)
    [entry] = [e for e in read_access_log(app.home) if e["reason"] == REASON]
    assert entry["user_name"] == f"web:{ACCOUNTS[Role.GRID_WORKER]}"
    assert entry["building_id"] == building and entry["persons"] == shown

    auditor = _sign_in(browser, app, Role.AUDITOR)
    auditor.get_by_role("link", name="Access log").click()
    expect(auditor.get_by_role("cell", name=REASON)).to_be_visible()
    assert (tmp_path / "district.png").stat().st_size > 10_000


def test_an_analyst_cannot_reach_the_identifiable_view_even_by_its_url(app, browser):
    building, _ = busiest_building(app.home)
    page = _sign_in(browser, app, Role.ANALYST)
    expect(page.get_by_role("link", name="Buildings")).to_have_count(0)
    answer = page.goto(f"{app.url}/buildings/{building}")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("your role does not open this page")


def test_a_clerk_reads_a_file_s_problems_then_its_values_after_a_reason(app, browser):
    page = _sign_in(browser, app, Role.REVIEWER)
    page.get_by_role("link", name="Departments").click()
    page.get_by_role("link", name="housing", exact=True).click()
    files = page.locator("table.files tbody tr")
    expect(files.first).to_be_visible()
    page.locator("table.files tbody tr", has_text="xlsx").get_by_role("link").first.click()
    expect(page.locator("table.files")).to_contain_text("value(s): id_number: a value")
    reason = "asking housing to resend the ID numbers"
    page.get_by_label("Reason for seeing the rows and values").fill(reason)
    page.get_by_role("button", name="Show the rows and values").click()
    expect(page.get_by_role("status")).to_contain_text(reason)
    values = page.locator("table.set-aside tbody tr")
    expect(values.first).to_contain_text("id_number")
    [entry] = [e for e in read_access_log(app.home) if e["reason"] == reason]
    assert entry["action"] == "quarantine view" and entry["user_name"] == "web:reviewer"
    assert (
        entry["rows_shown"] == values.count() + page.locator("table.quarantined tbody tr").count()
    )
