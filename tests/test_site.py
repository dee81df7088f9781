"""End-to-end tests of the Pelican site: settings, plugins, theme and feeds.

One full build of tests/fixtures/site_articles (see conftest.py) is shared by
the module; a few tests run their own build (determinism, dev mode, errors).
Expectations are computed from the fixture Markdown headers directly, not from
the plugins, so the tests check the plugins against the contract.
"""

from __future__ import annotations

import difflib
import filecmp
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import (
    SITE_FIXTURES,
    TEST_FEED_MAX_ITEMS,
    TEST_LATEST,
    TEST_ROOT_SITEURL,
    TEST_SITEURL,
    build_site,
    pelican_settings,
)


# --------------------------------------------------------------------------
# Reading the fixtures (independently of the plugins)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Fixture:
    slug: str
    title: str
    date: datetime
    meta: dict[str, str]

    def names(self, key: str) -> list[str]:
        return [v.strip() for v in self.meta.get(key, "").split(",") if v.strip()]

    @property
    def url(self) -> str:
        return f"{TEST_SITEURL}/articles/{self.slug}/"


def _read_fixture(path: Path) -> Fixture:
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    meta = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return Fixture(meta["slug"], meta["title"], datetime.fromisoformat(meta["date"]), meta)


FIXTURES = sorted(
    (_read_fixture(p) for p in (SITE_FIXTURES / "articles").glob("*.md")),
    key=lambda f: (-f.date.timestamp(), f.slug),
)
BY_SLUG = {f.slug: f for f in FIXTURES}

# Place slugs the site must use (ASCII, collisions suffixed with the country).
CITY_SLUGS = {
    "CN-13512505": "luliang",
    "IT-3177700": "cuneo",
    "ES-2509954": "valencia-es",
    "VE-3625549": "valencia-ve",
    "HU-3052009": "gyor",
    "CN-1790630": "xian",
}


def articles_with(key: str, code: str) -> list[str]:
    """Slugs of fixture articles carrying ``code`` in ``key``, newest first."""
    return [f.slug for f in FIXTURES if code in f.names(key)]


# --------------------------------------------------------------------------
# Reading the output
# --------------------------------------------------------------------------
def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def url_to_file(site: Path, url: str) -> Path:
    """The output file an absolute site URL points at."""
    assert url.startswith(TEST_SITEURL + "/"), url
    rel = urlsplit(url[len(TEST_SITEURL) :]).path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site / rel


def listed_articles(page: Path) -> list[str]:
    """Slugs of the articles listed (in order) on a list page."""
    links = soup(page).select("ol.article-list article h2 a")
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in links]


def year_pages_of(site: Path, place_page: Path) -> list[Path]:
    """A place's year pages, from the year list on its page, newest first."""
    links = soup(place_page).select("nav.year-list a")
    return [url_to_file(site, a["href"]) for a in links]


def compact_listed(page: Path) -> list[str]:
    """Slugs of the articles listed (in order) on a year page."""
    links = soup(page).select("ul.archive-list a")
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in links]


# --------------------------------------------------------------------------
# Pages exist, raw input is ignored
# --------------------------------------------------------------------------
def test_fixture_sanity() -> None:
    assert len(FIXTURES) == 9
    assert any(f.meta["date_source"] == "fallback" for f in FIXTURES)
    assert {"Lüliang", "Győr"} <= {c for f in FIXTURES for c in f.names("cities")}


def test_expected_pages_exist(site: Path) -> None:
    for rel in [
        "index.html",
        "404.html",
        "about/index.html",
        "archives/index.html",
        "countries/index.html",
        "cities/index.html",
        "regions/index.html",
        "theme/css/style.css",
        "feeds/all.rss.xml",
        "feeds/all.atom.xml",
        "feeds/all.json",
        "data/digest.json",
        "data/digest.csv",
        "partnerships/index.html",
        ".nojekyll",
    ]:
        assert (site / rel).is_file(), rel
    for fixture in FIXTURES:
        page = site / "articles" / fixture.slug / "index.html"
        assert page.is_file(), fixture.slug
        assert soup(page).h1.get_text() == fixture.title
    # One page (and feed) per distinct place code, no more.
    for kind, plural, key in [
        ("country", "countries", "country_codes"),
        ("city", "cities", "city_ids"),
        ("region", "regions", "region_codes"),
    ]:
        codes = {c for f in FIXTURES for c in f.names(key)}
        pages = [p for p in (site / plural).iterdir() if p.is_dir()]
        assert len(pages) == len(codes), kind
        for page_dir in pages:
            assert (page_dir / "index.html").is_file()
            assert (page_dir / "feed.xml").is_file()
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", page_dir.name), page_dir.name


def test_pelican_own_outputs_are_off(site: Path) -> None:
    for rel in ["tag", "category", "author", "tags.html", "categories.html", "authors.html"]:
        assert not (site / rel).exists(), rel
    feeds = sorted(p.name for p in (site / "feeds").iterdir())
    assert feeds == ["all.atom.xml", "all.json", "all.rss.xml"]


def test_raw_folder_is_never_published(site: Path) -> None:
    assert not (site / "raw").exists()
    article_dirs = {p.name for p in (site / "articles").iterdir()}
    assert article_dirs == set(BY_SLUG)
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "MUST NOT BE PUBLISHED" not in text, path


# --------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------
def resolve(site: Path, siteurl: str, url: str) -> Path | None:
    """The output file an absolute URL under ``siteurl`` points at (None if outside the site)."""
    if not url.startswith(siteurl + "/"):
        return None
    rel = urlsplit(url[len(siteurl) :]).path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site / rel


def site_references(site: Path) -> list[tuple[Path, str]]:
    """Every URL the built site refers to: HTML links, assets, Open Graph and
    JSON-LD URLs, feed links, guids and category schemes, sitemap and robots."""
    refs: list[tuple[Path, str]] = []
    for page in html_files(site):
        doc = soup(page)
        ids = {tag["id"] for tag in doc.find_all(id=True)}
        for tag in doc.find_all(["a", "link", "img", "script", "source", "iframe", "form"]):
            for attr in ("href", "src", "action"):
                if tag.get(attr):
                    ref = tag[attr]
                    if ref.startswith("#"):
                        assert ref[1:] in ids, f"{page}: dangling {ref}"
                    else:
                        refs.append((page, ref))
        for meta in doc.find_all("meta", property=re.compile(r"^og:(url|image)$")):
            refs.append((page, meta["content"]))
        for script in doc.find_all("script", type="application/ld+json"):
            text = script.string or ""
            refs.extend((page, url) for url in re.findall(r'"(https?://[^"]+)"', text))
    for feed in site.rglob("*.xml"):
        root = ElementTree.parse(feed).getroot()
        for element in root.iter():
            for attr in ("href", "domain", "scheme"):
                if element.get(attr):
                    refs.append((feed, element.get(attr)))
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in {"link", "guid", "id", "loc", "docs", "uri"} and (element.text or "").strip():
                refs.append((feed, element.text.strip()))
    robots = site / "robots.txt"
    for line in robots.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("sitemap:"):
            refs.append((robots, line.split(":", 1)[1].strip()))
    return refs


