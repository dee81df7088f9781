"""JSON Feed, the data export (JSON and CSV) and the partnerships pages.

Expectations come from the fixture Markdown headers (tests/fixtures/site_articles),
read independently of the plugins, as in test_site.py.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import TEST_FEED_MAX_ITEMS, TEST_SITEURL, build_site, pelican_settings
from test_site import BY_SLUG, FIXTURES, url_to_file


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def fixture_partnerships() -> dict[tuple[str, str, str], list[str]]:
    """(chinese key, foreign key, kind) -> slugs of the articles stating it, oldest first."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for fixture in sorted(FIXTURES, key=lambda f: (f.date.timestamp(), f.slug)):
        for entry in fixture.meta.get("partnerships", "").split(";"):
            if entry.strip():
                chinese, foreign, kind = (part.strip() for part in entry.split("/"))
                found.setdefault((chinese, foreign, kind), []).append(fixture.slug)
    return found


# --------------------------------------------------------------------------
# JSON Feed 1.1
# --------------------------------------------------------------------------
def test_json_feed_follows_version_1_1(site: Path) -> None:
    feed = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Diplomacy News Digest"
    assert feed["home_page_url"] == f"{TEST_SITEURL}/"
    assert feed["feed_url"] == f"{TEST_SITEURL}/feeds/all.json"
    assert feed["language"] == "en"
    assert feed["authors"] and all(a["name"] for a in feed["authors"])
    newest = FIXTURES[:TEST_FEED_MAX_ITEMS]
    assert [item["id"] for item in feed["items"]] == [f.url for f in newest]
    for item, fixture in zip(feed["items"], newest, strict=True):
        # 1.1: id is a string, one of content_html/content_text is required.
        assert isinstance(item["id"], str) and item["url"] == item["id"]
        assert item["content_text"]
        assert item["title"] == fixture.title
        assert datetime.fromisoformat(item["date_published"]) == fixture.date
        expected_tags = fixture.names("countries") + fixture.names("cities") + fixture.names("regions")
        assert item.get("tags", []) == expected_tags
        if "url" in fixture.meta:
            assert item["external_url"] == fixture.meta["url"]
        else:
            assert "external_url" not in item
        assert set(item) <= {
            "id",
            "url",
            "external_url",
            "title",
            "content_text",
            "summary",
            "date_published",
            "tags",
        }
        assert url_to_file(site, item["url"]).is_file()
    # Every page announces it next to RSS and Atom.
    home = soup(site / "index.html")
    link = home.head.find("link", type="application/feed+json")
    assert link is not None and link["href"] == f"{TEST_SITEURL}/feeds/all.json"


def test_json_feed_can_be_switched_off_and_is_validated(tmp_path: Path) -> None:
    from pelican import Pelican

    out = build_site(tmp_path / "nojson", DIGEST_FEED_ALL_JSON="", DIGEST_SEARCH_PAGEFIND=False)
    assert not (out / "feeds" / "all.json").exists()
    assert soup(out / "index.html").head.find("link", type="application/feed+json") is None
    with pytest.raises(ValueError, match="DIGEST_FEED_ALL_JSON"):
        Pelican(pelican_settings(tmp_path / "bad", DIGEST_FEED_ALL_JSON="feeds/all.xml"))


# --------------------------------------------------------------------------
# The export: JSON and CSV
# --------------------------------------------------------------------------
def test_json_export_holds_every_article_with_codes_and_coordinates(site: Path) -> None:
    data = json.loads((site / "data" / "digest.json").read_text(encoding="utf-8"))
    assert data["format_version"] == 1
    assert data["article_count"] == len(FIXTURES) == len(data["articles"])
    assert [a["slug"] for a in data["articles"]] == [f.slug for f in FIXTURES]
    for record in data["articles"]:
        fixture = BY_SLUG[record["slug"]]
        assert record["title"] == fixture.title
        assert datetime.fromisoformat(record["date"]) == fixture.date
        assert record["date_precision"] == fixture.meta["date_precision"]
        assert record["source"] == fixture.meta.get("source", "")
        assert record["source_url"] == fixture.meta.get("url", "")
        assert record["url"] == fixture.url
        assert [c["code"] for c in record["countries"]] == fixture.names("country_codes")
        assert [c["name"] for c in record["countries"]] == fixture.names("countries")
        assert [c["id"] for c in record["cities"]] == fixture.names("city_ids")
        assert [r["code"] for r in record["regions"]] == fixture.names("region_codes")
        for city in record["cities"]:
            assert city["country_code"] == city["id"][:2]
            assert -90 <= city["latitude"] <= 90 and -180 <= city["longitude"] <= 180
            assert url_to_file(site, city["url"]).is_file()
        expected = [e.strip() for e in fixture.meta.get("partnerships", "").split(";") if e.strip()]
        assert [f"{p['chinese']}/{p['foreign']}/{p['kind']}" for p in record["partnerships"]] == expected
    luliang = next(c for a in data["articles"] for c in a["cities"] if c["name"] == "Lüliang")
    assert luliang["latitude"] == pytest.approx(37.5192)
    expected_pairs = fixture_partnerships()
    assert data["partnership_count"] == len(expected_pairs) == len(data["partnerships"])
    for record in data["partnerships"]:
        key = (
            record["chinese"]["id" if record["chinese"]["kind"] == "city" else "code"],
            record["foreign"]["id" if record["foreign"]["kind"] == "city" else "code"],
            record["kind"],
        )
        slugs = expected_pairs[key]
        assert record["first"]["url"] == BY_SLUG[slugs[0]].url
        assert record["latest"]["url"] == BY_SLUG[slugs[-1]].url
        assert record["articles"] == [BY_SLUG[s].url for s in slugs]


