"""Rebuilds do only the work whose inputs changed, and never serve a stale page.

The fixture articles are copied into a temporary content folder and built with
digest_build.site.build_site (Pelican in a subprocess, staging, sync), as
``invoke build`` does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, SITE_FIXTURES

from digest_build.site import build_site

OLD = 1_000_000  # a timestamp far in the past: a file that keeps it was not rewritten


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path, Path]:
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURES / "articles", content / "articles")
    output = tmp_path / "output"
    staging = tmp_path / "staging"
    result = build_site(ROOT, ROOT / "pelicanconf.py", content, staging, output)
    assert not result.skipped and result.full
    for path in output.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    return content, staging, output


def build(content: Path, staging: Path, output: Path):
    return build_site(ROOT, ROOT / "pelicanconf.py", content, staging, output)


def rewritten(output: Path) -> set[str]:
    return {
        p.relative_to(output).as_posix()
        for p in output.rglob("*")
        if p.is_file() and p.stat().st_mtime != OLD
    }


def test_nothing_changed_means_no_build(site) -> None:
    content, staging, output = site
    result = build(content, staging, output)
    assert result.skipped
    assert rewritten(output) == set()


def test_files_rewritten_with_the_same_bytes_mean_no_build(site) -> None:
    """The converter rewrites its manifest on every run; new times alone are no change."""
    content, staging, output = site
    for path in content.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (OLD * 3, OLD * 3))
    assert build(content, staging, output).skipped
    assert build(content, staging, output).skipped
    assert rewritten(output) == set()


def test_editing_one_article_updates_its_pages_and_leaves_the_others(site) -> None:
    content, staging, output = site
    article = content / "articles" / "chengdu-hamburg-rail-link.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "title: Chengdu and Hamburg mark ten years of freight rail link",
            "title: Chengdu and Hamburg celebrate a decade of rail freight",
        ),
        encoding="utf-8",
    )
    result = build(content, staging, output)
    assert not result.skipped and not result.full
    changed = rewritten(output)
    page = "articles/chengdu-hamburg-rail-link/index.html"
    assert page in changed
    assert "celebrate a decade of rail freight" in (output / page).read_text(encoding="utf-8")
    for listing in ("index.html", "cities/hamburg/index.html", "countries/germany/index.html"):
        assert "celebrate a decade of rail freight" in (output / listing).read_text(encoding="utf-8")
    feed = feedparser.parse((output / "feeds" / "all.rss.xml").read_bytes())
    assert any(e.title == "Chengdu and Hamburg celebrate a decade of rail freight" for e in feed.entries)
    # An article sharing no place with it keeps its page untouched.
    assert "articles/jilin-kenya-agriculture-talks/index.html" not in changed


def test_a_new_article_appears_everywhere_it_belongs(site) -> None:
    content, staging, output = site
    source = (content / "articles" / "chengdu-hamburg-rail-link.md").read_text(encoding="utf-8")
    new = (
        source.replace("slug: chengdu-hamburg-rail-link", "slug: chengdu-hamburg-new-route")
        .replace(
            "title: Chengdu and Hamburg mark ten years of freight rail link",
            "title: A new Chengdu to Hamburg route opens",
        )
        .replace("date: 2024-03-01T00:00:00+08:00", "date: 2025-01-15T00:00:00+08:00")
        .replace("raw: 2024/03/chengdu-hamburg.html", "raw: 2025/01/new-route.html")
    )
    (content / "articles" / "chengdu-hamburg-new-route.md").write_text(new, encoding="utf-8")
    result = build(content, staging, output)
    assert not result.skipped and not result.full
    assert (output / "articles" / "chengdu-hamburg-new-route" / "index.html").is_file()
    for listing in ("index.html", "cities/hamburg/index.html", "cities/chengdu/index.html"):
        assert "A new Chengdu to Hamburg route opens" in (output / listing).read_text(encoding="utf-8")
    city_feed = feedparser.parse((output / "cities" / "hamburg" / "feed.xml").read_bytes())
    assert city_feed.entries[0].title == "A new Chengdu to Hamburg route opens"


def test_a_removed_article_leaves_no_page_behind(site) -> None:
    content, staging, output = site
    (content / "articles" / "jilin-kenya-agriculture-talks.md").unlink()
    result = build(content, staging, output)
    assert result.full
    assert not (output / "articles" / "jilin-kenya-agriculture-talks").exists()
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "jilin-kenya-agriculture-talks" not in index


def test_a_cache_left_unfinished_by_a_killed_build_is_read_again(site) -> None:
    """Pelican cannot load a truncated reader cache; the next build drops it and goes on."""
    content, staging, output = site
    cache = staging.with_name(staging.name + ".pelican-cache") / "ArticlesGenerator"
    cache.write_bytes(b"")  # killed between opening the file and writing to it
    article = content / "articles" / "chengdu-hamburg-rail-link.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result = build(content, staging, output)
    assert not result.skipped and not result.full
    page = (output / "articles" / "chengdu-hamburg-rail-link" / "index.html").read_text(encoding="utf-8")
    assert "One more line." in page
    assert cache.read_bytes().endswith(b".")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_incremental_build_equals_a_full_build(site, tmp_path: Path) -> None:
    """The proof that skipping never serves a stale page: after an edit, an addition and a
    retagging, the incrementally rebuilt site is byte-identical to one built from nothing."""
    content, staging, output = site
    articles = content / "articles"
    hamburg = articles / "chengdu-hamburg-rail-link.md"
    text = hamburg.read_text(encoding="utf-8")
    hamburg.write_text(
        text.replace(
            "title: Chengdu and Hamburg mark ten years of freight rail link",
            "title: Chengdu and Hamburg mark a decade of freight trains",
        ),
        encoding="utf-8",
    )
    (articles / "chengdu-hamburg-second.md").write_text(
        text.replace("slug: chengdu-hamburg-rail-link", "slug: chengdu-hamburg-second")
        .replace("title: Chengdu and Hamburg mark ten years of freight rail link", "title: Second train")
        .replace("date: 2024-03-01T00:00:00+08:00", "date: 2024-03-02T00:00:00+08:00"),
        encoding="utf-8",
    )
    # Retagged by an editor: Almaty loses its only article, so its pages must go.
    xian = articles / "xian-silk-road-expo.md"
    xian.write_text(
        xian.read_text(encoding="utf-8")
        .replace("cities: Xi'an, Almaty", "cities: Xi'an")
        .replace("city_ids: CN-1790630, KZ-1526384", "city_ids: CN-1790630"),
        encoding="utf-8",
    )
    assert not build(content, staging, output).full
    assert not (output / "cities" / "almaty").exists()
    fresh = tmp_path / "fresh"
    build_site(ROOT, ROOT / "pelicanconf.py", content, fresh / "staging", fresh / "output")
    assert _tree(output) == _tree(fresh / "output")


def test_year_pages_stay_put_and_match_a_full_build(tmp_path: Path) -> None:
    """With places long enough for year pages: an article added to another year leaves the
    2024 pages of its places untouched (their address keeps showing the same articles), and
    the incrementally rebuilt site is byte-identical to one built from nothing."""
    conf = tmp_path / "smallconf.py"
    conf.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa: F403\n"
        f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\nDIGEST_LATEST = 2\n",
        encoding="utf-8",
    )
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURES / "articles", content / "articles")
    source = (content / "articles" / "chengdu-hamburg-rail-link.md").read_text(encoding="utf-8")

    def rail_article(slug: str, title: str, date: str) -> None:
        (content / "articles" / f"{slug}.md").write_text(
            source.replace("slug: chengdu-hamburg-rail-link", f"slug: {slug}")
            .replace("title: Chengdu and Hamburg mark ten years of freight rail link", f"title: {title}")
            .replace("date: 2024-03-01T00:00:00+08:00", f"date: {date}")
            .replace("raw: 2024/03/chengdu-hamburg.html", f"raw: {slug}.html"),
            encoding="utf-8",
        )

    rail_article("rail-2019-spring", "Rail link in spring 2019", "2019-03-01T00:00:00+08:00")
    staging, output = tmp_path / "staging", tmp_path / "output"
    assert build_site(ROOT, conf, content, staging, output).full
    assert (output / "countries" / "china" / "2024" / "index.html").is_file()
    for path in output.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    rail_article("rail-2019-autumn", "Rail link in autumn 2019", "2019-10-01T00:00:00+08:00")
    assert not build_site(ROOT, conf, content, staging, output).full
    changed = rewritten(output)
    assert "countries/china/2019/index.html" in changed and "countries/china/index.html" in changed
    assert "autumn 2019" in (output / "countries" / "china" / "2019" / "index.html").read_text("utf-8")
    assert "countries/china/2024/index.html" not in changed  # same articles, same neighbours
    assert "articles/luliang-cuneo-sister-cities/index.html" not in changed
    fresh = tmp_path / "fresh"
    build_site(ROOT, conf, content, fresh / "staging", fresh / "output")
    assert _tree(output) == _tree(fresh / "output")


def test_a_setting_that_changes_reading_reaches_unchanged_articles(tmp_path: Path) -> None:
    """Pelican's content cache keeps each article as read; a settings change empties it."""
    conf = tmp_path / "conf.py"

    def write_conf(sanitise: bool) -> None:
        conf.write_text(
            f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa: F403\n"
            f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
            f"DIGEST_SANITIZE = {sanitise}\n",
            encoding="utf-8",
        )

    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURES / "articles", content / "articles")
    article = content / "articles" / "chengdu-hamburg-rail-link.md"
    extra = "\n<del>struck</del> <iframe></iframe>\n"
    article.write_text(article.read_text(encoding="utf-8") + extra, "utf-8")
    staging, output = tmp_path / "staging", tmp_path / "output"
    page = output / "articles" / "chengdu-hamburg-rail-link" / "index.html"
    write_conf(True)
    build_site(ROOT, conf, content, staging, output)
    assert "<del>struck</del>" in page.read_text("utf-8") and "<iframe" not in page.read_text("utf-8")
    write_conf(False)
    assert not build_site(ROOT, conf, content, staging, output).full
    assert "<iframe" in page.read_text("utf-8")