def check_every_reference(site: Path, siteurl: str) -> int:
    """Assert every internal URL is absolute under ``siteurl`` and resolves; count them."""
    host = urlsplit(siteurl).netloc
    checked = 0
    for source, ref in site_references(site):
        parts = urlsplit(ref)
        # Internal links are absolute under SITEURL: never root-relative (they
        # would break a project site under /<repo>/) and never relative.
        assert parts.scheme in {"http", "https", "mailto"}, f"{source}: not absolute: {ref}"
        if parts.netloc != host:
            continue  # an original article's source, a spec's address
        target = resolve(site, siteurl, ref)
        assert target is not None, f"{source}: {ref} is outside {siteurl}/"
        assert target.is_file(), f"{source}: broken {ref}"
        checked += 1
    return checked


def test_every_internal_link_resolves(site: Path) -> None:
    """Project-site layout: everything under /sub/."""
    assert check_every_reference(site, TEST_SITEURL) > 800


def test_every_internal_link_resolves_at_domain_root(root_site: Path) -> None:
    """User-site layout: the same output at the domain root."""
    assert check_every_reference(root_site, TEST_ROOT_SITEURL) > 800
    home = soup(root_site / "index.html")
    assert home.find("a", class_="site-title")["href"] == f"{TEST_ROOT_SITEURL}/"
    assert "/sub/" not in (root_site / "feeds" / "all.rss.xml").read_text(encoding="utf-8")


def test_link_checker_catches_broken_and_root_relative_links(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html><body><a href="https://x.test/sub/missing/">x</a></body></html>'
    )
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    with pytest.raises(AssertionError, match="broken"):
        check_every_reference(tmp_path, "https://x.test/sub")
    (tmp_path / "index.html").write_text('<!DOCTYPE html><html><body><a href="/about/">x</a></body></html>')
    with pytest.raises(AssertionError, match="not absolute"):
        check_every_reference(tmp_path, "https://x.test/sub")


def test_article_pages_link_to_their_places(site: Path) -> None:
    for fixture in FIXTURES:
        doc = soup(site / "articles" / fixture.slug / "index.html")
        links = doc.select("article.article dl.places a")
        names = [a.get_text() for a in links]
        expected = fixture.names("countries") + fixture.names("cities") + fixture.names("regions")
        assert names == expected, fixture.slug
        for a in links:
            assert url_to_file(site, a["href"]).is_file()
    doc = soup(site / "articles" / "luliang-cuneo-sister-cities" / "index.html")
    hrefs = {a.get_text(): a["href"] for a in doc.select("dl.places a")}
    assert hrefs["Lüliang"] == f"{TEST_SITEURL}/cities/luliang/"
    assert hrefs["Shanxi"] == f"{TEST_SITEURL}/regions/shanxi/"
    assert hrefs["Italy"] == f"{TEST_SITEURL}/countries/italy/"


def test_city_pages_list_exactly_their_articles(site: Path) -> None:
    for city_id, slug in CITY_SLUGS.items():
        page = site / "cities" / slug / "index.html"
        years = year_pages_of(site, page)
        listed = [s for p in years for s in compact_listed(p)] if years else listed_articles(page)
        assert listed == articles_with("city_ids", city_id), slug
    assert listed_articles(site / "cities" / "luliang" / "index.html") == [
        "cuneo-delegation-visits-luliang",
        "luliang-cuneo-sister-cities",
        "taiyuan-luliang-undated-exchange",
    ]


def test_same_name_cities_get_distinct_pages(site: Path) -> None:
    spain = soup(site / "cities" / "valencia-es" / "index.html")
    venezuela = soup(site / "cities" / "valencia-ve" / "index.html")
    assert spain.h1.get_text() == venezuela.h1.get_text() == "Valencia"
    assert "Spain" in spain.select_one(".kicker").get_text()
    assert "Venezuela" in venezuela.select_one(".kicker").get_text()
    assert not (site / "cities" / "valencia").exists()
    # A name that is unique keeps its plain slug, even across kinds.
    assert (site / "cities" / "hamburg").is_dir() and (site / "regions" / "hamburg").is_dir()


def test_latest_lists_and_year_pages_cover_every_article_once(site: Path) -> None:
    """The home page and a place's page show the newest articles; a place with more has
    one page per year that together list all of them, newest first; nothing is numbered."""
    assert not (site / "page").exists()
    assert listed_articles(site / "index.html") == [f.slug for f in FIXTURES][:TEST_LATEST]
    more = soup(site / "index.html").select_one("p.more a")
    assert more is not None and f"All {len(FIXTURES)} articles" in more.get_text()
    china_page = site / "countries" / "china" / "index.html"
    china = articles_with("country_codes", "CN")
    assert len(china) > TEST_LATEST  # the fixtures must exercise year pages
    assert listed_articles(china_page) == china[:TEST_LATEST]
    years = year_pages_of(site, china_page)
    assert years and all(p.parent.parent == site / "countries" / "china" for p in years)
    assert [s for page in years for s in compact_listed(page)] == china
    # Older/newer links walk the years in turn.
    page, seen = years[0], [years[0]]
    while (older := soup(page).select_one('nav.pagination a[rel="next"]')) is not None:
        page = url_to_file(site, older["href"])
        seen.append(page)
    assert seen == years
    # A place whose page shows every article has no year pages.
    small = [p for p in (site / "cities").iterdir() if p.is_dir() and (p / "index.html").exists()]
    for city in small:
        if len(listed_articles(city / "index.html")) < TEST_LATEST:
            assert not year_pages_of(site, city / "index.html")
            assert not [d for d in city.iterdir() if d.is_dir() and d.name.isdigit()]


# --------------------------------------------------------------------------
# Index pages
# --------------------------------------------------------------------------
def test_countries_index_sorted_by_count_then_name(site: Path) -> None:
    doc = soup(site / "countries" / "index.html")
    rows = [
        (li.a.get_text(), int(li.select_one(".count").get_text().split()[0]))
        for li in doc.select("ul.place-list li")
    ]
    expected_counts: dict[str, int] = defaultdict(int)
    for f in FIXTURES:
        for name in f.names("countries"):
            expected_counts[name] += 1
    assert dict(rows) == expected_counts
    assert rows == sorted(rows, key=lambda r: (-r[1], r[0]))
    assert rows[0] == ("China", len(FIXTURES))


