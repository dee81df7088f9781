"""Fixtures for the Pelican site tests (test_site, test_html_valid, test_browser, test_publish).

Builds of the fixture articles are shared by the whole session: ``site`` is a
project-site layout (SITEURL with a path, as on ``https://<user>.github.io/<repo>/``),
``root_site`` a user-site layout at the domain root.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "site_articles"
# A project-site style address (with a path) catches links that ignore SITEURL.
TEST_SITEURL = "https://digest.example.org/sub"
# A user-site style address: the site at the domain root.
TEST_ROOT_SITEURL = "https://example.github.io"
# Git-ignored (.cache/ is in .gitignore): vendored axe-core, screenshots.
CACHE_DIR = ROOT / ".cache"
SCREENSHOT_DIR = CACHE_DIR / "screenshots"
# Small values so the latest lists, year pages and the feed cap are exercised by 9 articles.
TEST_LATEST = 4
TEST_FEED_MAX_ITEMS = 5

# The plugins are plain modules in plugins/; make them importable for unit tests.
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))


def pelican_settings(output: Path, **overrides: Any) -> dict[str, Any]:
    from pelican.settings import read_settings

    override: dict[str, Any] = {
        "PATH": str(SITE_FIXTURES),
        "OUTPUT_PATH": str(output),
        # Each test build has its own reader cache: builds running at once must not share one.
        "CACHE_PATH": str(output.with_name(output.name + ".pelican-cache")),
        "SITEURL": TEST_SITEURL,
        "DIGEST_LATEST": TEST_LATEST,
        "DIGEST_FEED_MAX_ITEMS": TEST_FEED_MAX_ITEMS,
        # Pagefind indexing is off unless a build asks for it (the shared builds do).
        "DIGEST_SEARCH_PAGEFIND": False,
    }
    override.update(overrides)
    return read_settings(path=str(ROOT / "pelicanconf.py"), override=override)


def build_site(output: Path, **overrides: Any) -> Path:
    """Run a full Pelican build of the fixture articles into ``output``."""
    from pelican import Pelican

    Pelican(pelican_settings(output, **overrides)).run()
    return output


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built for a project site under ``/sub/`` (read-only), with its search index."""
    return build_site(tmp_path_factory.mktemp("site"), DIGEST_SEARCH_PAGEFIND=True)


@pytest.fixture(scope="session")
def root_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built for a user site at the domain root (read-only)."""
    return build_site(
        tmp_path_factory.mktemp("root_site"), SITEURL=TEST_ROOT_SITEURL, DIGEST_SEARCH_PAGEFIND=True
    )


# Debian's Chromium, driven by Playwright (which cannot download a browser here).
CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_browser() -> Any:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set DIGEST_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the tests of what a reader sees."""
    sync_playwright = _require_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