def test_the_output_shares_pages_with_staging_and_builds_replace_them_whole(site) -> None:
    """A full build links its pages into the output instead of copying 400 MB at 10k
    articles; the next build renames new pages over the staging copies, so the output's
    copy changes only when the sync puts the new page in its place."""
    content, staging, output = site
    rel = "articles/chengdu-hamburg-rail-link/index.html"
    assert (output / rel).stat().st_ino == (staging / rel).stat().st_ino
    theme_file = next(p for p in (output / "theme").rglob("*") if p.is_file())
    staged_theme_file = staging / theme_file.relative_to(output)
    assert theme_file.stat().st_ino != staged_theme_file.stat().st_ino  # Pelican rewrites these in place
    old_inode = (staging / rel).stat().st_ino
    article = content / "articles" / "chengdu-hamburg-rail-link.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    build(content, staging, output)
    assert (staging / rel).stat().st_ino != old_inode  # a new file, not the old one rewritten
    assert "A new paragraph." in (output / rel).read_text(encoding="utf-8")
    assert not [p for p in output.rglob("*.tmp")] and not [p for p in staging.rglob("*.tmp")]


def test_a_chart_drawn_on_demand_keys_its_page_by_its_counts() -> None:
    """A place's chart is drawn only for pages being rendered; the page key sees its counts."""
    import sys
    from collections import Counter

    if str(ROOT / "plugins") not in sys.path:
        sys.path.insert(0, str(ROOT / "plugins"))
    from digest_charts import MonthChart, MonthCounts, chart_block
    from incremental import page_key

    span = [(2024, m) for m in range(1, 7)]

    def chart(may: int) -> MonthChart:
        return MonthChart(MonthCounts(Counter({(2024, 5): may, (2024, 1): 2}), 0), span, "Harbin")

    def key(value: MonthChart) -> str:
        kwargs = {"place_extras": {"month_chart": value}}
        return page_key("site", "cities/harbin/index.html", "city", kwargs, {})

    assert key(chart(3)) == key(chart(3)) != key(chart(4))
    drawn = chart(3)
    assert str(drawn) == drawn.__html__() == str(chart_block(drawn.data, span, "Harbin"))


