"""The built site in a real browser: headless Chromium driven by Playwright.

The fixture site (project-site layout, SITEURL ``https://digest.example.org/sub``)
is served straight from the output folder by a Playwright route, the way
GitHub Pages serves it: ``/sub/x/`` is ``x/index.html``, an unknown path gets
``404.html`` with status 404. Every other request (another host, a CDN, a web
font) is aborted and recorded, so a page that needs anything from outside
fails here.

Checks: the home page, a country page, a city page and an article load with no
console errors and no outside requests, fit a 360-pixel phone without
sideways scrolling, follow a place ("tag") link from an article to its page,
and pass axe-core with no serious or critical violations, in light and dark
colour schemes. Screenshots at phone and desktop width, light and dark, go to
``.cache/screenshots/`` (git-ignored) for review.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, or ``DIGEST_CHROMIUM``),
the ``playwright`` Python package (which cannot download a browser here), and
axe-core from npm, vendored at test time into ``.cache/axe-core/`` (or
``DIGEST_AXE_JS`` pointing at an ``axe.min.js``). Each test skips, saying
why, when one of them is missing.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CACHE_DIR, SCREENSHOT_DIR, TEST_SITEURL

AXE_CORE_VERSION = "4.14.1"
AXE_DIR = CACHE_DIR / "axe-core"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# (name, path under SITEURL) of the pages every browser test visits.
PAGES = [
    ("home", ""),
    ("country", "countries/italy/"),
    ("city", "cities/luliang/"),
    ("place year", "countries/china/2024/"),
    ("article", "articles/luliang-cuneo-sister-cities/"),
    ("partnerships", "partnerships/"),
    ("map", "map/"),
    ("search", "search/?q=Lvliang"),
]


# --------------------------------------------------------------------------
# Tools: Chromium, Playwright, axe-core
# --------------------------------------------------------------------------
def axe_script() -> str:
    """axe-core's axe.min.js: DIGEST_AXE_JS, or vendored from npm into .cache/axe-core."""
    given = os.environ.get("DIGEST_AXE_JS")
    if given:
        if not Path(given).is_file():
            pytest.skip(f"DIGEST_AXE_JS={given} does not exist")
        return Path(given).read_text(encoding="utf-8")
    target = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    package = AXE_DIR / "node_modules" / "axe-core" / "package.json"
    if not target.is_file() or f'"version": "{AXE_CORE_VERSION}"' not in package.read_text(encoding="utf-8"):
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot vendor axe-core (or set DIGEST_AXE_JS)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                f"axe-core@{AXE_CORE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not target.is_file():
            pytest.skip(f"npm could not install axe-core@{AXE_CORE_VERSION}: {result.stderr[-500:]}")
    return target.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# Serving the built site like GitHub Pages
# --------------------------------------------------------------------------
class SiteServer:
    """Answers requests under SITEURL from the output folder; aborts the rest."""

    def __init__(self, root: Path, siteurl: str) -> None:
        self.root = root
        self.siteurl = siteurl
        self.outside: list[str] = []
        self.missing: list[str] = []

    def file_for(self, url: str) -> Path | None:
        if not url.startswith(self.siteurl + "/"):
            return None
        rel = unquote(urlsplit(url[len(self.siteurl) :]).path).lstrip("/")
        path = self.root / rel
        if rel == "" or rel.endswith("/") or path.is_dir():
            path = path / "index.html"
        return path if path.is_file() and self.root in path.resolve().parents else None

    def handle(self, route: Any) -> None:
        url = route.request.url
        if not url.startswith(self.siteurl + "/") and url != self.siteurl:
            if not url.startswith(("data:", "about:")):
                self.outside.append(url)
            route.abort()
            return
        path = self.file_for(url if url != self.siteurl else url + "/")
        if path is None:
            self.missing.append(url)
            route.fulfill(status=404, path=str(self.root / "404.html"), content_type="text/html")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or path.suffix == ".xml":
            content_type += "; charset=utf-8"
        route.fulfill(status=200, path=str(path), content_type=content_type)


