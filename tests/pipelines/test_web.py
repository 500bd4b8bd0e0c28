"""`causeway web` over HTTP: a real server on a loopback port, a published district, an
account of every role. What a browser does (Chromium) is in test_web_browser.py."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import duckdb
import httpx
import pytest

from tests.pipelines.web_server import (
    ACCOUNTS,
    PASSWORD,
    Running,
    busiest_building,
    web_server,
)
from tests.warehouse.published import link_mart_publish, shared_published_home
from warehouse.serve import read_access_log
from warehouse.serve.accounts import Role, add_user, disable_user

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PHONE = re.compile(r'class="phone">([^<]*)<')
PUBLISHED = re.compile(r"Published (\S+ \S+)")


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Running]:
    home = shared_published_home(tmp_path_factory, 2500, 8, "web")
    with web_server(home) as running:
        yield running


def _client(app: Running) -> httpx.Client:
    return httpx.Client(base_url=app.url, follow_redirects=False, timeout=30)


def _token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


@contextmanager
def _signed_in(app: Running, role: Role) -> Iterator[httpx.Client]:
    with _client(app) as client:
        token = _token(client, "/login")
        answer = client.post(
            "/login", data={"user": ACCOUNTS[role], "password": PASSWORD, "csrf": token}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
        yield client


def test_no_page_opens_without_signing_in(app):
    building, _ = busiest_building(app.home)
    with _client(app) as client:
        for path in ("/", "/buildings", f"/buildings/{building}", "/access-log"):
            answer = client.get(path)
            assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
        posted = client.post(f"/buildings/{building}/contacts", data={"reason": "fire drill"})
        assert posted.status_code == 303 and "010-" not in posted.text


def test_signing_in_gives_a_strict_httponly_cookie_and_a_wrong_password_nothing(app):
    with _client(app) as client:
        token = _token(client, "/login")
        wrong = client.post(
            "/login", data={"user": ACCOUNTS[Role.ANALYST], "password": "guess", "csrf": token}
        )
        assert wrong.status_code == 401 and "wrong name or password" in wrong.text
        nobody = client.post("/login", data={"user": "nobody", "password": PASSWORD, "csrf": token})
        assert nobody.status_code == 401
        assert client.get("/").status_code == 303
        right = client.post(
            "/login", data={"user": ACCOUNTS[Role.ANALYST], "password": PASSWORD, "csrf": token}
        )
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(app):
    building, _ = busiest_building(app.home)
    with _client(app) as client:
        client.get("/login")
        refused = client.post("/login", data={"user": ACCOUNTS[Role.ADMIN], "password": PASSWORD})
        assert refused.status_code == 403 and "CSRF" in refused.text
    before = len(read_access_log(app.home))
    with _signed_in(app, Role.GRID_WORKER) as client:
        forged = client.post(
            f"/buildings/{building}/contacts", data={"reason": "fire drill", "csrf": "forged"}
        )
        assert forged.status_code == 403 and not PHONE.findall(forged.text)
    assert len(read_access_log(app.home)) == before, "nothing was read, nothing logged"


def test_an_analyst_sees_the_district_and_never_a_building_list(app):
    building, _ = busiest_building(app.home)
    with _signed_in(app, Role.ANALYST) as client:
        district = client.get("/")
        assert district.status_code == 200 and "Grids by need" in district.text
        assert "data as of" in district.text and "Information islands" in district.text
        assert '<svg class="chart" role="img" aria-label="Grids by vulnerable residents"' in (
            district.text
        ), "the chart is drawn on the server"
        token = CSRF.search(district.text).group(1)
        for path in ("/buildings", f"/buildings/{building}", "/buildings?q=x", "/access-log"):
            assert client.get(path).status_code == 403, path
        guessed = client.post(
            f"/buildings/{building}/contacts", data={"reason": "just curious", "csrf": token}
        )
        assert guessed.status_code == 403 and not PHONE.findall(guessed.text)
    assert not [e for e in read_access_log(app.home) if e["user_name"] == "web:analyst"]


def test_a_grid_worker_finds_a_building_by_address_and_sees_phones_after_a_logged_reason(app):
    building, address = busiest_building(app.home)
    with _signed_in(app, Role.GRID_WORKER) as client:
        found = client.get("/buildings", params={"q": address})
        assert (found.status_code, found.headers["location"]) == (303, f"/buildings/{building}")
        masked = client.get(f"/buildings/{building}")
        assert masked.status_code == 200 and "Floor" in masked.text
        assert "Server-Timing" in masked.headers
        phones = [p for p in PHONE.findall(masked.text) if p]
        assert phones and all("*" in p for p in phones), "masked until a reason is given"
        token = CSRF.search(masked.text).group(1)
        blank = client.post(f"/buildings/{building}/contacts", data={"reason": " ", "csrf": token})
        assert blank.status_code == 400 and not PHONE.findall(blank.text)
        shown = client.post(
            f"/buildings/{building}/contacts",
            data={"reason": "gas leak, door to door", "csrf": token},
        )
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        full = [p for p in PHONE.findall(shown.text) if p]
        assert full and not any("*" in p for p in full)
    [entry] = [e for e in read_access_log(app.home) if e["reason"] == "gas leak, door to door"]
    assert entry["user_name"] == "web:grid-worker" and entry["building_id"] == building
    assert entry["persons"] == len(PHONE.findall(shown.text)), "one row a person, phone or not"


def test_an_auditor_reads_the_access_log_and_nothing_else(app):
    with _signed_in(app, Role.AUDITOR) as client:
        assert client.get("/").status_code == 403
        log = client.get("/access-log")
        assert log.status_code == 200 and "Access log" in log.text


def test_a_disabled_account_is_signed_out_at_its_next_request(app):
    add_user(app.home, "temp.worker", Role.GRID_WORKER.value, PASSWORD)
    with _client(app) as client:
        token = _token(client, "/login")
        client.post("/login", data={"user": "temp.worker", "password": PASSWORD, "csrf": token})
        assert client.get("/buildings").status_code == 200
        disable_user(app.home, "temp.worker")
        assert client.get("/buildings").status_code == 303
        token = _token(client, "/login")
        again = client.post(
            "/login", data={"user": "temp.worker", "password": PASSWORD, "csrf": token}
        )
        assert again.status_code == 401


def test_a_new_publication_is_read_without_a_restart(app):
    with _signed_in(app, Role.ANALYST) as client:
        before = PUBLISHED.search(client.get("/").text).group(1)
        link_mart_publish(app.home)
        after = PUBLISHED.search(client.get("/").text).group(1)
    assert after > before, "the page reads the file the publication swapped in"


def test_a_reviewer_works_the_queue_from_the_browser_pages(app):
    with _signed_in(app, Role.REVIEWER) as client:
        queue = client.get("/review")
        assert queue.status_code == 200 and "Review queue" in queue.text
        item = re.search(r'href="/review/(R[0-9A-F]+)"', queue.text).group(1)
        shown = client.get(f"/review/{item}")
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        assert "Match: one person" in shown.text
        token = CSRF.search(shown.text).group(1)
        odd = client.post(
            f"/review/{item}/decide", data={"decision": "maybe", "reason": "x" * 8, "csrf": token}
        )
        assert odd.status_code == 400
        made = client.post(
            f"/review/{item}/decide",
            data={"decision": "distinct", "reason": "two people on the paper file", "csrf": token},
        )
        assert made.status_code == 303
        assert "next link run applies it" in unquote(made.headers["location"])
        assert client.get("/buildings").status_code == 403, "a reviewer sees no building list"
    viewed = [e for e in read_access_log(app.home) if e["action"] == "review"]
    assert [e["user_name"] for e in viewed if e["target"] == item] == ["web:reviewer"]
    with duckdb.connect(str(app.home.warehouse), read_only=True) as con:
        [(reviewer, decision)] = con.execute(
            "SELECT reviewer, decision FROM link.review_decisions WHERE item_id = ?", [item]
        ).fetchall()
    assert (reviewer, decision) == ("web:reviewer", "distinct")


def _files_with_values_set_aside(app: Running) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(app.home.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT f.department, f.file_id, min(q.value) FROM audit.file_loads f "
            "JOIN quarantine.fields q USING (file_id) GROUP BY ALL ORDER BY 2"
        ).fetchall()


def test_a_clerk_sees_each_file_s_counts_and_problems_without_the_values(app):
    department, file_id, value = _files_with_values_set_aside(app)[0]
    with duckdb.connect(str(app.home.warehouse), read_only=True) as con:
        [(rows_in, loaded, quarantined, fields)] = con.execute(
            "SELECT rows_in, rows_loaded, rows_quarantined, fields_set_aside "
            "FROM audit.file_loads WHERE file_id = ?",
            [file_id],
        ).fetchall()
    with _signed_in(app, Role.REVIEWER) as client:
        page = client.get("/departments")
        assert page.status_code == 200 and f'href="/departments/{department}"' in page.text
        listing = client.get(f"/departments/{department}")
        assert listing.status_code == 200 and f"/files/{file_id}" in listing.text
        one = client.get(f"/departments/{department}/files/{file_id}")
        assert one.status_code == 200, one.text
        cells = re.findall(r"<td>(\d+)</td>", one.text)
        assert [str(n) for n in (rows_in, loaded, quarantined, fields)] == cells[:4]
        assert rows_in == loaded + quarantined
        assert "value(s): " in one.text and "a value" in one.text
        assert value not in one.text, "the page names problems, not the values they quote"
        link = re.search(rf'href="(/departments/{department}/receipts/[^"]+)"', one.text)
        receipt = client.get(link.group(1))
        assert receipt.status_code == 200 and f"Receipt number: {file_id}" in receipt.text
        for guess in (f"/departments/{department}/receipts/..%2F..%2Fsecrets%2Faccounts.sqlite",
                      "/departments/nowhere/receipts/x.txt", "/departments/nowhere",
                      f"/departments/{department}/files/F9999999"):  # fmt: skip
            assert client.get(guess).status_code == 404, guess
    with _signed_in(app, Role.ANALYST) as client:
        assert client.get(f"/departments/{department}/files/{file_id}").status_code == 403


def test_a_clerk_sees_a_file_s_rows_and_values_after_a_reason_logged_first(app):
    department, file_id, value = _files_with_values_set_aside(app)[0]
    path = f"/departments/{department}/files/{file_id}"
    reason = "calling the clinic about its ID numbers"
    with _signed_in(app, Role.REVIEWER) as client:
        token = _token(client, path)
        assert client.post(f"{path}/set-aside", data={"reason": reason}).status_code == 403
        refused = client.post(f"{path}/set-aside", data={"reason": "", "csrf": token})
        assert refused.status_code == 400 and value not in refused.text
        assert not [e for e in read_access_log(app.home) if e["target"] == file_id]
        shown = client.post(f"{path}/set-aside", data={"reason": reason, "csrf": token})
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        assert value in shown.text and reason in shown.text
    values = shown.text.split('class="set-aside"')[1].count("<tr><td>")
    rows = shown.text.split('class="quarantined"')[1].split("</table>")[0].count("<tr><td>")
    [entry] = [e for e in read_access_log(app.home) if e["reason"] == reason]
    assert entry["user_name"] == "web:reviewer" and entry["action"] == "quarantine view"
    assert entry["target"] == file_id and entry["rows_shown"] == rows + values > 0


def test_a_clerk_downloads_the_quarantine_export_after_a_reason(app):
    with _signed_in(app, Role.REVIEWER) as client:
        token = _token(client, "/departments")
        refused = client.post("/departments/quarantine", data={"reason": "", "csrf": token})
        assert refused.status_code == 400
        export = client.post(
            "/departments/quarantine", data={"reason": "fixing the clinic's export", "csrf": token}
        )
        assert export.status_code == 200 and export.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
            assert any(name.endswith(".csv") for name in archive.namelist())
    [entry] = [e for e in read_access_log(app.home) if e["reason"] == "fixing the clinic's export"]
    assert entry["user_name"] == "web:reviewer" and entry["action"] == "quarantine export"