def test_a_draft_stays_at_its_draft_address(tmp_path: Path) -> None:
    """A draft is built at Pelican's DRAFT_* address (it stopped the build before: Pelican
    writes it with a category, which articles here do not have), listed nowhere."""
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURES / "articles", content / "articles")
    source = (content / "articles" / "chengdu-hamburg-rail-link.md").read_text(encoding="utf-8")
    (content / "articles" / "draft.md").write_text(
        source.replace("slug: chengdu-hamburg-rail-link", "slug: unfinished-visit\nstatus: draft"),
        encoding="utf-8",
    )
    output = tmp_path / "output"
    build_site(ROOT, ROOT / "pelicanconf.py", content, tmp_path / "staging", output)
    assert (output / "drafts" / "unfinished-visit" / "index.html").is_file()
    assert not (output / "articles" / "unfinished-visit").exists()
    assert "unfinished-visit" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "unfinished-visit" not in (output / "index.html").read_text(encoding="utf-8")


def test_a_link_to_an_article_added_later_works_once_it_is_added(site) -> None:
    """Cached articles are pointed at the current build (Pelican's "generator" cache keeps
    the context of the build that read them), and a page whose text links to other content
    is keyed on the resolved text: the unchanged article's page is rendered again."""
    content, staging, output = site
    articles = content / "articles"
    linking = articles / "jilin-kenya-agriculture-talks.md"
    linking.write_text(
        linking.read_text(encoding="utf-8") + "\nSee also [the follow-up]({filename}follow-up.md).\n",
        encoding="utf-8",
    )
    build(content, staging, output)
    page = output / "articles" / "jilin-kenya-agriculture-talks" / "index.html"
    assert "{filename}follow-up.md" in page.read_text(encoding="utf-8")  # no such article yet

    source = (articles / "chengdu-hamburg-rail-link.md").read_text(encoding="utf-8")
    (articles / "follow-up.md").write_text(
        source.replace("slug: chengdu-hamburg-rail-link", "slug: jilin-kenya-follow-up"), encoding="utf-8"
    )
    result = build(content, staging, output)
    assert not result.full
    text = page.read_text(encoding="utf-8")
    assert "{filename}" not in text
    assert 'href="/articles/jilin-kenya-follow-up/"' in text


