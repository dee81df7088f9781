"""The map page and the locator maps (plugins/digest_map).

Checks the vendored boundaries (Natural Earth via world-atlas: small, public
domain, unchanged), the projection and clipping, and the built pages: one
marker per city with coordinates, sized by its articles and linking to its
page; an arc per partnership between two mapped cities; locator maps on every
country and city page; no script and nothing from outside the site.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, TEST_SITEURL
from test_site import FIXTURES, url_to_file

DATA = ROOT / "plugins" / "digest_map" / "data"
BOUNDARIES_SHA256 = "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8"
MAP_PAGE_BUDGET = 150_000  # bytes of HTML


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def city_partnerships() -> set[tuple[str, str]]:
    pairs = set()
    for fixture in FIXTURES:
        cities = set(fixture.names("city_ids"))
        for entry in fixture.meta.get("partnerships", "").split(";"):
            if entry.strip():
                chinese, foreign, _ = (p.strip() for p in entry.split("/"))
                if chinese in cities and foreign in cities:
                    pairs.add((chinese, foreign))
    return pairs


# --------------------------------------------------------------------------
# Data and geometry
# --------------------------------------------------------------------------
def test_boundaries_are_vendored_small_and_unchanged() -> None:
    data = (DATA / "countries-110m.json").read_bytes()
    assert len(data) < 200_000
    assert hashlib.sha256(data).hexdigest() == BOUNDARIES_SHA256
    notice = (DATA / "README.md").read_text(encoding="utf-8")
    assert "public domain" in notice and "Natural Earth" in notice and BOUNDARIES_SHA256 in notice


def test_countries_load_with_iso_codes_and_no_date_line_jumps() -> None:
    from digest_map import countries_by_code, load_countries

    countries = load_countries()
    assert 170 <= len(countries) <= 180
    by_code = countries_by_code()
    for code in ("CN", "IT", "HU", "DE", "ES", "VE", "KE", "KZ", "RU", "US", "FJ", "XK"):
        assert code in by_code, code
    assert "AQ" not in by_code  # Antarctica is left out
    for country in countries:
        for polygon in country.polygons:
            for ring in polygon:
                steps = [abs(b[0] - a[0]) for a, b in itertools.pairwise(ring)]
                assert max(steps, default=0) < 180, country.name


def test_robinson_projection() -> None:
    from digest_map import robinson

    assert robinson(0, 0) == (0, 0)
    assert robinson(180, 0)[0] == pytest.approx(0.8487 * math.pi)
    assert robinson(0, 90)[1] == pytest.approx(-1.3523)
    assert robinson(0, -90)[1] == pytest.approx(1.3523)
    assert robinson(-90, 45)[0] == pytest.approx(-0.8487 * 0.8962 * math.pi / 2)
    # Monotonic in latitude between table rows.
    ys = [robinson(0, lat)[1] for lat in range(0, 91, 1)]
    assert ys == sorted(ys, reverse=True)


def test_clip_ring_to_a_box() -> None:
    from digest_map import clip_ring

    square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)]
    clipped = clip_ring(square, (0.0, 0.0, 10.0, 10.0))
    assert sorted(set(clipped)) == [(0.0, 0.0), (0.0, 5.0), (5.0, 0.0), (5.0, 5.0)]
    assert clip_ring(square, (20.0, 20.0, 30.0, 30.0)) == []


def test_svg_path_is_compact_and_exact_in_tenths() -> None:
    from digest_map import svg_path

    d = svg_path([[(0.04, 0.0), (10.0, 0.0), (10.0, 10.26), (0.0, 10.0)]])
    assert d == "M0 0l10 0 0 10.3 -10 -0.3z"
    assert svg_path([[(0, 0), (0.01, 0.01), (0.02, 0)]]) == ""  # degenerate rings vanish


def test_locator_svg_across_the_date_line() -> None:
    from digest_map import locator_svg

    svg = str(locator_svg((179.0, -17.0), (20.0, 14.0), "FJ", "Fiji"))
    assert 'class="land here"' in svg  # Fiji's islands on both sides of 180° are drawn
    assert svg == str(locator_svg((179.0, -17.0), (20.0, 14.0), "FJ", "Fiji"))


# --------------------------------------------------------------------------
# The map page
# --------------------------------------------------------------------------
def test_map_page_has_a_marker_per_city_linking_to_its_page(site: Path) -> None:
    page = site / "map" / "index.html"
    assert page.stat().st_size < MAP_PAGE_BUDGET
    doc = soup(page)
    svg = doc.select_one("svg.world-map")
    assert svg is not None and doc.find(id=svg["aria-labelledby"]) is not None
    assert doc.find("script", src=True) is None
    markers = svg.select("g.cities a")
    cities = {c for f in FIXTURES for c in f.names("city_ids")}
    assert len(markers) == len(cities)  # every fixture city has coordinates
    radii: dict[str, float] = {}
    for a in markers:
        target = url_to_file(site, a["href"])
        assert target.is_file() and "/cities/" in a["href"]
        circle = a.find("circle")
        count = int(re.search(r": (\d+) article", a["aria-label"]).group(1))
        radii[a["href"]] = float(circle["r"])
        assert circle.title.get_text() == a["aria-label"]
        assert count >= 1
    # The city with the most articles has the biggest marker.
    assert max(radii, key=radii.get) == f"{TEST_SITEURL}/cities/luliang/"
    assert radii[f"{TEST_SITEURL}/cities/luliang/"] > radii[f"{TEST_SITEURL}/cities/gyor/"]
    # Countries with news link to their pages.
    countries = {a["href"] for a in svg.select("g.countries a")}
    expected = {f"{TEST_SITEURL}/countries/{slug}/" for slug in ("china", "italy", "hungary", "kenya")}
    assert expected <= countries
    # A text list of the same cities follows the map.
    listed = {a["href"] for a in doc.select("section.map-list ul.place-list a")}
    assert listed == set(radii)


def test_map_page_draws_a_line_per_city_partnership(site: Path) -> None:
    doc = soup(site / "map" / "index.html")
    ties = doc.select("svg.world-map g.ties path.tie")
    assert len(ties) == len(city_partnerships()) == 3
    assert all(t["d"].startswith("M") and "Q" in t["d"] for t in ties)
    titles = sorted(t.title.get_text() for t in ties)
    assert "Lüliang and Cuneo: sister cities" in titles


def test_map_page_is_linked_from_the_navigation(site: Path) -> None:
    home = soup(site / "index.html")
    link = home.find("nav", attrs={"aria-label": "Main"}).find("a", string="Map")
    assert link is not None and link["href"] == f"{TEST_SITEURL}/map/"


# --------------------------------------------------------------------------
# Locator maps
# --------------------------------------------------------------------------
def test_every_country_and_city_page_has_a_locator_map(site: Path) -> None:
    for plural, highlight in (("countries", "path.land.here"), ("cities", "circle.dot")):
        for page_dir in sorted(p for p in (site / plural).iterdir() if p.is_dir()):
            doc = soup(page_dir / "index.html")
            svg = doc.select_one(".locator svg.locator-map")
            assert svg is not None, page_dir.name
            assert svg["role"] == "img" and svg["aria-label"].startswith("Map: where ")
            assert svg.select_one(highlight) is not None, page_dir.name
            assert len(str(svg)) < 20_000, page_dir.name  # clipped to the surroundings: light
    assert soup(site / "regions" / "shanxi" / "index.html").select_one(".locator") is None


def test_locator_maps_can_be_switched_off(tmp_path: Path) -> None:
    from conftest import build_site

    out = build_site(
        tmp_path / "off", DIGEST_LOCATOR_MAPS=False, DIGEST_MAP_SAVE_AS="", DIGEST_SEARCH_PAGEFIND=False
    )
    assert soup(out / "cities" / "luliang" / "index.html").select_one(".locator") is None
    assert not (out / "map").exists()
    assert soup(out / "index.html").find("nav").find("a", string="Map") is None