def test_cities_index_grouped_by_country(site: Path) -> None:
    doc = soup(site / "cities" / "index.html")
    groups = {
        section.h2.get_text(): [a.get_text() for a in section.select("li > a:first-child")]
        for section in doc.select("section.place-group")
    }
    assert list(groups) == sorted(groups)
    assert groups["Spain"] == ["Valencia"]
    assert groups["Venezuela"] == ["Valencia"]
    assert groups["Hungary"] == ["Győr"]
    assert groups["China"] == sorted(groups["China"], key=str.casefold)
    assert "Lüliang" in groups["China"] and "Taiyuan" in groups["China"]
    city_count = len({c for f in FIXTURES for c in f.names("city_ids")})
    assert sum(len(v) for v in groups.values()) == city_count


def test_regions_index_lists_every_region(site: Path) -> None:
    doc = soup(site / "regions" / "index.html")
    names = sorted(a.get_text() for a in doc.select("section.place-group li > a:first-child"))
    assert names == sorted({r for f in FIXTURES for r in f.names("regions")})


# --------------------------------------------------------------------------
# Article page details and HTML basics
# --------------------------------------------------------------------------
def test_article_page_shows_date_source_and_summary(site: Path) -> None:
    doc = soup(site / "articles" / "luliang-cuneo-sister-cities" / "index.html")
    fixture = BY_SLUG["luliang-cuneo-sister-cities"]
    meta = doc.select_one("article.article header .meta")
    assert meta.time["datetime"] == "2024-08-30T10:15:00+08:00"
    assert "30 August 2024" in meta.get_text()
    assert "uncertain" not in meta.get_text()
    source = meta.find("a", string="China News Service")
    assert source is not None and source["href"] == fixture.meta["url"]
    assert doc.select_one("p.lede").get_text() == fixture.meta["summary"]
    assert "Photo:" in doc.select_one("div.body").get_text()
    # The contract's url is the source, not the page's own address.
    canonical = doc.find("link", rel="canonical")["href"]
    assert canonical == fixture.url


def test_fallback_date_is_marked_uncertain(site: Path) -> None:
    for fixture in FIXTURES:
        doc = soup(site / "articles" / fixture.slug / "index.html")
        uncertain = doc.select_one("article.article .meta .uncertain")
        assert (uncertain is not None) == (fixture.meta["date_source"] == "fallback"), fixture.slug
    undated = soup(site / "articles" / "taiyuan-luliang-undated-exchange" / "index.html")
    assert "date uncertain" in undated.select_one(".meta").get_text()
    assert undated.select_one(".meta a") is None  # no source, no url: nothing to link


def test_untrusted_text_is_escaped(site: Path) -> None:
    raw = (site / "articles" / "xian-silk-road-expo" / "index.html").read_text(encoding="utf-8")
    assert "<with>" not in raw
    assert "&lt;with&gt;" in raw
    assert soup(site / "articles" / "xian-silk-road-expo" / "index.html").h1.get_text() == (
        BY_SLUG["xian-silk-road-expo"].title
    )


def test_html_basics_on_every_page(site: Path) -> None:
    for page in html_files(site):
        text = page.read_text(encoding="utf-8")
        doc = soup(page)
        assert text.startswith("<!DOCTYPE html>"), page
        assert doc.html["lang"] == "en", page
        assert doc.find("meta", charset=True) is not None
        assert doc.find("meta", attrs={"name": "viewport"}) is not None
        assert doc.title and doc.title.get_text().strip(), page
        assert len(doc.find_all("h1")) == 1, page
        skip = doc.find("a", class_="skip-link")
        assert skip is not None and skip["href"] == "#main"
        assert doc.find("main", id="main") is not None
        ids = [tag["id"] for tag in doc.find_all(id=True)]
        assert len(ids) == len(set(ids)), page
        canonical = doc.find_all("link", rel="canonical")
        if page.name == "404.html":
            assert canonical == []
        else:
            assert len(canonical) == 1 and canonical[0]["href"].startswith(TEST_SITEURL + "/")
            assert url_to_file(site, canonical[0]["href"]) == page, page
        assert "http://" not in text.replace("http://www.example.com", ""), page  # no CDN


def test_every_page_links_its_feeds_in_head(site: Path) -> None:
    for page in html_files(site):
        head = soup(page).head
        rss = [link["href"] for link in head.find_all("link", type="application/rss+xml")]
        atom = [link["href"] for link in head.find_all("link", type="application/atom+xml")]
        assert f"{TEST_SITEURL}/feeds/all.rss.xml" in rss, page
        assert f"{TEST_SITEURL}/feeds/all.atom.xml" in atom, page
        for link in head.find_all("link", rel="alternate"):
            assert url_to_file(site, link["href"]).is_file()
    for plural in ("countries", "cities", "regions"):
        for page_dir in (site / plural).iterdir():
            if not page_dir.is_dir():
                continue
            doc = soup(page_dir / "index.html")
            own = f"{TEST_SITEURL}/{plural}/{page_dir.name}/feed.xml"
            assert own in [link["href"] for link in doc.head.find_all("link", rel="alternate")]
            subscribe = doc.find("a", string="Subscribe (RSS)")
            assert subscribe is not None and subscribe["href"] == own
        index = soup(site / plural / "index.html")
        assert index.find("a", string="Subscribe (RSS)") is not None


def test_stylesheet_is_self_contained() -> None:
    css = (Path(__file__).resolve().parents[1] / "theme" / "static" / "css" / "style.css").read_text()
    assert "prefers-color-scheme: dark" in css
    assert "@import" not in css and "url(" not in css