@pytest.fixture
def open_page(browser: Any, site: Path) -> Iterator[Any]:
    """open_page(path, viewport=PHONE, scheme="light") -> (page, server, console errors)."""
    contexts: list[Any] = []

    def _open(path: str, viewport: dict[str, int] = PHONE, scheme: str = "light") -> tuple[Any, ...]:
        server = SiteServer(site, TEST_SITEURL)
        context = browser.new_context(viewport=viewport, color_scheme=scheme, java_script_enabled=True)
        contexts.append(context)
        context.route("**/*", server.handle)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = page.goto(f"{TEST_SITEURL}/{path}", wait_until="load")
        assert response is not None
        return page, server, errors, response

    yield _open
    for context in contexts:
        context.close()


def run_axe(page: Any, script: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=script)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return result["violations"]


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "path"), PAGES)
def test_page_loads_alone_and_fits_a_phone(open_page: Any, name: str, path: str) -> None:
    page, server, errors, response = open_page(path)
    assert response.status == 200
    assert errors == [], errors
    assert server.outside == [], f"requests outside the site: {server.outside}"
    assert server.missing == [], f"missing files: {server.missing}"
    # The stylesheet applied (system fonts, no web fonts) ...
    assert page.evaluate("document.styleSheets.length") == 1
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert page.evaluate("document.fonts.size") == 0
    # ... and nothing scrolls sideways on a 360-pixel phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide at {PHONE['width']}px"
    assert page.locator("h1").count() == 1


def test_dark_scheme_changes_colours(open_page: Any) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        page, *_ = open_page("", scheme=scheme)
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert backgrounds["light"] != backgrounds["dark"]
    assert backgrounds["dark"] == "rgb(21, 23, 26)"


def test_follow_place_links_from_an_article(open_page: Any) -> None:
    page, server, errors, _ = open_page(dict(PAGES)["article"])
    page.locator("dl.places").get_by_role("link", name="Lüliang").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/cities/luliang/"
    assert page.locator("h1").inner_text() == "Lüliang"
    subscribe = page.get_by_role("link", name="Subscribe (RSS)")
    assert subscribe.get_attribute("href") == f"{TEST_SITEURL}/cities/luliang/feed.xml"
    # The city belongs to a country: its kicker links there.
    page.locator(".kicker a").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/countries/china/"
    # From the country page back to an article through the list.
    page.locator("ol.article-list h2 a").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(f"{TEST_SITEURL}/articles/")
    assert errors == [] and server.outside == [] and server.missing == []


def test_home_to_archives_and_a_place_by_year(open_page: Any) -> None:
    page, server, errors, _ = open_page("")
    page.get_by_role("link", name="articles, by year and month").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/archives/"
    page.goto(f"{TEST_SITEURL}/countries/china/")
    page.get_by_role("navigation", name="by year").get_by_role("link", name="2024").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/countries/china/2024/"
    assert page.locator("h1").inner_text() == "China in 2024"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Countries").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/countries/"
    assert page.get_by_role("link", name="Italy").count() >= 1
    assert errors == [] and server.outside == [] and server.missing == []


def test_unknown_address_gets_the_styled_404_page(open_page: Any) -> None:
    page, server, _errors, response = open_page("no/such/page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("document.styleSheets.length") == 1
    assert server.outside == []
    page.get_by_role("link", name="latest news").click()
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/"


def test_skip_link_is_first_and_visible_on_focus(open_page: Any) -> None:
    page, *_ = open_page(dict(PAGES)["article"])
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    top = page.evaluate("document.activeElement.getBoundingClientRect().top")
    assert top >= 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "path"), PAGES)
def test_no_serious_accessibility_violations(open_page: Any, name: str, path: str, scheme: str) -> None:
    script = axe_script()
    page, *_ = open_page(path, viewport=DESKTOP, scheme=scheme)
    violations = run_axe(page, script)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v.get("impact") in {"serious", "critical"}
    ]
    assert serious == [], "\n".join(serious)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("viewport_name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_screenshots_for_review(open_page: Any, viewport_name: str, viewport: dict, scheme: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES:
        page, *_ = open_page(path, viewport=viewport, scheme=scheme)
        target = SCREENSHOT_DIR / f"{name}-{viewport_name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 5_000


def test_axe_check_catches_a_bad_page(open_page: Any) -> None:
    """Negative control: the same check fails on a page with known problems."""
    script = axe_script()
    page, *_ = open_page("")
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main>'
        '<p style="color:#aaa;background:#fff">faint text</p><img src="x.png">'
        "</main></body></html>"
    )
    ids = {v["id"] for v in run_axe(page, script) if v.get("impact") in {"serious", "critical"}}
    assert {"color-contrast", "image-alt"} <= ids


