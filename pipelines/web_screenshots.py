"""`make web-screenshots`: the district picture and a building view of `causeway web`, as
PNG files for the README (docs/web-district.png, docs/web-building.png).

Publishes a demo district in a temporary home, starts the app on loopback with a grid
worker's account, and drives Debian's chromium through Playwright: sign in, open the
building first in evacuation rank, give a reason, show the phones. Nothing of
the temporary home is kept but the two pictures (its people are invented).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from connectors.home import Home
from demo import generate
from pipelines.headless import run_everything
from pipelines.web import create_app
from pipelines.web.server import serving
from warehouse.serve import PublishedFile, add_user, district_picture

USER = "grid.worker"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed: `make browser`")
    with tempfile.TemporaryDirectory(prefix="causeway-web-") as folder:
        home = Home.resolve(Path(folder)).ensure()
        generate(home.ingest, home.demo_truth, args.persons, 42, 1)
        run_everything(home)
        password = secrets.token_urlsafe(16)
        add_user(home, USER, "grid_worker", password)
        published = PublishedFile(home.analytics)
        building = district_picture(published.cursor()).buildings[0]["building_id"]
        published.close()
        with serving(create_app(home)) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/login")
            page.get_by_label("User name").fill(USER)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("text=District picture")
            page.screenshot(path=str(args.out / "web-district.png"))
            page.goto(f"{url}/buildings/{building}")
            page.get_by_label("Reason for seeing names and phones").fill(
                "screenshot of invented demo residents"
            )
            page.get_by_role("button", name="Show names and phones").click()
            page.wait_for_selector("text=access log with your reason")
            page.screenshot(path=str(args.out / "web-building.png"))
            browser.close()
    print(f"wrote {args.out / 'web-district.png'} and {args.out / 'web-building.png'}")


if __name__ == "__main__":
    main()