# --------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------
def parse_feed(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    return parsed


def feed_files(site: Path) -> list[Path]:
    return sorted(site.glob("feeds/*.xml")) + sorted(site.glob("*/*/feed.xml"))


def test_every_feed_parses_cleanly(site: Path) -> None:
    feeds = feed_files(site)
    assert len(feeds) > 30
    assert len(feeds) == len(list(site.rglob("*.xml"))) - 1  # all but sitemap.xml
    for path in feeds:
        parsed = parse_feed(path)
        assert parsed.entries, path
        self_links = [lk.href for lk in parsed.feed.links if lk.rel == "self"]
        assert self_links == [f"{TEST_SITEURL}/{path.relative_to(site).as_posix()}"], path


# The W3C feed validator's rules that readers act on (after its validators.py,
# rss.py, item.py, feed.py and entry.py): required elements, RFC 822 dates in
# RSS and RFC 3339 dates in Atom, full URIs, self links matching the feed's
# location, permalink guids, unique ids, no HTML in plain-text elements.
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
W3CDTF = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FULL_URI = re.compile(r"^[a-zA-Z][0-9a-zA-Z+\-.]*://[^/][0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
HTML_END_TAG = re.compile(r"</\w+>")
ATOM = "{http://www.w3.org/2005/Atom}"
GEORSS = "{http://www.georss.org/georss}"


def _plausible(when: datetime) -> bool:
    now = datetime.now(UTC)
    return datetime(1995, 1, 1, tzinfo=UTC) <= when <= now.replace(year=now.year + 1)


def _canonical_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return (
        parts.scheme == parts.scheme.lower()
        and parts.netloc == parts.netloc.lower()
        and not parts.netloc.endswith((":80", ":443"))
        and "%" not in uri
    )


def w3c_feed_problems(path: Path, location: str) -> list[str]:
    """Errors and reader-relevant warnings the W3C validator would give for one feed."""
    problems: list[str] = []
    root = ElementTree.parse(path).getroot()

    def need(parent: ElementTree.Element, tag: str, where: str) -> ElementTree.Element | None:
        found = parent.find(tag)
        if found is None or not ((found.text or "").strip() or found.attrib):
            problems.append(f"{where}: missing {tag}")
            return None
        return found

    def uri(value: str | None, where: str) -> None:
        if not value or not FULL_URI.match(value):
            problems.append(f"{where}: not a full URI: {value!r}")
        elif not _canonical_uri(value):
            problems.append(f"{where}: URI not in canonical form: {value!r}")

    def plain(element: ElementTree.Element | None, where: str) -> None:
        if element is not None and HTML_END_TAG.search(element.text or ""):
            problems.append(f"{where}: contains HTML")

    if root.tag == "rss":
        if root.get("version") != "2.0":
            problems.append("rss version is not 2.0")
        channel = root.find("channel")
        assert channel is not None
        for tag in ("title", "link", "description"):
            need(channel, tag, "channel")
        uri(channel.findtext("link"), "channel/link")
        if channel.findtext("language") not in {"en", "en-gb", "en-us"}:
            problems.append("channel: language")
        selfs = [lk for lk in channel.findall(f"{ATOM}link") if lk.get("rel") == "self"]
        if [lk.get("href") for lk in selfs] != [location]:
            problems.append(f"channel: self link {[lk.get('href') for lk in selfs]} is not {location}")
        if selfs and selfs[0].get("type") != "application/rss+xml":
            problems.append("channel: self link type")
        dates = [channel.findtext("lastBuildDate") or ""]
        guids: set[str] = set()
        for n, item in enumerate(channel.findall("item")):
            where = f"item {n}"
            plain(need(item, "title", where), where + "/title")
            plain(item.find("description"), where + "/description")
            need(item, "description", where)
            link = item.findtext("link")
            uri(link, where + "/link")
            guid = item.find("guid")
            if guid is None:
                problems.append(f"{where}: no guid")
            else:
                if guid.get("isPermaLink") != "true" or guid.text != link:
                    problems.append(f"{where}: guid is not the permalink")
                uri(guid.text, where + "/guid")
                if guid.text in guids:
                    problems.append(f"{where}: duplicate guid")
                guids.add(guid.text or "")
            dates.append(item.findtext("pubDate") or "")
            for category in item.findall("category"):
                if not (category.text or "").strip():
                    problems.append(f"{where}: empty category")
                if category.get("domain") is not None:
                    uri(category.get("domain"), where + "/category@domain")
            for point in item.findall(f"{GEORSS}point"):
                lat, lon = (float(v) for v in (point.text or "").split())
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    problems.append(f"{where}: georss:point out of range")
        for value in dates:
            if not RFC822.match(value):
                problems.append(f"not an RFC 822 date: {value!r}")
            elif not _plausible(parsedate_to_datetime(value)):
                problems.append(f"implausible date: {value!r}")
    elif root.tag == f"{ATOM}feed":
        for tag in ("id", "title", "updated"):
            need(root, f"{ATOM}{tag}", "feed")
        uri(root.findtext(f"{ATOM}id"), "feed/id")
        entries = root.findall(f"{ATOM}entry")
        if root.find(f"{ATOM}author/{ATOM}name") is None and any(
            e.find(f"{ATOM}author") is None for e in entries
        ):
            problems.append("feed: missing author")
        links = root.findall(f"{ATOM}link")
        if [lk.get("href") for lk in links if lk.get("rel") == "self"] != [location]:
            problems.append("feed: self link does not match its location")
        if not [lk for lk in links if lk.get("rel") in (None, "alternate")]:
            problems.append("feed: no alternate link")
        dates = [root.findtext(f"{ATOM}updated") or ""]
        ids: set[str] = set()
        for n, entry in enumerate(entries):
            where = f"entry {n}"
            for tag in ("id", "title", "updated"):
                need(entry, f"{ATOM}{tag}", where)
            plain(entry.find(f"{ATOM}title"), where + "/title")
            plain(entry.find(f"{ATOM}summary"), where + "/summary")
            entry_id = entry.findtext(f"{ATOM}id") or ""
            uri(entry_id, where + "/id")
            if entry_id in ids:
                problems.append(f"{where}: duplicate id")
            ids.add(entry_id)
            alternates = [lk for lk in entry.findall(f"{ATOM}link") if lk.get("rel") in (None, "alternate")]
            if len(alternates) != 1:
                problems.append(f"{where}: needs exactly one alternate link")
            for link in alternates:
                uri(link.get("href"), where + "/link")
            dates += [entry.findtext(f"{ATOM}updated") or "", entry.findtext(f"{ATOM}published") or ""]
            for category in entry.findall(f"{ATOM}category"):
                if not category.get("term"):
                    problems.append(f"{where}: category without term")
        for value in dates:
            if not W3CDTF.match(value):
                problems.append(f"not an RFC 3339 date: {value!r}")
            elif not _plausible(datetime.fromisoformat(value)):
                problems.append(f"implausible date: {value!r}")
    else:
        problems.append(f"unknown feed type {root.tag}")
    return problems


@pytest.mark.parametrize("layout", ["project", "root"])
def test_feeds_follow_the_w3c_validator_rules(layout: str, request: pytest.FixtureRequest) -> None:
    built = request.getfixturevalue("site" if layout == "project" else "root_site")
    siteurl = TEST_SITEURL if layout == "project" else TEST_ROOT_SITEURL
    for path in feed_files(built):
        location = f"{siteurl}/{path.relative_to(built).as_posix()}"
        assert w3c_feed_problems(path, location) == [], path


def test_w3c_rules_catch_bad_feeds(tmp_path: Path) -> None:
    from digest_feeds import FeedItem, FeedSpec, write_feed

    when = datetime(2024, 8, 30, 10, 15, tzinfo=UTC)
    item = FeedItem("A <b>bold</b> title", "https://x.test/a/", when, "Summary", (("China", ""),))
    spec = FeedSpec("rss", "Feed", "Desc", "https://x.test/", "https://x.test/f.xml")
    write_feed(str(tmp_path / "f.xml"), spec, [item, item])
    problems = w3c_feed_problems(tmp_path / "f.xml", "https://x.test/elsewhere.xml")
    assert any("self link" in p for p in problems)
    assert any("contains HTML" in p for p in problems)
    assert any("duplicate guid" in p for p in problems)


def test_city_feed_items_carry_georss_points(site: Path) -> None:
    from digest_converter.gazetteer import load_gazetteer

    root = ElementTree.parse(site / "cities" / "luliang" / "feed.xml").getroot()
    points = [p.text for p in root.iter(f"{GEORSS}point")]
    place = load_gazetteer().get("CN-13512505")
    assert points and set(points) == {f"{place.latitude:.5f} {place.longitude:.5f}"}
    assert len(points) == len(root.findall("channel/item"))
    # Only city feeds carry points (an article's cities are several places).
    for path in (site / "feeds" / "all.rss.xml", site / "countries" / "china" / "feed.xml"):
        text = path.read_text(encoding="utf-8")
        assert "georss" not in text, path
    parsed = feedparser.parse((site / "cities" / "luliang" / "feed.xml").read_bytes())
    assert not parsed.bozo and parsed.entries[0].where["coordinates"] == (place.longitude, place.latitude)


def test_site_rss_feed_items(site: Path) -> None:
    parsed = parse_feed(site / "feeds" / "all.rss.xml")
    assert parsed.version == "rss20"
    newest = FIXTURES[:TEST_FEED_MAX_ITEMS]
    assert [e.guid for e in parsed.entries] == [f.url for f in newest]
    for entry, fixture in zip(parsed.entries, newest, strict=True):
        assert entry.link == fixture.url
        assert entry.title == fixture.title
        assert entry.summary == fixture.meta["summary"]
        assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == fixture.date
        expected_terms = fixture.names("countries") + fixture.names("cities") + fixture.names("regions")
        assert [t.term for t in entry.tags] == expected_terms
    guids = ElementTree.parse(site / "feeds" / "all.rss.xml").getroot().iter("guid")
    assert [(g.text, g.get("isPermaLink")) for g in guids] == [(f.url, "true") for f in newest]
    # lastBuildDate is the newest item's date, with its own offset: not the build time.
    text = (site / "feeds" / "all.rss.xml").read_text(encoding="utf-8")
    assert "<lastBuildDate>Wed, 02 Oct 2024 16:40:00 +0800</lastBuildDate>" in text
    assert parsed.feed.link == f"{TEST_SITEURL}/"


def test_site_atom_feed(site: Path) -> None:
    parsed = parse_feed(site / "feeds" / "all.atom.xml")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [f.url for f in FIXTURES[:TEST_FEED_MAX_ITEMS]]
    assert datetime(*parsed.feed.updated_parsed[:6], tzinfo=UTC) == FIXTURES[0].date


def test_place_feeds_carry_exactly_their_articles(site: Path) -> None:
    for city_id, slug in CITY_SLUGS.items():
        parsed = parse_feed(site / "cities" / slug / "feed.xml")
        expected = articles_with("city_ids", city_id)[:TEST_FEED_MAX_ITEMS]
        assert [e.guid for e in parsed.entries] == [BY_SLUG[s].url for s in expected]
        assert parsed.feed.link == f"{TEST_SITEURL}/cities/{slug}/"
    venezuela = (site / "countries" / "venezuela" / "feed.xml").read_text(encoding="utf-8")
    assert "<pubDate>Mon, 03 Jun 2024 09:00:00 -0400</pubDate>" in venezuela
    china = parse_feed(site / "countries" / "china" / "feed.xml")
    assert len(china.entries) == TEST_FEED_MAX_ITEMS  # capped


def test_write_feed_strips_xml_invalid_characters(tmp_path: Path) -> None:
    from digest_feeds import FeedItem, FeedSpec, clean_text, write_feed

    assert clean_text("a\x00b\x0bc\x1f\ufffed\te") == "abcd\te"
    when = datetime(2024, 8, 30, 10, 15, tzinfo=UTC)
    item = FeedItem("Bad\x01 title", "https://x.test/a/", when, "Sum\x08mary", (("Győr", ""),))
    spec = FeedSpec("rss", "Feed\x02", "Desc", "https://x.test/", "https://x.test/f.xml")
    write_feed(str(tmp_path / "f.xml"), spec, [item])
    parsed = parse_feed(tmp_path / "f.xml")
    assert parsed.entries[0].title == "Bad title"
    assert parsed.entries[0].summary == "Summary"
    empty = FeedSpec("atom", "Empty", "", "https://x.test/", "https://x.test/e.xml")
    write_feed(str(tmp_path / "e.xml"), empty, [])
    assert "<updated>1970-01-01T00:00:00+00:00</updated>" in (tmp_path / "e.xml").read_text()


# --------------------------------------------------------------------------
# Slugs (unit level)
# --------------------------------------------------------------------------
def test_year_pages_split_a_place_by_year_newest_first() -> None:
    """Unit: a place's articles (newest first) cut into years; each year's page keeps the
    same address and articles whatever is added to another year."""
    from datetime import datetime as dt
    from types import SimpleNamespace

    from place_pages import Place, group_by_year

    def art(slug: str, when: str) -> SimpleNamespace:
        return SimpleNamespace(slug=slug, date=dt.fromisoformat(when))

    place = Place("city", "Harbin", "CN-2037013", "CN", slug="harbin")
    dates = {"d": "2025-03-01", "c": "2024-12-31", "b": "2024-01-05", "a": "2022-07-01"}
    place.articles = [art(slug, when) for slug, when in dates.items()]
    years = group_by_year(place, "cities/{slug}/{year}/", "cities/{slug}/{year}/index.html")
    assert [(y.year, y.url, [a.slug for a in y.articles]) for y in years] == [
        (2025, "cities/harbin/2025/", ["d"]),
        (2024, "cities/harbin/2024/", ["c", "b"]),
        (2022, "cities/harbin/2022/", ["a"]),
    ]
    months = [(name, [a.slug for a in arts]) for name, arts in years[1].months]
    assert months == [("December", ["c"]), ("January", ["b"])]
    place.articles.insert(0, art("e", "2025-06-01"))
    again = group_by_year(place, "cities/{slug}/{year}/", "cities/{slug}/{year}/index.html")
    assert [a.slug for a in again[1].articles] == ["c", "b"] and again[1].url == years[1].url


def test_slugs_are_ascii_unique_and_order_independent() -> None:
    from place_pages import Place, assign_slugs

    def make() -> list[Place]:
        return [
            Place("city", "Valencia", "VE-3625549", "VE"),
            Place("city", "Lüliang", "CN-13512505", "CN"),
            Place("city", "Valencia", "ES-2509954", "ES"),
            Place("city", "Győr", "HU-3052009", "HU"),
            Place("city", "Xi'an", "CN-1790630", "CN"),
            Place("city", "Springfield", "US-4409896", "US"),
            Place("city", "Springfield", "US-4250542", "US"),
        ]

    first, second = make(), make()
    assign_slugs(first)
    assign_slugs(list(reversed(second)))
    slugs = {(p.name, p.code): p.slug for p in first}
    assert slugs == {(p.name, p.code): p.slug for p in second}
    assert slugs[("Valencia", "ES-2509954")] == "valencia-es"
    assert slugs[("Valencia", "VE-3625549")] == "valencia-ve"
    assert slugs[("Lüliang", "CN-13512505")] == "luliang"
    assert slugs[("Győr", "HU-3052009")] == "gyor"
    assert slugs[("Xi'an", "CN-1790630")] == "xian"
    assert slugs[("Springfield", "US-4409896")] == "springfield-us-4409896"
    assert len(set(slugs.values())) == len(slugs)


def test_mismatched_codes_fall_back_to_names() -> None:
    from place_pages import KIND_BY_NAME, place_refs

    meta = {"cities": "Lüliang, Cuneo", "city_ids": "CN-13512505"}
    refs = place_refs(meta, KIND_BY_NAME["city"])
    assert [name for _, name in refs] == ["Lüliang", "Cuneo"]
    assert place_refs({"cities": "", "city_ids": ""}, KIND_BY_NAME["city"]) == []
    dup = {"countries": "China, Italy, China", "country_codes": "CN, IT, cn"}
    assert place_refs(dup, KIND_BY_NAME["country"]) == [("CN", "China"), ("IT", "Italy")]


# --------------------------------------------------------------------------
# Whole builds
# --------------------------------------------------------------------------
def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    again = build_site(tmp_path / "again", DIGEST_SEARCH_PAGEFIND=True)  # the search index too
    first = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    _, mismatch, errors = filecmp.cmpfiles(site, again, [str(p) for p in first], shallow=False)
    assert mismatch == [] and errors == []


def test_dev_build_uses_dev_siteurl_for_feeds(tmp_path: Path) -> None:
    out = build_site(tmp_path / "dev", SITEURL="", DIGEST_CNAME="digest.example.org")
    rss = parse_feed(out / "feeds" / "all.rss.xml")
    assert rss.entries[0].link == f"http://localhost:8000/articles/{FIXTURES[0].slug}/"
    home = soup(out / "index.html")
    assert home.find("a", class_="site-title")["href"] == "/"
    assert (out / "CNAME").read_text() == "digest.example.org\n"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DIGEST_FEED_MAX_ITEMS": 0}, "DIGEST_FEED_MAX_ITEMS"),
        ({"DIGEST_FEED_DEV_SITEURL": "localhost:8000"}, "DIGEST_FEED_DEV_SITEURL"),
        ({"DIGEST_CITY_URL": "cities/"}, "DIGEST_CITY_URL"),
        ({"DIGEST_REGION_SAVE_AS": "regions/{name}.html"}, "DIGEST_REGION_SAVE_AS"),
        ({"DIGEST_COUNTRY_FEED_SAVE_AS": "countries/{slug}.rss"}, "DIGEST_COUNTRY_FEED_SAVE_AS"),
        ({"DIGEST_CNAME": "https://digest.example.org/"}, "DIGEST_CNAME"),
        ({"DIGEST_LATEST": 0}, "DIGEST_LATEST"),
        ({"DIGEST_CITY_YEAR_URL": "cities/{slug}/"}, "DIGEST_CITY_YEAR_URL"),
        ({"DIGEST_REGION_YEAR_SAVE_AS": "regions/{slug}/{year}/{month}.html"}, "DIGEST_REGION_YEAR_SAVE_AS"),
        ({"DIRECT_TEMPLATES": ["index", "archives"]}, "DIRECT_TEMPLATES"),
        ({"WITH_FUTURE_DATES": False}, "WITH_FUTURE_DATES"),
        ({"FORMATTED_FIELDS": ["summary"]}, "FORMATTED_FIELDS"),
    ],
)
def test_bad_settings_stop_the_build(tmp_path: Path, override: dict, message: str) -> None:
    from pelican import Pelican

    with pytest.raises(ValueError, match=message):
        Pelican(pelican_settings(tmp_path / "bad", **override))