def test_an_article_keeps_the_digest_of_its_description_unless_it_links_to_others() -> None:
    """The digest stored on an article as it is read (and cached with it) is the one a page
    key would work out; an article linking to other content is described anew every time."""
    from types import SimpleNamespace

    from incremental import STORED_DIGEST, _describe, store_content_digests

    def article(text: str) -> SimpleNamespace:
        return SimpleNamespace(
            slug="a",
            title="A",
            date="2024-05-01",
            _content=text,
            metadata={"source": "Xinhua"},
            _get_intrasite_link_regex=lambda: __import__("re").compile(r'href="\{filename\}'),
        )

    plain, linking = article("<p>Talks.</p>"), article('<a href="{filename}b.md">b</a>')
    store_content_digests(SimpleNamespace(articles=[plain, linking]))
    assert getattr(plain, STORED_DIGEST) == _describe(article("<p>Talks.</p>"), 1, {})
    assert not hasattr(linking, STORED_DIGEST)


def test_the_partnerships_and_map_pages_change_only_with_what_they_show(site) -> None:
    """They are keyed on what they show (ties and their evidence; places and their counts),
    not on every article: an article without ties leaves the partnerships page as it was
    (the map shows Kenya's count, so it changes)."""
    content, staging, output = site
    articles = content / "articles"
    quiet = (articles / "jilin-kenya-agriculture-talks.md").read_text(encoding="utf-8")
    (articles / "kenya-again.md").write_text(
        quiet.replace("slug: jilin-kenya-agriculture-talks", "slug: jilin-kenya-follow-up-talks"),
        encoding="utf-8",
    )
    build(content, staging, output)
    changed = rewritten(output)
    assert "articles/jilin-kenya-follow-up-talks/index.html" in changed
    assert "map/index.html" in changed
    assert not {"partnerships/index.html", "search/index.html"} & changed

    tie = (articles / "chengdu-hamburg-rail-link.md").read_text(encoding="utf-8")
    (articles / "hamburg-again.md").write_text(
        tie.replace("slug: chengdu-hamburg-rail-link", "slug: chengdu-hamburg-tenth-anniversary").replace(
            "date: 2024-03-01T00:00:00+08:00", "date: 2025-02-01T00:00:00+08:00"
        ),
        encoding="utf-8",
    )
    build(content, staging, output)
    changed = rewritten(output)
    assert {"partnerships/index.html", "map/index.html"} <= changed
    page = (output / "partnerships" / "index.html").read_text(encoding="utf-8")
    assert "chengdu-hamburg-tenth-anniversary" in page and "(2 articles)" in page