# --------------------------------------------------------------------------
# Search (Pagefind in the browser)
# --------------------------------------------------------------------------
LULIANG_ARTICLES = [
    f"{TEST_SITEURL}/articles/cuneo-delegation-visits-luliang/",
    f"{TEST_SITEURL}/articles/luliang-cuneo-sister-cities/",
    f"{TEST_SITEURL}/articles/taiyuan-luliang-undated-exchange/",
]


def _result_links(page: Any, expected: int | list[str]) -> list[str]:
    """The result links once there are ``expected`` of them (or exactly these paths, in any order)."""
    page.wait_for_function(
        """want => {
            const links = document.querySelectorAll('#search-results h2 a');
            const hrefs = [...links].map(a => a.getAttribute('href'));
            return typeof want === 'number' ? hrefs.length === want
                : JSON.stringify(hrefs.sort()) === JSON.stringify([...want].sort());
        }""",
        arg=expected,
        timeout=15_000,
    )
    links = page.locator("#search-results h2 a")
    return sorted(links.nth(i).get_attribute("href") for i in range(links.count()))


def test_search_finds_a_place_in_any_spelling(open_page: Any) -> None:
    page, server, errors, _ = open_page("search/")
    page.get_by_label("Search the digest").fill("Lvliang")
    hrefs = [page.evaluate("h => new URL(h, location.href).href", h) for h in _result_links(page, 3)]
    assert hrefs == LULIANG_ARTICLES
    assert page.locator("#search-status").inner_text() == "3 articles for “Lvliang”."
    # Results show their place tags, linking to the place pages.
    tag = page.locator("#search-results dl.places a", has_text="Lüliang").first
    assert tag.get_attribute("href") == f"{TEST_SITEURL}/cities/luliang/"
    assert page.locator("#search-results mark").first.inner_text().lower() == "lvliang"
    assert page.url == f"{TEST_SITEURL}/search/?q=Lvliang"  # shareable
    # Full text: a word of one article's body.
    page.get_by_label("Search the digest").fill("walnut")
    assert _result_links(page, ["/sub/articles/cuneo-delegation-visits-luliang/"])
    assert errors == [] and server.outside == [] and server.missing == []


def test_search_filters_by_country_and_city(open_page: Any) -> None:
    page, server, errors, _ = open_page("search/?country=Kazakhstan")
    assert _result_links(page, ["/sub/articles/xian-silk-road-expo/"])
    assert page.get_by_label("Country").input_value() == "Kazakhstan"
    page.get_by_label("Country").select_option("")
    page.get_by_label("City").select_option("Valencia, Spain")
    assert _result_links(page, ["/sub/articles/guangzhou-valencia-port-forum/"])
    page.get_by_label("Search the digest").fill("trade")
    page.get_by_label("City").select_option("Valencia, Venezuela")
    assert _result_links(page, ["/sub/articles/chongqing-valencia-trade-fair/"])
    assert "city=Valencia" in page.url
    assert errors == [] and server.outside == [] and server.missing == []


def test_header_search_box_leads_to_results(open_page: Any) -> None:
    page, server, errors, _ = open_page("")
    box = page.get_by_role("search").get_by_label("Search the digest")
    box.fill("Koni")  # a spelling of Cuneo
    box.press("Enter")
    page.wait_for_load_state("load")
    assert page.url == f"{TEST_SITEURL}/search/?q=Koni"
    assert _result_links(
        page, ["/sub/articles/cuneo-delegation-visits-luliang/", "/sub/articles/luliang-cuneo-sister-cities/"]
    )
    assert errors == [] and server.missing == []


def test_search_page_without_javascript(browser: Any, site: Path) -> None:
    server = SiteServer(site, TEST_SITEURL)
    context = browser.new_context(java_script_enabled=False)
    try:
        context.route("**/*", server.handle)
        page = context.new_page()
        page.goto(f"{TEST_SITEURL}/search/?q=Lvliang")
        assert "needs JavaScript" in page.locator("main").inner_text()
        assert page.locator("section.search-browse").get_by_role("link", name="countries").count() == 1
    finally:
        context.close()