def test_publishconf_requires_siteurl(monkeypatch: pytest.MonkeyPatch) -> None:
    from pelican.settings import read_settings

    root = Path(__file__).resolve().parents[1]
    monkeypatch.delenv("SITEURL", raising=False)
    with pytest.raises(RuntimeError, match="SITEURL"):
        read_settings(path=str(root / "publishconf.py"))
    monkeypatch.setenv("SITEURL", "https://example.github.io/digest/")
    settings = read_settings(path=str(root / "publishconf.py"))
    assert settings["SITEURL"] == "https://example.github.io/digest"
    assert settings["RELATIVE_URLS"] is False


# --------------------------------------------------------------------------
# Golden files: taxonomy pages and feeds on the fixed fixture sample
# --------------------------------------------------------------------------
# Regenerate after an intended change with:
#   DIGEST_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_site.py -k golden
# and review the diff of tests/fixtures/site_articles/golden/ before committing.
GOLDEN_DIR = SITE_FIXTURES / "golden"
GOLDEN_PAGES = [
    "countries/index.html",
    "cities/index.html",
    "regions/index.html",
    "countries/italy/index.html",
    "countries/china/index.html",
    "cities/luliang/index.html",
    "cities/valencia-es/index.html",
    "regions/shanxi/index.html",
    "regions/jilin/index.html",
    "partnerships/index.html",
]
GOLDEN_FEEDS = [
    "feeds/all.rss.xml",
    "feeds/all.atom.xml",
    "feeds/all.json",
    "countries/italy/feed.xml",
    "cities/luliang/feed.xml",
    "regions/shanxi/feed.xml",
]


