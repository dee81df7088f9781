"""The whole chain on the project's own samples: raw articles -> converter -> Pelican -> pages and feeds."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, build_site

from digest_converter.pipeline import convert_tree
from digest_converter.review import read_header

SITEURL = "https://digest.example.org/sub"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    content = tmp_path_factory.mktemp("content")
    report = convert_tree(ROOT / "content" / "raw", content / "articles", progress=False)
    assert report.count("error") == 0
    headers = [read_header(p) for p in sorted((content / "articles").glob("*.md"))]
    output = build_site(
        tmp_path_factory.mktemp("output"), PATH=str(content), SITEURL=SITEURL, DIGEST_FEED_MAX_ITEMS=100
    )
    return output, headers


def _links(page: Path) -> set[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    return {a["href"] for a in soup.find_all("a", href=True)}


def test_every_sample_has_an_article_page(chain: tuple[Path, list[dict[str, str]]]) -> None:
    output, headers = chain
    for meta in headers:
        page = output / "articles" / meta["slug"] / "index.html"
        assert page.is_file(), meta["raw"]
        text = page.read_text(encoding="utf-8")
        assert (
            meta["title"].replace("&", "&amp;").replace("'", "&#39;") in text
            or meta["title"].replace("&", "&amp;") in text
        )


def test_article_links_to_its_country_and_city_pages(chain: tuple[Path, list[dict[str, str]]]) -> None:
    output, headers = chain
    harbin = [m for m in headers if "Harbin" in m["cities"].split(", ")]
    assert len(harbin) >= 2, "the samples have several Harbin articles"
    for meta in harbin:
        links = _links(output / "articles" / meta["slug"] / "index.html")
        assert f"{SITEURL}/cities/harbin/" in links
        assert f"{SITEURL}/countries/china/" in links


def test_city_page_lists_exactly_its_articles(chain: tuple[Path, list[dict[str, str]]]) -> None:
    output, headers = chain
    expected = {f"{SITEURL}/articles/{m['slug']}/" for m in headers if "Harbin" in m["cities"].split(", ")}
    links = _links(output / "cities" / "harbin" / "index.html")
    assert {link for link in links if "/articles/" in link} == expected


def test_country_index_lists_every_country(chain: tuple[Path, list[dict[str, str]]]) -> None:
    output, headers = chain
    countries = {c.strip() for m in headers for c in m["countries"].split(",") if c.strip()}
    assert len(countries) >= 6
    text = (output / "countries" / "index.html").read_text(encoding="utf-8")
    for name in countries:
        assert name in text


def test_feeds_parse_and_carry_every_article(chain: tuple[Path, list[dict[str, str]]]) -> None:
    output, headers = chain
    feed = feedparser.parse((output / "feeds" / "all.rss.xml").read_bytes())
    assert feed.bozo == 0
    assert {e.link for e in feed.entries} == {f"{SITEURL}/articles/{m['slug']}/" for m in headers}
    city_feed = feedparser.parse((output / "cities" / "harbin" / "feed.xml").read_bytes())
    assert city_feed.bozo == 0
    assert len(city_feed.entries) == sum("Harbin" in m["cities"].split(", ") for m in headers)
