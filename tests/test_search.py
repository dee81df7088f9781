"""Search (plugins/digest_search): Pagefind's index of the built site, the
place spellings it holds, the search page and the search box.

The index is split by year: the planning is tested on plain data, the
incremental re-indexing on builds of a two-year site, and the search across
the merged years in a browser (the rest of the browser side, typing a query
and the filters, is in test_browser.py).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, SITE_FIXTURES, TEST_SITEURL, build_site, pelican_settings
from test_site import BY_SLUG, FIXTURES, html_files, url_to_file


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --------------------------------------------------------------------------
# Spellings from the gazetteer
# --------------------------------------------------------------------------
def test_place_spellings_invert_the_gazetteer() -> None:
    from digest_search import place_spellings

    spellings = place_spellings(["CN-13512505", "IT-3177700", "CN-SX", "KZ", "~nowhere", "XX-0"])
    assert {"Lvliang", "Lyuliang", "Luliang"} <= set(spellings["CN-13512505"])
    assert "Shansi" in spellings["CN-SX"]
    assert "Kazakh" in spellings["KZ"]
    assert "~nowhere" not in spellings and "XX-0" not in spellings
    assert place_spellings([]) == {}


def test_place_spellings_order_and_cap() -> None:
    from digest_search import place_spellings

    from digest_converter.gazetteer import MAX_SPELLINGS

    hit = SimpleNamespace
    place = hit(key="CN-1")
    gazetteer = SimpleNamespace(
        names={
            "zz garble": [hit(place=place, strength="garble")],
            "beijing": [hit(place=place, strength="name")],
            "peking": [hit(place=place, strength="alias"), hit(place=hit(key="CN-2"), strength="name")],
            **{f"name {i:03d}": [hit(place=place, strength="alias")] for i in range(60)},
        }
    )
    found = place_spellings(["CN-1"], gazetteer)["CN-1"]
    assert found[0] == "Beijing" and found[1] == "Peking"
    assert len(found) == MAX_SPELLINGS and "Zz Garble" not in found


# --------------------------------------------------------------------------
# What the article pages give Pagefind
# --------------------------------------------------------------------------
def test_article_pages_mark_body_filters_and_spellings(site: Path) -> None:
    for fixture in FIXTURES:
        doc = soup(site / "articles" / fixture.slug / "index.html")
        bodies = doc.select("[data-pagefind-body]")
        assert len(bodies) == 1 and bodies[0].name == "article"
        assert doc.select_one(".related [data-pagefind-body]") is None
        places = json.loads(bodies[0]["data-places"])
        expected = fixture.names("countries") + fixture.names("cities") + fixture.names("regions")
        assert [name for _, name, _ in places] == expected
        for _, _, url in places:
            assert url_to_file(site, f"{TEST_SITEURL}/{url}").is_file()
        filters = {
            (a["data-pagefind-filter"].split("[")[0], a["data-filter"])
            for a in doc.select("[data-pagefind-filter]")
        }
        assert {value.split(",")[0] for kind, value in filters if kind == "country"} == set(
            fixture.names("countries")
        )
        assert {value.split(",")[0] for kind, value in filters if kind == "city"} == set(
            fixture.names("cities")
        )
    doc = soup(site / "articles" / "luliang-cuneo-sister-cities" / "index.html")
    luliang = doc.find("a", attrs={"data-filter": "Lüliang, China"})
    assert luliang["data-pagefind-index-attrs"] == "data-spellings"
    assert "Lvliang" in luliang["data-spellings"].split()
    # Same-name cities are told apart in the city filter.
    values = {
        a["data-filter"]
        for p in html_files(site)
        if "/articles/" in str(p)
        for a in soup(p).select("[data-filter]")
    }
    assert {"Valencia, Spain", "Valencia, Venezuela"} <= values


def test_only_article_pages_are_indexed(site: Path) -> None:
    with_body = {p for p in html_files(site) if "data-pagefind-body" in p.read_text(encoding="utf-8")}
    assert with_body == {site / "articles" / f.slug / "index.html" for f in FIXTURES}


def test_pagefind_bundle_is_written_and_complete(site: Path) -> None:
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["2024"]  # every fixture is of 2024
    bundle = site / "pagefind" / "2024"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(FIXTURES)
    for name in ("pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name
    assert len(list((bundle / "fragment").glob("*.pf_fragment"))) == len(FIXTURES)
    assert (bundle / f"pagefind.{entry['languages']['en']['hash']}.pf_meta").is_file()
    assert not (bundle / "pagefind-ui.js").exists()  # the ready-made UI is not shipped


def test_canonical_bundle_names_every_filter_it_holds(site: Path) -> None:
    from digest_search.canonical import read_file

    bundle = site / "pagefind" / "2024"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    meta = read_file(bundle / f"pagefind.{entry['languages']['en']['hash']}.pf_meta")
    filters = dict(meta[3])
    assert sorted(filters) == ["city", "country", "region"]
    assert sorted(p.stem for p in (bundle / "filter").glob("*.pf_filter")) == sorted(filters.values())
    name, values = read_file(bundle / "filter" / f"{filters['country']}.pf_filter")
    assert name == "country"
    assert [v[0] for v in values] == sorted(v[0] for v in values)
    counts = {v[0]: len(v[1]) for v in values}
    assert counts["China"] == len(FIXTURES) and counts["Kazakhstan"] == 1


def test_cbor_roundtrip() -> None:
    from digest_search.canonical import SIGNATURE, _decode, _encode, encode_file

    value = ["1.5.2", [["en_abc", 184], ["x", 70000]], {"k": [-3, b"\x00", None, True]}, "Győr", 2**40]
    data = _encode(value)
    assert _decode(data, 0) == (value, len(data))
    assert encode_file(value) == encode_file(value)  # no timestamp in the gzip header
    assert SIGNATURE == b"pagefind_dcd"


# --------------------------------------------------------------------------
# The search page and the search box
# --------------------------------------------------------------------------
def test_search_page_works_as_a_form_and_says_what_to_do_without_script(site: Path) -> None:
    doc = soup(site / "search" / "index.html")
    form = doc.find("form", id="search-form")
    assert form["action"] == f"{TEST_SITEURL}/search/" and form["method"] == "get"
    assert (
        form.find("input", attrs={"name": "q"})["id"]
        == doc.find("label", attrs={"for": "search-input"})["for"]
    )
    assert form["data-bundle"] == f"{TEST_SITEURL}/pagefind/"
    assert form["data-shards"] == "2024"
    assert form["data-base"] == "/sub/"
    assert "needs JavaScript" in doc.find("noscript").get_text()
    browse = doc.select_one("section.search-browse")
    hrefs = {a["href"] for a in browse.select("a")}
    assert {f"{TEST_SITEURL}/countries/", f"{TEST_SITEURL}/cities/", f"{TEST_SITEURL}/archives/"} <= hrefs
    script = doc.find("script", src=True)
    assert script["type"] == "module" and url_to_file(site, script["src"]).is_file()
    assert doc.find("form", class_="site-search") is None  # no second box on the search page


def test_every_other_page_has_a_search_box(site: Path) -> None:
    for page in html_files(site):
        if page == site / "search" / "index.html":
            continue
        box = soup(page).find("form", class_="site-search")
        assert box is not None, page
        assert box["action"] == f"{TEST_SITEURL}/search/" and box.find("input")["name"] == "q"
        assert box.find("label")["for"] == box.find("input")["id"]


def test_search_base_path_in_both_layouts(root_site: Path) -> None:
    from digest_search import site_path

    assert site_path({"SITEURL": "https://example.github.io"}) == "/"
    assert site_path({"SITEURL": "https://x.test/a/b/"}) == "/a/b/"
    assert site_path({"SITEURL": ""}) == "/"
    doc = soup(root_site / "search" / "index.html")
    assert doc.find("form", id="search-form")["data-base"] == "/"
    assert (root_site / "pagefind" / "2024" / "pagefind-entry.json").is_file()


def test_search_can_be_switched_off_and_settings_are_checked(tmp_path: Path) -> None:
    from pelican import Pelican

    out = build_site(tmp_path / "nosearch", DIGEST_SEARCH_SAVE_AS="")
    assert not (out / "search").exists() and not (out / "pagefind").exists()
    assert soup(out / "index.html").find("form", class_="site-search") is None
    assert "data-pagefind-body" not in (out / "articles" / FIXTURES[0].slug / "index.html").read_text()
    for override, message in (
        ({"DIGEST_SEARCH_BUNDLE_DIR": "../x"}, "DIGEST_SEARCH_BUNDLE_DIR"),
        ({"DIGEST_SEARCH_BUNDLE_DIR": "."}, "DIGEST_SEARCH_BUNDLE_DIR"),
        ({"DIGEST_SEARCH_PAGEFIND": "yes"}, "DIGEST_SEARCH_PAGEFIND"),
        ({"DIGEST_SEARCH_SAVE_AS": "search/index.txt"}, "DIGEST_SEARCH_SAVE_AS"),
    ):
        with pytest.raises(ValueError, match=message):
            Pelican(pelican_settings(tmp_path / "bad", **override))


def test_pagefind_removes_an_old_bundle(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    # A single bundle from before the index was split by year, and a killed build's leftovers.
    stale = tmp_path / "out" / "pagefind" / "fragment" / "en_stale.pf_fragment"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (tmp_path / "out" / "pagefind" / "pagefind.js").write_bytes(b"old")
    leftover = tmp_path / "out.pagefind-2024.tmp" / "site" / "articles" / "x" / "index.html"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"<html></html>")
    out = build_site(tmp_path / "out", DIGEST_SEARCH_PAGEFIND=True)
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2024"]
    assert len(list((out / "pagefind" / "2024" / "fragment").glob("*"))) == len(BY_SLUG)
    assert not (tmp_path / "out.pagefind-2024.tmp").exists()
    assert [r.getMessage() for r in caplog.records if r.name == "digest_search"] == []


# --------------------------------------------------------------------------
# The index split by year: planning, on plain data
# --------------------------------------------------------------------------
def _article(save_as: str, when: str, translations: tuple[Any, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(
        save_as=save_as, date=datetime.fromisoformat(when), translations=list(translations)
    )


def test_article_pages_and_shards_by_year() -> None:
    from digest_search import article_pages, article_prefix, plan_shards, shard_names

    settings = {"ARTICLE_SAVE_AS": "articles/{slug}/index.html"}
    assert article_prefix(settings) == "articles/"
    french = _article("articles/b-fr/index.html", "2019-05-01T10:00:00+00:00")
    articles = [
        _article("articles/a/index.html", "2024-03-01T10:00:00+00:00"),
        _article("articles/b/index.html", "2019-05-01T10:00:00+00:00", (french,)),
        # Its own time zone decides: 2025 in Beijing, still 2024 in UTC.
        _article("articles/c/index.html", "2025-01-01T00:30:00+08:00"),
        _article("articles/d/index.html", "2024-12-31T23:59:00-05:00"),
        _article("elsewhere/e.html", "2020-01-01T00:00:00+00:00"),  # not an article page
    ]
    pages = article_pages(articles, "articles/")
    assert sorted(pages) == [
        (2019, "articles/b-fr/index.html"),
        (2019, "articles/b/index.html"),
        (2024, "articles/a/index.html"),
        (2024, "articles/d/index.html"),
        (2025, "articles/c/index.html"),
    ]
    shards = plan_shards(pages)
    assert list(shards) == ["2025", "2024", "2019"]  # newest first
    assert shards["2024"] == ("articles/a/index.html", "articles/d/index.html")
    assert shards["2019"] == ("articles/b-fr/index.html", "articles/b/index.html")
    assert shard_names(articles, settings) == ["2025", "2024", "2019"]
    assert plan_shards([]) == {} and shard_names([], settings) == []


def test_stale_shards_and_what_to_remove() -> None:
    from digest_search import stale_shards, unwanted_entries

    fingerprints = {"2024": "new", "2023": "same", "2022": "same", "2021": "x"}
    recorded = {"2024": "old", "2023": "same", "2022": "same", "2020": "gone"}
    present = ["2024", "2023", "2020"]  # 2022's bundle was deleted
    assert stale_shards(fingerprints, recorded, present) == ["2024", "2022", "2021"]
    assert stale_shards(fingerprints, fingerprints, fingerprints) == []
    assert stale_shards(fingerprints, {}, []) == list(fingerprints)
    existing = ["2024", "2020", "fragment", "pagefind.js", "2023"]
    assert unwanted_entries(fingerprints, existing) == ["2020", "fragment", "pagefind.js"]


PAGE = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><title>T</title></head>\n<body><header>Site</header>\n'
    b'<article class="article" data-pagefind-body><h1 data-pagefind-meta="title">Walnuts</h1>\n'
    b'<article class="quote"><p>nested</p></article>\n'
    b'<ul><li><a data-pagefind-filter="city">Cuneo</a></li></ul>\n'
    b"<p>Body text.</p></article>\n"
    b'<section class="related"><ul><li><a href="/x/">Other</a></li></ul></section>\n'
    b"<footer>Footer</footer></body></html>\n"
)


def test_searchable_part_leaves_out_what_follows_the_body() -> None:
    from digest_search import searchable_part

    kept = searchable_part(PAGE)
    assert kept.endswith(b"<p>Body text.</p></article>") and b"nested" in kept
    # The related list changes when another article is added: it does not count.
    assert searchable_part(PAGE.replace(b"Other", b"Another one")) == kept
    assert searchable_part(PAGE.replace(b"Body text", b"Body text changed")) != kept
    assert searchable_part(PAGE.replace(b"<title>T", b"<title>U")) != kept  # the head counts
    # Anything Pagefind could read after the body, or no body at all: the whole page.
    with_meta = PAGE.replace(b"<footer>", b'<footer data-pagefind-meta="x:y">')
    assert searchable_part(with_meta) == with_meta
    without_body = PAGE.replace(b" data-pagefind-body", b"")
    assert searchable_part(without_body) == without_body
    in_text = b"<p>write data-pagefind-body on it</p><footer>x</footer>"
    assert searchable_part(in_text) == in_text
    unclosed = PAGE.replace(b"</p></article>\n<section", b"</p>\n<section")
    assert searchable_part(unclosed) == unclosed


def test_shard_fingerprint_and_state(tmp_path: Path) -> None:
    from digest_search import read_state, shard_fingerprint, state_path, write_state

    for slug in ("a", "b"):
        (tmp_path / "out" / "articles" / slug).mkdir(parents=True)
        (tmp_path / "out" / "articles" / slug / "index.html").write_bytes(PAGE)
    pages = ["articles/b/index.html", "articles/a/index.html"]
    first = shard_fingerprint(tmp_path / "out", pages)
    assert shard_fingerprint(tmp_path / "out", pages[::-1]) == first
    assert shard_fingerprint(tmp_path / "out", pages[:1]) != first
    (tmp_path / "out" / "articles" / "a" / "index.html").write_bytes(PAGE.replace(b"Other", b"New"))
    assert shard_fingerprint(tmp_path / "out", pages) == first
    (tmp_path / "out" / "articles" / "a" / "index.html").write_bytes(PAGE.replace(b"Body", b"Bod"))
    assert shard_fingerprint(tmp_path / "out", pages) != first

    path = state_path(tmp_path / "out")
    assert path == tmp_path / "out.pagefind-state.json"  # beside the output, never published
    header = {"format": 1, "pagefind": "pagefind 1.5.2", "bundle_dir": "pagefind"}
    assert read_state(path, header) == {}
    write_state(path, header, {"2024": "f1", "2019": "f2"})
    assert read_state(path, header) == {"2024": "f1", "2019": "f2"}
    assert read_state(path, {**header, "pagefind": "pagefind 1.6.0"}) == {}  # another Pagefind
    path.write_text("{not json", encoding="utf-8")
    assert read_state(path, header) == {}


# --------------------------------------------------------------------------
# The index split by year: builds
# --------------------------------------------------------------------------
MOVED_TO_2019 = "cuneo-delegation-visits-luliang"  # mentions walnuts and Lüliang
NEW_ARTICLE = """title: Lüliang walnut fair draws growers from Cuneo
date: 2024-11-20T09:00:00+08:00
date_source: sidecar
date_precision: day
source: Shanxi Daily
url: https://www.example.com/shanxi/2024-11-20/walnut-fair.html
countries: China, Italy
country_codes: CN, IT
cities: Lüliang, Cuneo
city_ids: CN-13512505, IT-3177700
regions: Shanxi, Piedmont
region_codes: CN-SX, IT-21
summary: Growers from Cuneo showed their presses at Lüliang's first walnut fair.
slug: luliang-walnut-fair