def _golden_name(rel: str) -> str:
    return rel.replace("/", "__")


def _main_of(html: str) -> str:
    """The page's <main> element as written (the part a taxonomy page is about)."""
    start = html.index("<main")
    end = html.index("</main>") + len("</main>")
    return html[start:end] + "\n"


@pytest.mark.parametrize("rel", GOLDEN_PAGES + GOLDEN_FEEDS)
def test_golden_taxonomy_pages_and_feeds(site: Path, rel: str) -> None:
    text = (site / rel).read_text(encoding="utf-8")
    actual = _main_of(text) if rel.endswith(".html") else text
    golden = GOLDEN_DIR / _golden_name(rel)
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        pytest.skip(f"golden file written: {golden.name}")
    assert golden.is_file(), f"no golden file {golden}; run with DIGEST_UPDATE_GOLDEN=1"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), "golden", "built", n=2
            )
        )
        pytest.fail(f"{rel} differs from {golden.name}:\n{diff[:4000]}")


# --------------------------------------------------------------------------
# Page weight
# --------------------------------------------------------------------------
ARTICLE_BUDGET = 50_000  # bytes: an article page's HTML without its text, plus its CSS


def test_article_pages_are_light(site: Path) -> None:
    css = sum(p.stat().st_size for p in (site / "theme").rglob("*.css"))
    assert not list((site / "theme").rglob("*.woff*"))
    for fixture in FIXTURES:
        page = site / "articles" / fixture.slug / "index.html"
        html = page.read_bytes()
        body = soup(page).select_one("div.body")
        text = len(body.decode_contents().encode("utf-8")) if body else 0
        weight = len(html) - text + css
        assert weight < ARTICLE_BUDGET, f"{fixture.slug}: {weight} bytes before its text"
        # Article pages load no script (the search page's script is the site's only one).
        assert soup(page).find("script", src=True) is None, fixture.slug