def test_csv_export_has_one_row_per_article(site: Path) -> None:
    raw = (site / "data" / "digest.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no byte-order mark
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [r["slug"] for r in rows] == [f.slug for f in FIXTURES]
    for row in rows:
        fixture = BY_SLUG[row["slug"]]
        assert row["title"] == fixture.title  # quotes, ampersands, angle brackets survive
        assert row["url"] == fixture.url
        assert row["source_url"] == fixture.meta.get("url", "")
        for column, key in (
            ("countries", "countries"),
            ("country_codes", "country_codes"),
            ("cities", "cities"),
            ("city_ids", "city_ids"),
            ("regions", "regions"),
            ("region_codes", "region_codes"),
        ):
            assert [v for v in row[column].split("; ") if v] == fixture.names(key), (row["slug"], column)
        coordinates = [v for v in row["city_coordinates"].split("; ") if v]
        assert len(coordinates) == len(fixture.names("city_ids"))
        for pair in coordinates:
            lat, lon = (float(v) for v in pair.split())
            assert -90 <= lat <= 90 and -180 <= lon <= 180
        expected = "; ".join(e.strip() for e in fixture.meta.get("partnerships", "").split(";") if e.strip())
        assert row["partnerships"] == expected


def test_about_page_links_the_data_and_feeds(site: Path) -> None:
    about = soup(site / "about" / "index.html")
    hrefs = {a.get_text(): a["href"] for a in about.select("main a")}
    assert hrefs["JSON"] == f"{TEST_SITEURL}/data/digest.json"
    assert hrefs["CSV"] == f"{TEST_SITEURL}/data/digest.csv"
    assert hrefs["JSON Feed"] == f"{TEST_SITEURL}/feeds/all.json"
    for href in hrefs.values():
        if href.startswith(TEST_SITEURL):
            assert url_to_file(site, href).is_file(), href


def test_export_settings_are_validated(tmp_path: Path) -> None:
    from pelican import Pelican

    with pytest.raises(ValueError, match="DIGEST_EXPORT_CSV"):
        Pelican(pelican_settings(tmp_path / "bad", DIGEST_EXPORT_CSV="data/digest.txt"))
    with pytest.raises(ValueError, match="DIGEST_EXPORT_JSON"):
        Pelican(pelican_settings(tmp_path / "bad", DIGEST_EXPORT_JSON="/abs/digest.json"))


# --------------------------------------------------------------------------
# Written in background processes
# --------------------------------------------------------------------------
def test_exports_and_feeds_written_in_the_background_equal_those_written_in_line(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux the exports and feeds are written by forked children (digest_build.background);
    written in the build's own process instead, every byte is the same."""
    from digest_build import background

    monkeypatch.setattr(background, "FORK_AVAILABLE", False)
    inline = build_site(tmp_path / "inline", DIGEST_SEARCH_PAGEFIND=False)
    data = [
        p.relative_to(site)
        for p in site.rglob("*")
        if p.suffix in (".json", ".csv", ".xml") and p.name != "sitemap.xml" and "pagefind" not in p.parts
    ]
    assert len(data) > 20  # the exports, the site feeds and every place's feed
    for rel in data:
        assert (inline / rel).read_bytes() == (site / rel).read_bytes(), rel


def test_a_failed_export_fails_the_build(tmp_path: Path) -> None:
    """The child's error reaches the build, which stops (one of the exports cannot be written)."""
    from pelican import Pelican

    from digest_build.background import BackgroundJobError

    output = tmp_path / "out"
    (output / "data" / "digest.csv").mkdir(parents=True)  # a folder where the file goes
    with pytest.raises(BackgroundJobError, match="digest_export"):
        Pelican(pelican_settings(output)).run()


# --------------------------------------------------------------------------
# Partnerships
# --------------------------------------------------------------------------
def test_parse_partnerships_skips_malformed_entries(caplog: pytest.LogCaptureFixture) -> None:
    from digest_partnerships import PartnershipRef, parse_partnerships

    caplog.set_level(logging.WARNING)
    value = (
        "CN-1/IT-2/sister-city; nonsense ; CN-1/IT-2/sister-city;CN-SX/IT-21/alliance; ; "
        "CN-SX / IT-21 / letter-of-intent"
    )
    assert parse_partnerships(value, "x.md") == [
        PartnershipRef("CN-1", "IT-2", "sister-city"),
        PartnershipRef("CN-SX", "IT-21", "letter-of-intent"),
    ]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "nonsense" in messages and "alliance" in messages
    assert parse_partnerships("", "x") == parse_partnerships(None, "x") == []


def test_partnerships_page_lists_every_pair_with_first_and_latest_evidence(site: Path) -> None:
    page = site / "partnerships" / "index.html"
    doc = soup(page)
    items = doc.select("ul.partnership-list > li")
    expected = fixture_partnerships()
    assert len(items) == len(expected) == 4
    groups = [h2.get_text() for h2 in doc.select("section.partnership-group h2")]
    assert groups == sorted(groups) == ["Germany", "Hungary", "Italy"]
    sister = doc.find("li", id="city-luliang--city-cuneo--sister-city")
    assert sister is not None
    links = [a["href"] for a in sister.select("a")]
    assert links[:2] == [f"{TEST_SITEURL}/cities/luliang/", f"{TEST_SITEURL}/cities/cuneo/"]
    slugs = expected[("CN-13512505", "IT-3177700", "sister-city")]
    assert slugs == ["luliang-cuneo-sister-cities", "cuneo-delegation-visits-luliang"]
    assert links[2:] == [BY_SLUG[slugs[0]].url, BY_SLUG[slugs[-1]].url]
    assert "sister cities" in sister.select_one(".kind").get_text()
    assert "2 articles" in sister.get_text()
    region = doc.find("li", id="region-jilin--region-gyor-moson-sopron--memorandum-of-understanding")
    assert region is not None and "memorandum of understanding" in region.get_text()
    nav = doc.find("nav", attrs={"aria-label": "Main"})
    assert nav.find("a", string="Partnerships")["aria-current"] == "page"


@pytest.mark.parametrize(
    ("page", "partners"),
    [
        ("cities/luliang", ["Cuneo"]),
        ("cities/cuneo", ["Lüliang"]),
        ("cities/changchun", ["Győr"]),
        ("regions/jilin", ["Győr-Moson-Sopron"]),
        ("regions/gyor-moson-sopron", ["Jilin"]),
        ("cities/taiyuan", []),
        ("regions/shanxi", []),
    ],
)
def test_city_and_region_pages_list_their_partners(site: Path, page: str, partners: list[str]) -> None:
    doc = soup(site / page / "index.html")
    section = doc.select_one("section.partners")
    if not partners:
        assert section is None
        return
    names = [li.a.get_text() for li in section.select("ul.partner-list > li")]
    assert names == partners
    for a in section.select("a"):
        assert url_to_file(site, a["href"]).is_file()


def test_bad_partnership_keys_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / "content" / "articles"
    src.mkdir(parents=True)
    text = (
        Path(__file__).parent / "fixtures" / "site_articles" / "articles" / "luliang-cuneo-sister-cities.md"
    ).read_text(encoding="utf-8")
    text = text.replace(
        "partnerships: CN-13512505/IT-3177700/sister-city",
        "partnerships: CN-13512505/FR-2988507/sister-city; CN-SX/IT-21/friendship-city",
    )
    (src / "a.md").write_text(text, encoding="utf-8")
    caplog.set_level(logging.WARNING)
    out = build_site(tmp_path / "out", PATH=str(tmp_path / "content"), DIGEST_SEARCH_PAGEFIND=False)
    assert "FR-2988507 is not among" in caplog.text
    data = json.loads((out / "data" / "digest.json").read_text(encoding="utf-8"))
    assert [(p["chinese"]["code"], p["foreign"]["code"]) for p in data["partnerships"]] == [
        ("CN-SX", "IT-21")
    ]