Growers from Cuneo showed their walnut presses at the first fair in Lüliang.
"""
INDEXED = re.compile(r"^pagefind: indexed (\d{4}) \((\d+) pages?\)")


@contextmanager
def pagefind_log() -> Iterator[list[str]]:
    """The plugin's "pagefind: indexed 2019 (1 page)" lines (logged from its background thread)."""
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    plugin_logger = logging.getLogger("digest_search")
    level = plugin_logger.level
    plugin_logger.addHandler(handler)
    plugin_logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        plugin_logger.removeHandler(handler)
        plugin_logger.setLevel(level)


def indexed(lines: list[str]) -> list[tuple[str, int]]:
    return [(m[1], int(m[2])) for line in lines if (m := INDEXED.match(line))]


def two_year_content(folder: Path) -> Path:
    """The fixture articles, one of them moved to 2019."""
    shutil.copytree(SITE_FIXTURES / "articles", folder / "articles")
    moved = folder / "articles" / f"{MOVED_TO_2019}.md"
    moved.write_text(
        moved.read_text(encoding="utf-8").replace("date: 2024-10-02", "date: 2019-10-02"), encoding="utf-8"
    )
    return folder


def bundle_files(bundle: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(bundle).as_posix(): (p.stat().st_ino, p.read_bytes())
        for p in bundle.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A site of 2019 and 2024, built, then built again into the same folder with one more 2024 article."""
    root = tmp_path_factory.mktemp("sharded")
    content = two_year_content(root / "content")
    out = root / "out"
    with pagefind_log() as first:
        build_site(out, PATH=str(content), DIGEST_SEARCH_PAGEFIND=True)
    before = {year: bundle_files(out / "pagefind" / year) for year in ("2019", "2024")}
    (content / "articles" / "luliang-walnut-fair.md").write_text(NEW_ARTICLE, encoding="utf-8")
    with pagefind_log() as second:
        build_site(out, PATH=str(content), DIGEST_SEARCH_PAGEFIND=True)
    after = {year: bundle_files(out / "pagefind" / year) for year in ("2019", "2024")}
    return SimpleNamespace(
        root=root, content=content, out=out, first=first, second=second, before=before, after=after
    )


def test_adding_an_article_indexes_only_its_year(sharded: SimpleNamespace) -> None:
    out = sharded.out
    assert sorted(indexed(sharded.first)) == [("2019", 1), ("2024", len(FIXTURES) - 1)]
    assert indexed(sharded.second) == [("2024", len(FIXTURES))]
    # 2019's bundle was left alone: the same files (inodes) with the same bytes.
    assert sharded.after["2019"] == sharded.before["2019"]
    entry = json.loads((out / "pagefind" / "2024" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(FIXTURES)
    assert sharded.after["2024"]["pagefind-entry.json"] != sharded.before["2024"]["pagefind-entry.json"]
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2019", "2024"]
    for year in ("2019", "2024"):
        assert (out / "pagefind" / year / "pagefind.js").is_file()
        assert not (out / "pagefind" / year / "pagefind-ui.js").exists()
    state = json.loads((sharded.root / "out.pagefind-state.json").read_text(encoding="utf-8"))
    assert sorted(state["shards"]) == ["2019", "2024"] and state["bundle_dir"] == "pagefind"
    assert not list(sharded.root.glob("*.tmp"))
    form = soup(out / "search" / "index.html").find("form", id="search-form")
    assert form["data-shards"] == "2024 2019"  # newest first


def test_nothing_changed_nothing_indexed(sharded: SimpleNamespace, tmp_path: Path) -> None:
    from digest_search import update_index

    site = tmp_path / "site"
    shutil.copytree(sharded.out / "articles", site / "articles")
    shards = {
        "2024": sorted(
            f"articles/{p.parent.name}/index.html" for p in (site / "articles").glob("*/index.html")
        ),
        "2019": [f"articles/{MOVED_TO_2019}/index.html"],
    }
    shards["2024"].remove(shards["2019"][0])
    assert update_index(site, "pagefind", shards) == ["2024", "2019"]
    # Indexed on their own, the bundles are byte for byte the ones the builds made.
    for year in ("2019", "2024"):
        built = {k: v[1] for k, v in bundle_files(sharded.out / "pagefind" / year).items()}
        again = {k: v[1] for k, v in bundle_files(site / "pagefind" / year).items()}
        assert again == built, year
    assert update_index(site, "pagefind", shards) == []
    shutil.rmtree(site / "pagefind" / "2019")  # a bundle gone missing is made again
    assert update_index(site, "pagefind", shards) == ["2019"]


def test_a_year_without_articles_loses_its_shard(sharded: SimpleNamespace, tmp_path: Path) -> None:
    # A copy of the second build, with its state files, and the 2019 article deleted.
    root = tmp_path / "copy"
    shutil.copytree(sharded.root, root)
    (root / "content" / "articles" / f"{MOVED_TO_2019}.md").unlink()
    with pagefind_log() as lines:
        build_site(root / "out", PATH=str(root / "content"), DIGEST_SEARCH_PAGEFIND=True)
    assert indexed(lines) == []  # 2024's pages did not change
    assert sorted(p.name for p in (root / "out" / "pagefind").iterdir()) == ["2024"]
    state = json.loads((root / "out.pagefind-state.json").read_text(encoding="utf-8"))
    assert sorted(state["shards"]) == ["2024"]
    assert (
        soup(root / "out" / "search" / "index.html").find("form", id="search-form")["data-shards"] == "2024"
    )


def test_a_staged_build_keeps_the_years_it_did_not_index(tmp_path: Path) -> None:
    """Through digest_build (Pelican into a staging folder, then a sync), which deletes
    from staging the files a build did not write: the bundles left alone must survive."""
    from digest_build.site import build_site as staged_build

    content = two_year_content(tmp_path / "content")
    staging, output = tmp_path / "staging", tmp_path / "output"
    staged_build(ROOT, ROOT / "pelicanconf.py", content, staging, output)
    before = bundle_files(output / "pagefind" / "2019")
    (content / "articles" / "luliang-walnut-fair.md").write_text(NEW_ARTICLE, encoding="utf-8")
    result = staged_build(ROOT, ROOT / "pelicanconf.py", content, staging, output)
    assert not result.full and result.sync is not None
    assert not [f for f in result.sync.removed + result.sync.written if f.startswith("pagefind/2019/")]
    assert bundle_files(output / "pagefind" / "2019") == before
    assert "pagefind/2024/pagefind-entry.json" in result.sync.written


def test_no_articles_no_shards(tmp_path: Path) -> None:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    stale = tmp_path / "out" / "pagefind" / "2024" / "pagefind.js"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    out = build_site(tmp_path / "out", PATH=str(tmp_path / "content"), DIGEST_SEARCH_PAGEFIND=True)
    assert not (out / "pagefind").exists()
    doc = soup(out / "search" / "index.html")
    assert doc.find("form", id="search-form")["data-shards"] == ""
    assert "nothing to search" in doc.select_one("main").get_text()


# --------------------------------------------------------------------------
# The merged shards in a real browser
# --------------------------------------------------------------------------
def test_search_across_years_in_a_browser(browser: Any, sharded: SimpleNamespace) -> None:
    from test_browser import SiteServer, _result_links

    server = SiteServer(sharded.out, TEST_SITEURL)
    requested: list[str] = []
    context = browser.new_context()
    try:
        context.route("**/*", lambda route: (requested.append(route.request.url), server.handle(route)))
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{TEST_SITEURL}/search/?q=walnut", wait_until="load")
        # One article of 2019, one of 2024: both found, in one list.
        assert _result_links(
            page, ["/sub/articles/cuneo-delegation-visits-luliang/", "/sub/articles/luliang-walnut-fair/"]
        )
        assert page.locator("#search-status").inner_text() == "2 articles for “walnut”."
        page.get_by_label("Search the digest").fill("Lvliang")
        _result_links(page, 4)
        assert page.locator("#search-status").inner_text() == "4 articles for “Lvliang”."
        # The filters list the places of every year; counts and results span the years.
        page.get_by_label("Search the digest").fill("")
        page.get_by_label("City").select_option("Cuneo, Italy")
        assert _result_links(
            page,
            [
                "/sub/articles/cuneo-delegation-visits-luliang/",
                "/sub/articles/luliang-cuneo-sister-cities/",
                "/sub/articles/luliang-walnut-fair/",
            ],
        )
        assert page.url == f"{TEST_SITEURL}/search/?city=Cuneo%2C+Italy"
        assert "Kazakhstan" in page.get_by_label("Country").inner_text()
        years = {u.split("/pagefind/")[1].split("/")[0] for u in requested if "/pagefind/" in u}
        assert years == {"2019", "2024"}
        assert errors == [] and server.outside == [] and server.missing == []
    finally:
        context.close()


def test_a_year_is_queued_for_indexing_as_soon_as_its_pages_are_written(tmp_path: Path) -> None:
    """Pelican writes article pages newest first: a year's shard can be indexed while the
    older years and the rest of the site are written."""
    from digest_search import IndexJob

    shards = {"2024": ("articles/a/index.html", "articles/b/index.html"), "2019": ("articles/c/index.html",)}
    job = IndexJob(str(tmp_path / "output"), "pagefind", shards)  # not started: only the queue is looked at
    job.page_written("articles/a/index.html")
    assert job.queue.empty()
    job.page_written("articles/b/index.html")
    job.page_written("theme/css/style.css")  # not an article page: ignored
    assert job.queue.get_nowait() == "2024" and job.queue.empty()
    job.close()  # the pages never announced (2019 here) are queued at the end, then the end mark
    job.close()
    assert [job.queue.get_nowait() for _ in range(2)] == ["2019", None] and job.queue.empty()


def test_a_failed_indexing_process_fails_the_build_with_its_report(tmp_path: Path, monkeypatch) -> None:
    """The indexing runs in a process of its own; its death is the build's error, not a hang."""
    import digest_search

    monkeypatch.setattr(digest_search, "_WORKER", "import sys\nsys.stdin.readline()\n"
                        "sys.stderr.write('ERROR pagefind is broken\\n')\nsys.exit(3)\n")
    job = digest_search.IndexJob(str(tmp_path / "output"), "pagefind", {"2024": ("articles/a/index.html",)})
    job.start()
    job.page_written("articles/a/index.html")
    job.close()
    with pytest.raises(RuntimeError, match=r"exit 3.*pagefind is broken"):
        job.finish()


def test_shard_fingerprint_reads_only_pages_whose_stat_changed(tmp_path: Path, monkeypatch) -> None:
    """With the recorded page digests, a build reads the pages it wrote, not all of them; a page
    written again (new time) is read, and the fingerprint is the same as without the record."""
    from digest_search import read_page_digests, shard_fingerprint, state_path, write_state

    out = tmp_path / "out"
    pages = []
    for slug in ("a", "b", "c"):
        (out / "articles" / slug).mkdir(parents=True)
        (out / "articles" / slug / "index.html").write_bytes(PAGE)
        pages.append(f"articles/{slug}/index.html")
    digests: dict = {}
    first = shard_fingerprint(out, pages, digests)
    assert first == shard_fingerprint(out, pages) and sorted(digests) == sorted(pages)
    header = {"format": 2, "pagefind": "pagefind 1.5.2", "bundle_dir": "pagefind"}
    write_state(state_path(out), header, {"2024": first}, digests)
    recorded = read_page_digests(state_path(out), header)
    assert recorded == digests
    read: list[str] = []
    real_read_bytes = Path.read_bytes

    def counting_read_bytes(path: Path) -> bytes:
        read.append(path.relative_to(out).as_posix())
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counting_read_bytes)
    assert shard_fingerprint(out, pages, recorded) == first and read == []
    (out / "articles" / "b" / "index.html").write_bytes(PAGE.replace(b"Body", b"Bod"))
    changed = shard_fingerprint(out, pages, recorded)
    assert read == ["articles/b/index.html"] and changed != first
    monkeypatch.undo()
    assert changed == shard_fingerprint(out, pages)