# --------------------------------------------------------------------------
# Related articles, archives, sitemap, Open Graph and JSON-LD
# --------------------------------------------------------------------------
def _place_codes(fixture: Fixture) -> set[str]:
    return {c for key in ("country_codes", "city_ids", "region_codes") for c in fixture.names(key)}


def test_related_articles_share_an_uncommon_place(site: Path) -> None:
    common = {
        code
        for code in set().union(*(_place_codes(f) for f in FIXTURES))
        if sum(code in _place_codes(f) for f in FIXTURES) > len(FIXTURES) / 2
    }
    assert common == {"CN"}
    for fixture in FIXTURES:
        doc = soup(site / "articles" / fixture.slug / "index.html")
        related = [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in doc.select(".related-list a")]
        assert len(related) <= 5 and fixture.slug not in related
        for slug in related:
            assert (_place_codes(fixture) & _place_codes(BY_SLUG[slug])) - common, (fixture.slug, slug)
    # A shared city outranks a shared region or country.
    doc = soup(site / "articles" / "luliang-cuneo-sister-cities" / "index.html")
    first = doc.select_one(".related-list a")["href"]
    assert first == f"{TEST_SITEURL}/articles/cuneo-delegation-visits-luliang/"


def test_month_archives_hold_every_article_once(site: Path) -> None:
    seen: list[str] = []
    for page in sorted((site / "archives").glob("*/*/index.html")):
        year, month = page.parent.parent.name, page.parent.name
        slugs = listed_articles(page)
        for slug in slugs:
            assert BY_SLUG[slug].date.strftime("%Y/%m") == f"{year}/{month}", slug
        seen += slugs
    assert sorted(seen) == sorted(BY_SLUG)
    index = soup(site / "archives" / "index.html")
    months = [a["href"] for a in index.select(".month-list a")]
    assert months == sorted(months, reverse=True)
    assert len(months) == len({f.date.strftime("%Y/%m") for f in FIXTURES})


def test_sitemap_lists_every_page_but_404(site: Path) -> None:
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [u.findtext(f"{ns}loc") for u in root.iter(f"{ns}url")]
    pages = {url_to_file(site, loc).relative_to(site).as_posix() for loc in locs if loc is not None}
    expected = {p.relative_to(site).as_posix() for p in html_files(site)} - {"404.html"}
    assert pages == expected
    assert locs == sorted(locs)
    lastmods = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in root.iter(f"{ns}url")}
    assert lastmods[BY_SLUG["luliang-cuneo-sister-cities"].url] == "2024-08-30T10:15:00+08:00"
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert robots.startswith("User-agent: *\n") and f"Sitemap: {TEST_SITEURL}/sitemap.xml" in robots


def test_open_graph_and_news_article_metadata(site: Path) -> None:
    for fixture in FIXTURES:
        doc = soup(site / "articles" / fixture.slug / "index.html")
        og = {m["property"]: m["content"] for m in doc.find_all("meta", property=True)}
        assert og["og:type"] == "article"
        assert og["og:title"] == fixture.title
        assert og["og:url"] == fixture.url == doc.find("link", rel="canonical")["href"]
        assert og["og:description"] == fixture.meta["summary"]
        data = json.loads(doc.find("script", type="application/ld+json").string)
        assert data["@type"] == "NewsArticle" and data["@context"] == "https://schema.org"
        assert data["headline"] == fixture.title
        assert data["url"] == data["mainEntityOfPage"] == fixture.url
        names = [loc["name"] for loc in data["contentLocation"]]
        assert sorted(names) == sorted(
            fixture.names("countries") + fixture.names("cities") + fixture.names("regions")
        )
        if fixture.meta["date_source"] == "fallback":
            assert "datePublished" not in data and "article:published_time" not in og
        else:
            assert datetime.fromisoformat(data["datePublished"]) == fixture.date
        if "url" in fixture.meta:
            assert data["isBasedOn"] == fixture.meta["url"]
    luliang = soup(site / "articles" / "luliang-cuneo-sister-cities" / "index.html")
    data = json.loads(luliang.find("script", type="application/ld+json").string)
    city = next(loc for loc in data["contentLocation"] if loc["name"] == "Lüliang")
    assert city["@type"] == "City" and city["geo"]["latitude"] == pytest.approx(37.5192)
    for page in html_files(site):
        doc = soup(page)
        assert doc.find("meta", property="og:site_name") is not None, page
        assert doc.find("meta", property="og:title")["content"].strip(), page


def test_json_ld_cannot_be_broken_out_of(site: Path) -> None:
    raw = (site / "articles" / "xian-silk-road-expo" / "index.html").read_text(encoding="utf-8")
    block = raw.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    assert json.loads(block)["headline"] == BY_SLUG["xian-silk-road-expo"].title


# --------------------------------------------------------------------------
# Charts of articles per month
# --------------------------------------------------------------------------
def _dated(fixture: Fixture) -> bool:
    return fixture.meta["date_source"] != "fallback" and fixture.meta["date_precision"] != "none"


