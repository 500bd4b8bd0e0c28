"""The web app: the district picture, the grid worker's building view and the access log,
behind accounts with roles (warehouse/serve/accounts.py).

Server-rendered pages (Starlette and Jinja2, both shipped in their wheels): nothing is
fetched from elsewhere, for these servers are offline. Every page needs a signed-in
account; every form carries the session's CSRF token; the session cookie is HttpOnly and
SameSite=Strict. Names, rooms and phones are shown only after a reason, written to
`audit.access_log` before the page is built (warehouse/serve/evacuation_lists.py).
"""

from __future__ import annotations

import hmac
import io
import secrets
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from connectors.home import Home
from connectors.modes import OWNER_ONLY_FILE, private_dir, restrict_umask
from connectors.names import display_text
from pipelines.review_view import KINDS, SHOWN
from warehouse.db import read_summary
from warehouse.linking import NoSuchItem
from warehouse.publish import NoAnalytics
from warehouse.serve import (
    BuildingNotFound,
    IntakeFile,
    NoSuchDepartment,
    NoSuchFile,
    NoSuchReceipt,
    PublishedFile,
    ReasonRefused,
    Role,
    User,
    authenticate,
    break_glass,
    current_user,
    department_intake,
    district_picture,
    export_quarantined,
    find_building,
    publication,
    read_access_log,
    receipt_text,
    receipts,
    record_decision,
    residents,
    review_queue,
    set_aside_in_file,
    show_item,
)

SESSION_KEY_FILE = "web_session.key"
_UNREAD = object()  # request.state.user before the accounts file was read
SESSION_HOURS = 8
CSS = (Path(__file__).parent / "app.css").read_text(encoding="utf-8")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Who may see what. A grid worker's contacts also need a reason, logged first.
DISTRICT = (Role.ANALYST, Role.GRID_WORKER, Role.REVIEWER)
BUILDINGS = (Role.GRID_WORKER,)
AUDIT = (Role.AUDITOR,)
CLERKS = (Role.REVIEWER,)
DECISIONS = ("match", "distinct", "unsure")
SET_ASIDE_SHOWN = 500  # rows (and values) a page lists; the export holds them all
# A need as the grid worker reads it: a badge (symbols the common fonts of an offline
# server draw; no emoji font is assumed) and words.
NEEDS = {
    "power_dependent": ("⚡", "needs power for medical equipment"),
    "needs_help": ("♿", "cannot leave unaided"),
    "aged_80_plus": ("80+", "aged 80 or more"),
    "elderly_alone": ("⌂", "elderly, living alone"),
    "disabled": ("D", "disabled"),
    "chronic_illness": ("✚", "chronic illness"),
    "child": ("C", "child"),
    "low_income": ("¥", "low income"),
}


def _session_key(home: Home) -> str:
    """The key that signs session cookies, made once per home (owner-only)."""
    restrict_umask()
    path = private_dir(home.secrets) / SESSION_KEY_FILE
    if not path.is_file():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(OWNER_ONLY_FILE)
    return path.read_text(encoding="utf-8").strip()


