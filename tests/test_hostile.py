"""Hostile and broken input: every raw file ends as one article, one duplicate or one named error,
and nothing from a raw page can run in a reader's browser or escape the output folders.

The fixture set is built here, by the tests, not committed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, build_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest_converter.article import convert_file
from digest_converter.pipeline import MANIFEST, convert_tree
from digest_converter.reading import RawFileError
from digest_converter.review import read_header

STORY = (
    "A delegation from Harbin, capital of Heilongjiang province, visited Kazan, Russia on Tuesday "
    "to open a week of trade and culture. The two cities signed a memorandum on tourism, student "
    "exchanges and the export of soybeans, and agreed to hold a joint fair every autumn. Officials "
    "from both sides said trade between Heilongjiang and Tatarstan had grown by a fifth last year, "
    "and that a new direct flight would make visits easier for businesses and students alike."
)
OTHER_STORY = (
    "Officials of Qingdao met a business delegation from Shimonoseki, Japan on Monday to discuss "
    "port logistics. The sister cities plan a ferry festival and a forum on green shipping next spring, "
    "with exhibitions of local crafts and food from both places."
)
SCRIPT = "<script>alert('xss')</script>"
TOPICS = [
    "ferry routes",
    "green shipping",
    "student exchanges",
    "football coaching",
    "tea culture",
    "river cleanup",
    "robot factories",
    "opera tours",
    "winter sports",
    "wine imports",
    "hospital twinning",
    "library books",
    "film festivals",
    "bicycle lanes",
    "rice research",
]


def story(i: int) -> str:
    """A distinct short story for fixture ``i`` (distinct enough not to be a near-duplicate)."""
    topic, other = TOPICS[i % len(TOPICS)], TOPICS[(i * 7 + 3) % len(TOPICS)]
    return (
        f"Officials of Qingdao met a delegation from Shimonoseki, Japan to talk about {topic}. "
        f"Report number {i} says the plan covers {other} as well, with {i + 3} projects, "
        f"{i * 11 + 5} visitors, a budget of {i * 13 + 7} million yuan and a second meeting in "
        f"month {i % 12 + 1}. Everyone involved in {topic} and {other} welcomed item {i}."
    )


def page(title: str, body: str, source: str = "Harbin Daily") -> str:
    return f"Harbin Daily\n\n{title}\n\nUpdated: 2024-05-12 09:31 Source: {source}\n\n{body}\n"


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, tuple[str, str]]]:
    """Raw folder, content folder, and {raw name: (status, reason)} after one conversion."""
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    write(raw, "good.txt", page("Harbin and Kazan open a trade week", STORY))
    write(raw, "empty.txt", b"")
    write(raw, "blank.txt", "   \n\n\t  \n")
    write(raw, "binary.txt", bytes(range(256)) * 40)
    write(raw, "huge.txt", "Harbin news. " * (20 * 1024 * 1024 // 13))
    write(
        raw,
        "no-article.html",
        "<html><head><title>x</title></head><body><nav>Home</nav><script>var a=1;</script></body></html>",
    )
    write(raw, "bad-sidecar.txt", page("Qingdao and Shimonoseki plan a ferry festival", story(0)))
    write(raw, "bad-sidecar.json", "{not json")
    write(raw, "typed-sidecar.txt", page("Qingdao port forum on green shipping", story(1)))
    write(raw, "typed-sidecar.json", json.dumps({"date": 20240101, "url": ["x"], "title": None}))
    write(
        raw, "year-1900.txt", "Harbin officials met guests from Kazan, Russia to discuss trade in timber.\n"
    )
    write(raw, "year-1900.json", json.dumps({"date": "1900-01-01"}))
    write(raw, "year-2100.txt", "Harbin officials met guests from Kazan, Russia to discuss trade in grain.\n")
    write(raw, "year-2100.json", json.dumps({"date": "2100-06-01"}))
    write(
        raw,
        "no-place.txt",
        page(
            "A quiet meeting",
            "Officials met on Tuesday and discussed cooperation in several fields, according to a statement.",
        ),
    )
    # The same story saved twice, and a near-identical copy from another outlet.
    write(raw, "copy-a.txt", page("Harbin and Kazan open a trade week", STORY))
    write(
        raw,
        "nested/deeper/copy-b.txt",
        page("Harbin, Kazan trade week opens", STORY.replace("on Tuesday", "this week"), "Xinhua"),
    )
    # Two different stories with one headline: two articles, two slugs.
    write(raw, "same-title-1.txt", page("Friendship week opens", story(11)))
    write(raw, "same-title-2.txt", page("Friendship week opens", story(2)))
    # Script, event handlers, javascript: and data: URLs, broken tags, template syntax.
    write(
        raw,
        "xss.txt",
        page(
            f"Harbin {SCRIPT} visit to Kazan",
            f"{SCRIPT} Harbin <img src=x onerror=alert(1)> met Kazan, Russia. "
            "[click](javascript:alert(1)) <a href='data:text/html,x'>x</a> "
            "{{ 7*7 }} {% include 'base.html' %} <b>broken <i>tags",
        ),
    )
    write(
        raw,
        "xss.html",
        "<html><head><title>Qingdao <script>alert(2)</script> meets Shimonoseki"
        "</title><meta property='og:url' content='javascript:alert(3)'></head><body><article><h1>"
        "Qingdao meets Shimonoseki<script>alert(4)</script></h1><p onclick='alert(5)'>"
        + OTHER_STORY
        + "</p><p><a href='javascript:alert(6)'>more</a> {{ config }}</p>"
        "<iframe src='https://evil.example/'></iframe></article></body></html>",
    )
    write(raw, "xss-sidecar.txt", page("Harbin trade fair", story(12)))
    write(
        raw,
        "xss-sidecar.json",
        json.dumps(
            {
                "title": "</title><script>alert(7)</script>\u0001 Harbin fair",
                "url": "javascript:alert(8)",
                "source": "<img src=x onerror=alert(9)>",
                "date": "2024-05-12",
            }
        ),
    )
    # Paths: slug and title tricks, long and reserved names.
    write(raw, "dots.txt", page("../../../etc/passwd", story(3)))
    write(raw, ("x" * 200) + ".txt", page("A very long file name from Qingdao", story(4)))
    write(raw, "CON.txt", page("Reserved name report from Qingdao", story(5)))
    content = root / "content"
    report = convert_tree(raw, content / "articles", progress=False)
    outcomes = {o.raw: (o.status, o.reason) for o in report.outcomes}
    return raw, content, outcomes


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty"),
        ("blank.txt", "whitespace"),
        ("binary.txt", "binary"),
        ("huge.txt", "too large"),
        ("no-article.html", "no article"),
    ],
)
def test_bad_files_get_one_line_reasons(hostile, name: str, reason: str) -> None:
    status, why = hostile[2][name]
    assert status == "error"
    assert reason in why and "\n" not in why


def test_every_raw_file_has_exactly_one_outcome(hostile) -> None:
    raw, content, outcomes = hostile
    raws = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.suffix in (".txt", ".html")}
    assert set(outcomes) == raws
    written = {read_header(p)["raw"] for p in (content / "articles").glob("*.md")}
    published_or_failed = written | {r for r, (s, _) in outcomes.items() if s in ("error", "duplicate")}
    assert published_or_failed == raws
    assert not written & {r for r, (s, _) in outcomes.items() if s in ("error", "duplicate")}


def test_broken_sidecars_are_reported_and_the_article_kept(hostile) -> None:
    _raw, content, outcomes = hostile
    assert outcomes["bad-sidecar.txt"][0] == "written"
    assert outcomes["typed-sidecar.txt"][0] == "written"
    headers = {read_header(p)["raw"]: read_header(p) for p in (content / "articles").glob("*.md")}
    assert "not valid JSON" in headers["bad-sidecar.txt"]["warnings"]
    typed = headers["typed-sidecar.txt"]
    assert "'date' ignored" in typed["warnings"] and "'url' ignored" in typed["warnings"]
    assert typed["date"].startswith("2024-05-12")  # the page's own date, since the sidecar's was bad


@pytest.mark.parametrize("name", ["year-1900.txt", "year-2100.txt"])
def test_implausible_dates_are_not_used(hostile, name: str) -> None:
    _raw, content, _outcomes = hostile
    headers = {read_header(p)["raw"]: read_header(p) for p in (content / "articles").glob("*.md")}
    meta = headers[name]
    assert meta["date_source"] == "fallback"
    assert not meta["date"].startswith(("1900", "2100"))
    assert "not a plausible publication date" in meta["warnings"]


def test_article_without_places_is_flagged(hostile) -> None:
    _raw, content, _outcomes = hostile
    headers = {read_header(p)["raw"]: read_header(p) for p in (content / "articles").glob("*.md")}
    assert "no place found" in headers["no-place.txt"]["warnings"]


def test_same_story_twice_is_one_article(hostile) -> None:
    outcomes = hostile[2]
    # The first raw path keeps the story; later copies are reported, not published.
    assert outcomes["copy-a.txt"][0] == "written"
    assert outcomes["good.txt"] == ("duplicate", "same story as copy-a.txt")
    assert outcomes["nested/deeper/copy-b.txt"] == ("duplicate", "same story as copy-a.txt")


def test_same_headline_gets_distinct_slugs(hostile) -> None:
    _raw, content, _outcomes = hostile
    headers = {read_header(p)["raw"]: read_header(p) for p in (content / "articles").glob("*.md")}
    slugs = [m["slug"] for m in headers.values()]
    assert len(slugs) == len(set(slugs))
    assert headers["same-title-1.txt"]["slug"] != headers["same-title-2.txt"]["slug"]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)


def test_paths_stay_inside_the_output_folder(hostile) -> None:
    _raw, content, _outcomes = hostile
    articles = content / "articles"
    for path in articles.rglob("*"):
        assert path.resolve().is_relative_to(articles.resolve())
        assert len(path.name) <= 130
        assert path.name.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}
    assert not any(p.name.startswith(".") and p.name.endswith(".tmp") for p in articles.iterdir())


def test_urls_keep_only_http(hostile) -> None:
    _raw, content, _outcomes = hostile
    for path in (content / "articles").glob("*.md"):
        meta = read_header(path)
        assert not meta.get("url") or re.match(r"https?://", meta["url"])


@pytest.fixture(scope="module")
def hostile_site(hostile, tmp_path_factory: pytest.TempPathFactory) -> Path:
    _raw, content, _outcomes = hostile
    return build_site(
        tmp_path_factory.mktemp("hostile-site"), PATH=str(content), SITEURL="https://digest.example.org"
    )


def test_no_content_script_runs_on_any_page(hostile_site: Path) -> None:
    pages = list(hostile_site.rglob("*.html"))
    assert pages
    for page_path in pages:
        soup = BeautifulSoup(page_path.read_text(encoding="utf-8"), "lxml")
        for script in soup.find_all("script"):
            code = script.string or ""
            # Only the theme's own scripts (JSON-LD data, the search page's Pagefind loader),
            # never anything carried in from content, and nothing from another site.
            assert "<" not in code, page_path  # nothing can close the tag early
            if script.get("type") != "application/ld+json":  # data, which may quote the text
                assert "alert(" not in code, page_path
            src = script.get("src")
            assert not src or src.startswith("https://digest.example.org/"), (page_path, src)
        for tag in soup.find_all(True):
            for attr, value in tag.attrs.items():
                assert not attr.lower().startswith("on"), (page_path, tag.name, attr)
                values = value if isinstance(value, list) else [value]
                for item in values:
                    assert not str(item).strip().lower().startswith(("javascript:", "data:")), page_path
        assert not soup.find_all(["iframe", "object", "embed"])


def test_template_syntax_is_shown_as_text(hostile_site: Path) -> None:
    pages = [p for p in hostile_site.rglob("index.html") if "articles" in p.parts]
    texts = [BeautifulSoup(p.read_text(encoding="utf-8"), "lxml").get_text(" ") for p in pages]
    assert any("{{ 7*7 }}" in t for t in texts)  # never evaluated to 49
    assert any("<script>" in t for t in texts)  # shown to the reader as text


def test_feeds_stay_well_formed(hostile_site: Path) -> None:
    feeds = list(hostile_site.rglob("*.xml"))
    assert feeds
    for feed_path in feeds:
        if feed_path.name == "sitemap.xml":
            continue
        data = feed_path.read_bytes()
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data), feed_path
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (feed_path, parsed.get("bozo_exception"))


# ------------------------------------------------------------------ kill and rerun


def test_killed_conversion_then_rerun_finishes_cleanly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    words = STORY.replace(",", "").replace(".", "").split()
    for i in range(150):
        rng = random.Random(i)  # distinct stories: a fixed shuffle of the words per article
        body = " ".join(rng.sample(words, len(words))) + "."
        write(raw, f"batch/{i:03}.txt", page(f"Harbin and Kazan meeting number {i}", body))
    dest = tmp_path / "articles"
    code = (
        "import sys; from pathlib import Path; from digest_converter.pipeline import convert_tree; "
        "convert_tree(Path(sys.argv[1]), Path(sys.argv[2]), progress=False, workers=1)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(raw), str(dest)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(dest.glob("*.md"))) < 5:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert (dest / ".convert.lock").exists()  # the killed run left its lock behind
    report = convert_tree(raw, dest, progress=False)
    assert report.count("error") == 0
    assert not (dest / ".convert.lock").exists()
    assert not list(dest.glob(".*.tmp"))
    mds = sorted(dest.glob("*.md"))
    assert len(mds) == 150
    for md in mds:
        meta = read_header(md)
        assert meta["title"] and meta["raw_sha256"] and md.read_text(encoding="utf-8").endswith("\n")
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    assert len(manifest) == 150


# ------------------------------------------------------------------ property-based

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
REQUIRED = (
    "title",
    "date",
    "date_source",
    "date_precision",
    "countries",
    "country_codes",
    "cities",
    "city_ids",
    "regions",
    "region_codes",
    "summary",
    "slug",
    "raw",
    "raw_sha256",
)


def check_metadata(path: Path, tmp: Path) -> None:
    from datetime import datetime

    from digest_converter.article import render_markdown

    try:
        article = convert_file(path, tmp)
    except RawFileError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    text = render_markdown(article)
    header = text.split("\n\n", 1)[0]
    meta = dict(
        line.split(": ", 1) if ": " in line else (line.rstrip(":"), "") for line in header.splitlines()
    )
    for key in REQUIRED:
        assert key in meta, key
    assert meta["title"].strip() and len(meta["title"]) <= 500
    assert datetime.fromisoformat(meta["date"]).tzinfo is not None
    assert meta["date_source"] in {"sidecar", "page", "text", "fallback"}
    assert SLUG.fullmatch(meta["slug"])
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=2000))
def test_random_text_never_crashes_the_converter(tmp_path: Path, text: str) -> None:
    path = tmp_path / "random.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_metadata(path, tmp_path)


HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<script>",
        "</script>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<meta property='og:title' content='",
        "'>",
        "<a href='javascript:x'>",
        "</a>",
        "<!--",
        "-->",
        "Harbin",
        "Kazan, Russia",
        "Qingdao",
        "2024-05-12",
        "Source: Xinhua",
        "{{ x }}",
        "&amp;",
        "&#0;",
        "<![CDATA[",
        "]]>",
        "\x00",
        "é",
        "中文",
        " ",
        "\n",
        "<br>",
        "<img src=x onerror=y>",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(HTML_PIECES, st.text(max_size=40)), max_size=80))
def test_random_html_never_crashes_the_converter(tmp_path: Path, pieces: list[str]) -> None:
    path = tmp_path / "random.html"
    path.write_bytes("".join(pieces).encode("utf-8", "surrogatepass"))
    check_metadata(path, tmp_path)


# ------------------------------------------------------------------ hand-written HTML in Markdown


def test_html_typed_into_markdown_by_an_editor_is_sanitised(tmp_path: Path) -> None:
    content = tmp_path / "content" / "articles"
    content.mkdir(parents=True)
    (content / "edited.md").write_text(
        "title: Edited by hand\ndate: 2024-05-12T09:31:00+08:00\nslug: edited-by-hand\n"
        "summary: An editor typed HTML into the body.\ncountries: China\ncountry_codes: CN\n\n"
        "Harbin <script>alert(1)</script> news <img src=x onerror=alert(2)> and "
        '<a href="javascript:alert(3)">a link</a> <iframe src="https://evil.example/"></iframe>\n',
        encoding="utf-8",
    )
    output = build_site(
        tmp_path / "site", PATH=str(tmp_path / "content"), SITEURL="https://digest.example.org"
    )
    page = (output / "articles" / "edited-by-hand" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "lxml")
    assert all(s.get("type") == "application/ld+json" for s in soup.find_all("script"))
    assert "onerror" not in page and "javascript:" not in page
    assert not soup.find_all("iframe")
    assert "Harbin" in soup.get_text()


# ------------------------------------------------------------------ killed build


def test_killed_build_then_rerun_finishes_cleanly(tmp_path: Path) -> None:
    from conftest import SITE_FIXTURES

    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURES / "articles", content / "articles")
    staging, output = tmp_path / "staging", tmp_path / "output"
    code = (
        "import sys; from pathlib import Path; from digest_build.site import build_site; "
        "a = [Path(x) for x in sys.argv[1:]]; build_site(a[0], a[1], a[2], a[3], a[4])"
    )
    args = [
        sys.executable,
        "-c",
        code,
        str(ROOT),
        str(ROOT / "pelicanconf.py"),
        str(content),
        str(staging),
        str(output),
    ]
    # Its own session, so the kill takes Pelican (a child of build_site) down too, as Ctrl-C would.
    child = subprocess.Popen(args, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (staging / "articles").exists():
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    from digest_build.site import build_site as build_again

    result = build_again(ROOT, ROOT / "pelicanconf.py", content, staging, output)
    assert not result.skipped  # a killed build vouches for nothing
    assert not list(output.rglob(".*.tmp"))
    pages = sorted((output / "articles").glob("*/index.html"))
    assert len(pages) == len(list((content / "articles").glob("*.md")))
    for page in pages:
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert build_again(ROOT, ROOT / "pelicanconf.py", content, staging, output).skipped


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    import sys as _sys

    _sys.path.insert(0, str(ROOT / "plugins"))
    from digest_export import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("https://evil.example","x")').startswith("'=")
    assert spreadsheet_safe("+1 cmd") == "'+1 cmd"
    assert spreadsheet_safe("Harbin and Kazan") == "Harbin and Kazan"