def _month_counts(fixtures: list[Fixture]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for f in fixtures:
        if _dated(f):
            counts[f"{f.date.strftime('%B')} {f.date.year}"] += 1
    return dict(counts)


def _chart_of(doc: BeautifulSoup) -> tuple[BeautifulSoup, dict[str, int]]:
    figure = doc.select_one("div.chart")
    assert figure is not None
    svg = figure.find("svg")
    assert svg["role"] == "img"
    title = doc.find(id=svg["aria-labelledby"])
    assert title is not None and title.name == "title" and title.get_text().startswith("Articles per month")
    caption = doc.find(id=svg["aria-describedby"])
    assert caption is not None and caption.name == "figcaption" and caption.get_text().strip()
    rows = {tr.th.get_text(): int(tr.td.get_text()) for tr in figure.select("details.chart-table tbody tr")}
    bars = {
        rect.title.get_text().rsplit(":", 1)[0]: int(rect.title.get_text().rsplit(":", 1)[1])
        for rect in svg.select("rect.bar")
    }
    assert bars == rows
    return figure, rows


@pytest.mark.parametrize(
    ("page", "key", "code"),
    [
        ("cities/luliang", "city_ids", "CN-13512505"),
        ("cities/valencia-es", "city_ids", "ES-2509954"),
        ("countries/china", "country_codes", "CN"),
        ("countries/italy", "country_codes", "IT"),
        ("regions/shanxi", "region_codes", "CN-SX"),
    ],
)
def test_place_pages_chart_articles_per_month(site: Path, page: str, key: str, code: str) -> None:
    fixtures = [BY_SLUG[s] for s in articles_with(key, code)]
    figure, rows = _chart_of(soup(site / page / "index.html"))
    assert rows == _month_counts(fixtures)
    undated = sum(not _dated(f) for f in fixtures)
    caption = figure.figcaption.get_text()
    assert (f"{undated} article" in caption and "uncertain date" in caption) == bool(undated)
    # Every month of the digest has its slot: the same span on every page.
    assert len(soup(site / page / "index.html").select("svg.month-chart text.label")) >= 2


def test_charts_only_on_the_place_page_not_its_year_pages(site: Path) -> None:
    assert soup(site / "countries" / "china" / "index.html").select_one("div.chart") is not None
    assert soup(site / "countries" / "china" / "2024" / "index.html").select_one("div.chart") is None


def test_archives_chart_covers_every_dated_article(site: Path) -> None:
    _figure, rows = _chart_of(soup(site / "archives" / "index.html"))
    assert rows == _month_counts(FIXTURES)
    assert sum(rows.values()) == sum(_dated(f) for f in FIXTURES)


def test_month_archives_go_month_by_month(site: Path) -> None:
    index = soup(site / "archives" / "index.html")
    months = [url_to_file(site, a["href"]) for a in index.select(".month-list a")]
    # From the newest month, "older" links walk every month in turn.
    page, seen = months[0], [months[0]]
    while (older := soup(page).select_one('nav.pagination a[rel="next"]')) is not None:
        page = url_to_file(site, older["href"])
        seen.append(page)
    assert seen == months


def test_chart_svg_unit() -> None:
    from datetime import datetime as dt
    from types import SimpleNamespace

    from digest_charts import chart_block, count_months, month_span

    def art(y: int, m: int, source: str = "page") -> SimpleNamespace:
        return SimpleNamespace(
            date=dt(y, m, 1, tzinfo=UTC), metadata={"date_source": source, "date_precision": "day"}
        )

    span = month_span((2023, 11), (2024, 2))
    assert span == [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]
    data = count_months([art(2023, 11), art(2024, 2), art(2024, 2), art(2024, 1, "fallback")])
    html = str(chart_block(data, span, "Győr <x>", ident="c"))
    assert "Győr &lt;x&gt;" in html and "<x>" not in html
    assert html.count('class="bar"') == 2
    assert "3 dated articles about Győr &lt;x&gt;, from November 2023 to February 2024" in html
    assert "the most in February 2024 (2)" in html and "1 article with an uncertain date not shown" in html
    assert str(chart_block(data, span, "Győr <x>", ident="c")) == html  # deterministic


def test_articles_of_the_same_day_keep_one_order_between_runs() -> None:
    """Pelican reads the files in set order, different on every run; ties go by slug."""
    import random
    from types import SimpleNamespace

    from digest_site import order_articles

    day = datetime(2024, 5, 1, tzinfo=UTC)
    later = datetime(2024, 6, 1, tzinfo=UTC)
    slugs = ["b-visit", "a-visit", "c-visit", "d-visit"]
    articles = [SimpleNamespace(slug=slug, date=day) for slug in slugs]
    articles.append(SimpleNamespace(slug="z", date=later))
    orders = set()
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        generator = SimpleNamespace(
            settings={"ARTICLE_ORDER_BY": "reversed-date"}, articles=shuffled, hidden_articles=[], drafts=[]
        )
        order_articles(generator)
        orders.add(tuple(a.slug for a in generator.articles))
    assert orders == {("z", "a-visit", "b-visit", "c-visit", "d-visit")}


def test_article_urls_set_as_read_match_pelicans_own() -> None:
    """URL and file given as metadata when the patterns need only the slug, else left to Pelican."""
    from digest_site import preset_article_urls

    settings = {"ARTICLE_URL": "articles/{slug}/", "ARTICLE_SAVE_AS": "articles/{slug}/index.html",
                "DEFAULT_LANG": "en"}
    metadata: dict = {"slug": "harbin-visit", "title": "Harbin"}
    preset_article_urls(metadata, settings)
    assert metadata["url"] == "articles/harbin-visit/"
    assert metadata["save_as"] == "articles/harbin-visit/index.html"
    others = ({"slug": "x", "lang": "fr"}, {"title": "no slug"}, {"slug": "x", "url": "custom/"},
              {"slug": "x", "status": "draft"})
    for other in others:
        before = dict(other)
        preset_article_urls(other, settings)
        assert other == before
    dated = {**settings, "ARTICLE_URL": "{date:%Y}/{slug}/"}
    metadata = {"slug": "harbin-visit"}
    preset_article_urls(metadata, dated)
    assert "url" not in metadata


def test_date_line_shows_the_precision_the_source_gave() -> None:
    from types import SimpleNamespace

    from digest_site import date_line

    day = datetime(2024, 5, 7, 9, 30, tzinfo=UTC)
    exact = SimpleNamespace(date=day, metadata={"date_precision": "day", "date_source": "dateline"})
    assert date_line(exact) == '<time datetime="2024-05-07T09:30:00+00:00">7 May 2024</time>'
    month = SimpleNamespace(date=day, metadata={"date_precision": "month"})
    assert date_line(month) == '<time datetime="2024-05-07T09:30:00+00:00">May 2024</time>'
    guessed = SimpleNamespace(date=day, metadata={"date_source": "fallback"})
    assert date_line(guessed).endswith('</time> <span class="uncertain">(date uncertain)</span>')
