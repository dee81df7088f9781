"""Search (plugins/digest_search): Pagefind's index of the built site, the
place spellings it holds, the search page and the search box.

The browser side (typing a query, filters) is in test_browser.py.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from conftest import TEST_SITEURL, build_site, pelican_settings
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
    from digest_search import MAX_SPELLINGS, place_spellings

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
    bundle = site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(FIXTURES)
    for name in ("pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name
    assert len(list((bundle / "fragment").glob("*.pf_fragment"))) == len(FIXTURES)
    assert (bundle / f"pagefind.{entry['languages']['en']['hash']}.pf_meta").is_file()
    assert not (bundle / "pagefind-ui.js").exists()  # the ready-made UI is not shipped


def test_canonical_bundle_names_every_filter_it_holds(site: Path) -> None:
    from digest_search.canonical import read_file

    bundle = site / "pagefind"
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
    assert (root_site / "pagefind" / "pagefind-entry.json").is_file()


def test_search_can_be_switched_off_and_settings_are_checked(tmp_path: Path) -> None:
    from pelican import Pelican

    out = build_site(tmp_path / "nosearch", DIGEST_SEARCH_SAVE_AS="")
    assert not (out / "search").exists() and not (out / "pagefind").exists()
    assert soup(out / "index.html").find("form", class_="site-search") is None
    assert "data-pagefind-body" not in (out / "articles" / FIXTURES[0].slug / "index.html").read_text()
    for override, message in (
        ({"DIGEST_SEARCH_BUNDLE_DIR": "../x"}, "DIGEST_SEARCH_BUNDLE_DIR"),
        ({"DIGEST_SEARCH_PAGEFIND": "yes"}, "DIGEST_SEARCH_PAGEFIND"),
        ({"DIGEST_SEARCH_SAVE_AS": "search/index.txt"}, "DIGEST_SEARCH_SAVE_AS"),
    ):
        with pytest.raises(ValueError, match=message):
            Pelican(pelican_settings(tmp_path / "bad", **override))


def test_pagefind_removes_an_old_bundle(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    stale = tmp_path / "out" / "pagefind" / "fragment" / "en_stale.pf_fragment"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    out = build_site(tmp_path / "out", DIGEST_SEARCH_PAGEFIND=True)
    assert not stale.exists()
    assert len(list((out / "pagefind" / "fragment").glob("*"))) == len(BY_SLUG)