class Pages:
    """The routes of one home's app, with its published files and templates."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.analytics = PublishedFile(home.analytics)
        self.outreach = PublishedFile(home.outreach)
        self.templates = Environment(
            loader=PackageLoader("pipelines.web", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.templates.globals["needs"] = NEEDS

    # -- plumbing -------------------------------------------------------------------

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        context.setdefault("user", self.user(request))
        html = self.templates.get_template(template).render(
            csrf=_csrf(request), path=request.url.path, **context
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def user(self, request: Request) -> User | None:
        """The session's account, read from the accounts file once per request."""
        cached = getattr(request.state, "user", _UNREAD)
        if cached is not _UNREAD:
            return cached
        name = request.session.get("user")
        user = current_user(self.home, name) if name else None
        if name and user is None:  # disabled or removed since: the session ends here
            request.session.clear()
        request.state.user = user
        return user

    def require(self, request: Request, roles: tuple[Role, ...]) -> User:
        user = self.user(request)
        if user is None:
            raise HTTPException(303, headers={"Location": "/login"})
        if not user.may(*roles):
            raise HTTPException(403, "your role does not open this page")
        return user

    async def form(self, request: Request) -> dict[str, str]:
        """The posted form, refused (403) without the session's CSRF token."""
        form = await request.form()
        token = str(form.get("csrf", ""))
        expected = request.session.get("csrf", "")
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
        return {k: str(v) for k, v in form.items()}

    # -- pages ----------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        return self.render(request, "login.html", user=None)

    async def login(self, request: Request) -> Response:
        form = await self.form(request)
        user = authenticate(self.home, form.get("user", ""), form.get("password", ""))
        if user is None:
            return self.render(
                request, "login.html", status=401, user=None, error="wrong name or password"
            )
        request.session.clear()  # a new session: no fixation of the anonymous one
        request.session["user"] = user.name
        request.state.user = user
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        await self.form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def district(self, request: Request) -> Response:
        user = self.require(request, DISTRICT)
        try:
            picture = district_picture(self.analytics.cursor())
        except NoAnalytics as exc:
            return self.render(request, "empty.html", status=503, message=str(exc))
        return self.render(request, "district.html", picture=picture, user=user)

    async def search(self, request: Request) -> Response:
        self.require(request, BUILDINGS)
        text = request.query_params.get("q", "").strip()
        if not text:
            return self.render(request, "search.html", query="")
        try:
            building = find_building(self.outreach.cursor(), text)
        except BuildingNotFound as exc:
            return self.render(request, "search.html", status=404, query=text, error=str(exc))
        return RedirectResponse(f"/buildings/{building['building_id']}", status_code=303)

    async def building(self, request: Request) -> Response:
        self.require(request, BUILDINGS)
        started = time.perf_counter()
        cur = self.outreach.cursor()
        try:
            building = find_building(cur, request.path_params["building_id"])
        except BuildingNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        columns, rows = residents(cur, building["building_id"], restricted=False)
        response = self.render(
            request,
            "building.html",
            building=building,
            floors=_by_floor(columns, rows),
            restricted=False,
            published=publication(cur),
        )
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1e3:.1f}"
        return response

    async def contacts(self, request: Request) -> Response:
        user = self.require(request, BUILDINGS)
        form = await self.form(request)
        building_id = request.path_params["building_id"]
        try:
            found = break_glass(self.home, building_id, form.get("reason", ""), account=user.name)
        except ReasonRefused as exc:
            raise HTTPException(400, str(exc)) from None
        except BuildingNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        response = self.render(
            request,
            "building.html",
            building=found.building,
            floors=_by_floor(found.columns, found.rows),
            restricted=True,
            reason=form.get("reason", ""),
            published=publication(self.outreach.cursor()),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def access_log(self, request: Request) -> Response:
        self.require(request, AUDIT)
        entries = list(reversed(read_access_log(self.home)))[:500]
        return self.render(request, "access_log.html", entries=entries)

    async def review(self, request: Request) -> Response:
        self.require(request, CLERKS)
        columns, rows, total = review_queue(self.home, limit=200)
        items = [dict(zip(columns, row, strict=True)) for row in rows]
        return self.render(
            request, "review.html", items=items, total=total, kinds=KINDS,
            message=request.query_params.get("decided"),
        )  # fmt: skip

    async def review_item(self, request: Request) -> Response:
        user = self.require(request, CLERKS)
        try:
            found = show_item(self.home, request.path_params["item_id"], account=user.name)
        except NoSuchItem as exc:
            raise HTTPException(404, str(exc)) from None
        differing = set(found.item.get("differing") or [])
        if "building" in differing or "dwelling" in differing:
            differing |= {"building_no", "unit_no", "room_no"}
        response = self.render(
            request, "review_item.html", item=found.item, records=found.records,
            shown=SHOWN, differing=differing, hidden=found.hidden, kinds=KINDS,
        )  # fmt: skip
        response.headers["Cache-Control"] = "no-store"
        return response

    async def decide(self, request: Request) -> Response:
        user = self.require(request, CLERKS)
        form = await self.form(request)
        decision = form.get("decision", "")
        if decision not in DECISIONS:
            raise HTTPException(400, f"a decision is one of {', '.join(DECISIONS)}")
        item_id = request.path_params["item_id"]
        try:
            made = record_decision(
                self.home, item_id, decision, form.get("reason", ""), account=user.name
            )
        except ReasonRefused as exc:
            raise HTTPException(400, str(exc)) from None
        except NoSuchItem as exc:
            raise HTTPException(404, str(exc)) from None
        said = f"{item_id}: {decision} recorded as {made}; the next link run applies it."
        return RedirectResponse(f"/review?decided={said}", status_code=303)

    async def departments(self, request: Request) -> Response:
        self.require(request, CLERKS)
        data, as_of = read_summary(self.home)
        return self.render(
            request, "departments.html", departments=data["departments"], as_of=as_of
        )

    async def department(self, request: Request) -> Response:
        self.require(request, CLERKS)
        department = request.path_params["department"]
        try:
            files = department_intake(self.home, department)
        except NoSuchDepartment as exc:
            raise HTTPException(404, str(exc)) from None
        return self.render(request, "department.html", department=department, files=files)

    def intake_file(self, request: Request) -> tuple[str, IntakeFile]:
        department, file_id = request.path_params["department"], request.path_params["file_id"]
        try:
            found = department_intake(self.home, department, file_id=file_id)
        except (NoSuchDepartment, NoSuchFile) as exc:
            raise HTTPException(404, str(exc)) from None
        if found is None:
            raise HTTPException(503, "a run is writing the warehouse: try again when it ends")
        return department, found[0]

    async def file(self, request: Request) -> Response:
        self.require(request, CLERKS)
        department, found = self.intake_file(request)
        suffix = f".{found.file_id}.txt"
        receipt = next((r for r in receipts(self.home)[department] if r.endswith(suffix)), None)
        return self.render(
            request, "intake_file.html", department=department, file=found, receipt=receipt
        )

    async def set_aside(self, request: Request) -> Response:
        """A file's quarantined rows and set-aside values, after a reason logged first."""
        user = self.require(request, CLERKS)
        form = await self.form(request)
        department, found = self.intake_file(request)
        reason = form.get("reason", "")
        try:
            shown = set_aside_in_file(
                self.home, found.file_id, reason, SET_ASIDE_SHOWN, account=user.name
            )
        except ReasonRefused as exc:
            raise HTTPException(400, str(exc)) from None
        shown.rows = [(*r[:3], [display_text(x) for x in r[3]]) for r in shown.rows]
        shown.values = [
            tuple(display_text(str(x)) if isinstance(x, str) else x for x in v)
            for v in shown.values
        ]
        response = self.render(
            request, "set_aside.html", department=department, file=found, shown=shown,
            reason=reason,
        )  # fmt: skip
        response.headers["Cache-Control"] = "no-store"
        return response

    async def receipt(self, request: Request) -> Response:
        self.require(request, CLERKS)
        department, name = request.path_params["department"], request.path_params["name"]
        try:
            text = receipt_text(self.home, department, name)
        except NoSuchReceipt as exc:
            raise HTTPException(404, str(exc)) from None
        return self.render(request, "receipt.html", department=department, name=name, text=text)

    async def quarantine(self, request: Request) -> Response:
        """The rows and values set aside, as a zip of CSVs; the export is logged first."""
        user = self.require(request, CLERKS)
        form = await self.form(request)
        file_id = form.get("file_id", "").strip().upper() or None
        with tempfile.TemporaryDirectory(prefix="causeway-web-export-") as folder:
            try:
                exported = export_quarantined(
                    self.home, Path(folder), form.get("reason", ""), file_id, account=user.name
                )
            except ReasonRefused as exc:
                raise HTTPException(400, str(exc)) from None
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                paths = [path for path, _ in exported.files]
                for path in [*paths, *([exported.values] if exported.values else [])]:
                    archive.write(path, path.name)
        name = f"quarantine-{file_id or 'all'}.zip"
        return Response(
            buffer.getvalue(),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    async def css(self, request: Request) -> Response:
        return Response(CSS, media_type="text/css", headers=HEADERS)


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _by_floor(columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, list[dict]]]:
    """Residents grouped by floor, top floor first, each floor in priority order."""
    people = [dict(zip(columns, row, strict=True)) for row in rows]
    floors: dict[Any, list[dict]] = {}
    for person in people:
        floors.setdefault(person.get("floor"), []).append(person)
    order = sorted(floors, key=lambda f: (f is None, -(f or 0)))
    return [
        (floor, sorted(floors[floor], key=lambda p: p["priority_in_building"])) for floor in order
    ]


async def _error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 303:
        return RedirectResponse(exc.headers["Location"], status_code=303)
    pages: Pages = request.app.state.pages
    return pages.render(
        request, "error.html", status=exc.status_code, status_code=exc.status_code,
        message=exc.detail,
    )  # fmt: skip


def create_app(home: Home) -> Starlette:
    pages = Pages(home)
    routes = [
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/", pages.district, methods=["GET"]),
        Route("/buildings", pages.search, methods=["GET"]),
        Route("/buildings/{building_id}", pages.building, methods=["GET"]),
        Route("/buildings/{building_id}/contacts", pages.contacts, methods=["POST"]),
        Route("/access-log", pages.access_log, methods=["GET"]),
        Route("/review", pages.review, methods=["GET"]),
        Route("/review/{item_id}", pages.review_item, methods=["GET"]),
        Route("/review/{item_id}/decide", pages.decide, methods=["POST"]),
        Route("/departments", pages.departments, methods=["GET"]),
        Route("/departments/quarantine", pages.quarantine, methods=["POST"]),
        Route("/departments/{department}", pages.department, methods=["GET"]),
        Route("/departments/{department}/files/{file_id}", pages.file, methods=["GET"]),
        Route(
            "/departments/{department}/files/{file_id}/set-aside",
            pages.set_aside,
            methods=["POST"],
        ),
        Route("/departments/{department}/receipts/{name}", pages.receipt, methods=["GET"]),
        Route("/app.css", pages.css, methods=["GET"]),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=_session_key(home),
            session_cookie="causeway_session",
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
        )
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: _error
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.pages = pages
    return app
