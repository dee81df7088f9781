"""Site-wide glue for the diplomacy digest.

* Article metadata: the Markdown contract's ``url`` key is the *original*
  article's address, but Pelican treats a ``url`` metadata key as an override
  of the article's own URL. Before the article object is created, the key is
  moved to ``source_url`` (kept only when it is an http(s) URL), so
  ``article.url`` stays the digest's permalink.
* Pelican's tag/category/author lists are emptied when their pages are off
  (their per-term filtering is quadratic in the number of articles).
* Archives by month: ``DIGEST_MONTH_ARCHIVE_URL`` pages (``archives/2024/08/``)
  and ``DIGEST_YEAR_ARCHIVE_URL`` pages (``archives/2024/``), built in one pass
  (Pelican's own period archives are quadratic in the number of articles and
  stay off). The archives index gets ``archive_years`` in its context.
* ``sitemap.xml`` (every page written in this build, except the 404 page) and
  ``robots.txt`` pointing at it, with absolute URLs.
* GitHub Pages extras at the end of the build: a ``CNAME`` file when
  ``DIGEST_CNAME`` is set, and an empty ``.nojekyll`` when ``DIGEST_NOJEKYLL``.
"""

from __future__ import annotations

import calendar
import functools
import logging
import os
import re
import string
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup
from markupsafe import escape as html_escape
from pelican import signals
from pelican.generators import Generator
from pelican.urlwrappers import Category
from pelican.utils import order_content, sanitised_join

from digest_converter.files import AtomicTextFile

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DIGEST_CNAME": "",
    "DIGEST_NOJEKYLL": True,
    "DIGEST_SITE_DESCRIPTION": "",
    "DIGEST_YEAR_ARCHIVE_URL": "archives/{year}/",
    "DIGEST_YEAR_ARCHIVE_SAVE_AS": "archives/{year}/index.html",
    "DIGEST_MONTH_ARCHIVE_URL": "archives/{year}/{month:02d}/",
    "DIGEST_MONTH_ARCHIVE_SAVE_AS": "archives/{year}/{month:02d}/index.html",
    "DIGEST_SITEMAP": "sitemap.xml",
    "DIGEST_ROBOTS": "robots.txt",
}

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DigestSiteSettingsError(ValueError):
    """A digest_site setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    """Fill in defaults and check the plugin's settings; raise on a bad value."""
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    cname = settings["DIGEST_CNAME"]
    if not isinstance(cname, str):
        raise DigestSiteSettingsError(f"DIGEST_CNAME must be a string, got {cname!r}")
    if cname and not _HOSTNAME.match(cname.lower()):
        raise DigestSiteSettingsError(
            f"DIGEST_CNAME must be a bare host name such as 'digest.example.org' "
            f"(no scheme, path or port), got {cname!r}"
        )
    if not isinstance(settings["DIGEST_NOJEKYLL"], bool):
        raise DigestSiteSettingsError(
            f"DIGEST_NOJEKYLL must be True or False, got {settings['DIGEST_NOJEKYLL']!r}"
        )
    if not isinstance(settings["DIGEST_SITE_DESCRIPTION"], str):
        raise DigestSiteSettingsError("DIGEST_SITE_DESCRIPTION must be a string")
    for key in (
        "DIGEST_YEAR_ARCHIVE_URL",
        "DIGEST_YEAR_ARCHIVE_SAVE_AS",
        "DIGEST_MONTH_ARCHIVE_URL",
        "DIGEST_MONTH_ARCHIVE_SAVE_AS",
    ):
        value = settings[key]
        needs = ("{year}", "{month") if "MONTH" in key else ("{year}",)
        ok = isinstance(value, str) and not value.startswith("/") and all(n in value for n in needs)
        try:
            ok = ok and bool(value.format(year=2024, month=8))
        except (KeyError, IndexError, ValueError):
            ok = False
        if ok and key.endswith("_SAVE_AS"):
            ok = value.endswith(".html")
        if not ok:
            raise DigestSiteSettingsError(
                f"{key} must be a relative path with {' and '.join(needs)} placeholders"
                f"{' ending in .html' if key.endswith('_SAVE_AS') else ''}, got {value!r}"
            )
    for key in ("DIGEST_SITEMAP", "DIGEST_ROBOTS"):
        value = settings[key]
        if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
            raise DigestSiteSettingsError(f"{key} must be a relative path ('' to disable), got {value!r}")
    if settings.get("FORMATTED_FIELDS"):
        # Pelican would rewrite those fields' links after the plugins read them (the stored page
        # digests, the feeds and exports written in the background).
        raise DigestSiteSettingsError(
            f"FORMATTED_FIELDS must be empty (summaries are plain text by contract), "
            f"got {settings['FORMATTED_FIELDS']!r}"
        )
    if (
        settings.get("CACHE_CONTENT")
        and settings.get("CONTENT_CACHING_LAYER") == "generator"
        and not settings.get("WITH_FUTURE_DATES", True)
    ):
        # Pelican only warns: an article dated in the future would be cached as a draft and
        # stay one after its date, until its file changed.
        raise DigestSiteSettingsError(
            "WITH_FUTURE_DATES = False needs CONTENT_CACHING_LAYER = 'reader' "
            "(the 'generator' layer keeps an article's draft status from the day it was read)"
        )


def normalise_metadata(metadata: MutableMapping[str, Any], source: str = "") -> None:
    """Move the contract's ``url`` (the original article) to ``source_url``."""
    raw = metadata.pop("url", None)
    if raw is None:
        return
    value = str(raw).strip()
    if value.startswith(("http://", "https://")):
        metadata["source_url"] = value
    elif value:
        logger.warning("%s: ignoring url %r (not an http(s) URL)", source or "article", value)


def write_pages_extras(output_path: str, cname: str, nojekyll: bool) -> None:
    """Write the GitHub Pages ``CNAME`` and ``.nojekyll`` files when configured."""
    if cname:
        with AtomicTextFile(os.path.join(output_path, "CNAME")) as handle:
            handle.write(cname + "\n")
    if nojekyll:
        with AtomicTextFile(os.path.join(output_path, ".nojekyll")):
            pass


def drop_unwritten_taxonomies(generator: Any) -> None:
    """Empty Pelican's tag/category/author lists when their pages are off.

    Pelican filters ``dates`` per tag, category and author even when it writes
    no page for them, which is quadratic in the number of articles (every
    article shares the one default category). The digest's taxonomies are
    places (plugins/place_pages), so there is nothing to lose.
    """
    settings = generator.settings
    if not settings.get("TAG_SAVE_AS"):
        generator.tags = {}
    if not settings.get("CATEGORY_SAVE_AS"):
        generator.categories = []
    if not settings.get("AUTHOR_SAVE_AS"):
        generator.authors = []


# Where Pelican's article and page generators keep what they read (plugins/incremental too).
CONTENT_LISTS = (
    "articles",
    "translations",
    "hidden_articles",
    "hidden_translations",
    "drafts",
    "drafts_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
)


def rebind_cached_content(generator: Any) -> None:
    """Point every article and page at this build's context, as a freshly read one is.

    With Pelican's "generator" caching layer an article comes out of the cache with the
    context of the build that read it, in which links such as ``{filename}other.md``
    would be resolved against the articles of that build.
    """
    for attr in CONTENT_LISTS:
        for content in getattr(generator, attr, None) or []:
            content._context = generator.context


def order_articles(generator: Any) -> None:
    """Articles in the same order on every run: by ``ARTICLE_ORDER_BY``, ties by slug.

    Pelican collects the files in a set, whose order changes from one run to the next,
    and sorts them stably by date; articles of the same day would swap places between
    builds (and pages with them) if nothing else fixed their order.
    """
    order_by = generator.settings.get("ARTICLE_ORDER_BY")
    for attr in ("articles", "hidden_articles", "drafts"):
        by_slug = sorted(getattr(generator, attr, []), key=lambda item: str(getattr(item, "slug", "")))
        setattr(generator, attr, order_content(by_slug, order_by))


@functools.cache
def _slug_only(pattern: str) -> bool:
    """Whether a URL pattern ("articles/{slug}/") uses no field but the slug."""
    fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    return fields == {"slug"}


def preset_article_urls(metadata: MutableMapping[str, Any], settings: Mapping[str, Any]) -> None:
    """Give an article its URL and file as it is read, when the patterns need only its slug.

    Pelican works both out from every metadata field at each access, and checks the file
    once more while creating each article (0.4 s at 10,000); as metadata they become the
    overrides Pelican reads first, with the same values.
    """
    slug = metadata.get("slug")
    if not isinstance(slug, str) or not slug or "url" in metadata or "save_as" in metadata:
        return
    lang = metadata.get("lang")
    if lang and str(lang).lower() != str(settings.get("DEFAULT_LANG", "en")).lower():
        return  # a translation: Pelican's own ARTICLE_LANG_* patterns
    if str(metadata.get("status") or "published").lower() not in ("published", "hidden"):
        return  # a draft: Pelican's DRAFT_* patterns keep it off the article addresses
    url, save_as = str(settings.get("ARTICLE_URL", "")), str(settings.get("ARTICLE_SAVE_AS", ""))
    if _slug_only(url) and _slug_only(save_as):
        metadata["url"] = url.format(slug=slug)
        metadata["save_as"] = save_as.format(slug=slug)


def date_line(article: Any) -> Markup:
    """An article's date as lists and pages show it (the ``date_line`` template filter):
    ``<time>`` with the day (or only the month when that is all the source gave) and a
    "date uncertain" note when the converter fell back to a guess."""
    meta = getattr(article, "metadata", {}) or {}
    precision = meta.get("date_precision", "day")
    date = article.date
    # datetime's own strftime: Pelican's date class routes every call through a slow
    # re-implementation (for formats like "%-d", not used here).
    month = datetime.strftime(date, "%B %Y")
    shown = month if precision == "month" else f"{date.day} {month}"
    html = f'<time datetime="{html_escape(date.isoformat())}">{html_escape(shown)}</time>'
    if meta.get("date_source") == "fallback" or precision == "none":
        html += ' <span class="uncertain">(date uncertain)</span>'
    return Markup(html)


def _on_generator_init(generator: Any) -> None:
    generator.env.filters["date_line"] = date_line


def fix_article_urls(generator: Any) -> None:
    """Work out each article's URL once, through Pelican's own ``override_url``.

    Pelican formats ``article.url`` from the settings at every access; lists,
    feeds, the sitemap and the exports read it some twenty times per article,
    seconds at 10,000 articles. Once the articles are read their URL cannot
    change any more, so it is stored as the override Pelican checks first.
    """
    for article in list(generator.articles) + list(getattr(generator, "translations", [])):
        if not hasattr(article, "override_url"):
            article.override_url = article.url


# --------------------------------------------------------------------------
# Archives by month
# --------------------------------------------------------------------------
@dataclass
class ArchiveMonth:
    year: int
    month: int
    url: str
    save_as: str
    articles: list[Any] = field(default_factory=list)  # newest first

    @property
    def name(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def month_name(self) -> str:
        return calendar.month_name[self.month]


@dataclass(frozen=True)
class PeriodLink:
    """A link to a neighbouring year or month page."""

    name: str
    url: str


@dataclass
class ArchiveYear:
    year: int
    url: str
    save_as: str
    months: list[ArchiveMonth] = field(default_factory=list)  # newest first

    @property
    def count(self) -> int:
        return sum(len(m.articles) for m in self.months)


def build_archives(articles: Sequence[Any], settings: Mapping[str, Any]) -> list[ArchiveYear]:
    """Years and months, newest first, each month's articles newest first (one pass).

    An article belongs to the month of its own date in its own time zone, as
    shown on its page.
    """
    ordered = sorted(articles, key=lambda a: (-a.date.timestamp(), str(getattr(a, "slug", ""))))
    years: dict[int, ArchiveYear] = {}
    months: dict[tuple[int, int], ArchiveMonth] = {}
    for article in ordered:
        y, m = article.date.year, article.date.month
        month = months.get((y, m))
        if month is None:
            month = ArchiveMonth(
                y,
                m,
                settings["DIGEST_MONTH_ARCHIVE_URL"].format(year=y, month=m),
                settings["DIGEST_MONTH_ARCHIVE_SAVE_AS"].format(year=y, month=m),
            )
            months[(y, m)] = month
        month.articles.append(article)
    for (y, _), month in months.items():
        if y not in years:
            years[y] = ArchiveYear(
                y,
                settings["DIGEST_YEAR_ARCHIVE_URL"].format(year=y, month=1),
                settings["DIGEST_YEAR_ARCHIVE_SAVE_AS"].format(year=y, month=1),
            )
        years[y].months.append(month)
    result = sorted(years.values(), key=lambda yr: -yr.year)
    for year in result:
        year.months.sort(key=lambda mo: -mo.month)
    return result


def write_archives(
    writer: Any,
    context: Mapping[str, Any],
    settings: Mapping[str, Any],
    years: Sequence[ArchiveYear],
    get_template: Callable[[str], Any],
) -> None:
    relative_urls = bool(settings.get("RELATIVE_URLS"))
    year_template = get_template("archive_year")
    month_template = get_template("archive_month")
    # Neighbours are passed as links only (name and address) and a month's year as its
    # address: a caching Writer (plugins/incremental) then renders a period's page again
    # only when its own articles change, not when a neighbour gains one.
    for position, year in enumerate(years):
        newer = years[position - 1] if position > 0 else None
        older = years[position + 1] if position + 1 < len(years) else None
        writer.write_file(
            year.save_as,
            year_template,
            context,
            relative_urls=relative_urls,
            archive_year=year,
            archive_months=year.months,
            newer_year=PeriodLink(str(newer.year), newer.url) if newer else None,
            older_year=PeriodLink(str(older.year), older.url) if older else None,
            page_url=year.url,
            url=year.url,
        )
    all_months = [month for year in years for month in year.months]
    year_urls = {year.year: year.url for year in years}
    for position, month in enumerate(all_months):
        newer_month = all_months[position - 1] if position > 0 else None
        older_month = all_months[position + 1] if position + 1 < len(all_months) else None
        writer.write_file(
            month.save_as,
            month_template,
            context,
            relative_urls=relative_urls,
            archive_month=month,
            archive_year_url=year_urls[month.year],
            newer_month=PeriodLink(newer_month.name, newer_month.url) if newer_month else None,
            older_month=PeriodLink(older_month.name, older_month.url) if older_month else None,
            page_url=month.url,
            url=month.url,
        )


class ArchivesGenerator(Generator):
    """Builds the year/month archive index after the articles are read; writes the pages."""

    def generate_context(self) -> None:
        self.archive_years = build_archives(self.context.get("articles") or [], self.settings)
        self.context["archive_years"] = self.archive_years

    def generate_output(self, writer: Any) -> None:
        write_archives(writer, self.context, self.settings, self.archive_years, self.get_template)


# --------------------------------------------------------------------------
# sitemap.xml and robots.txt
# --------------------------------------------------------------------------
# Pages written during the current build: output-relative path -> lastmod (or "").
_written: dict[str, str] = {}
_output_root: list[str] = [""]


def page_url(relative_path: str) -> str:
    """Site-relative URL of an output file: "a/b/index.html" -> "a/b/"."""
    if relative_path == "index.html":
        return ""
    if relative_path.endswith("/index.html"):
        return relative_path[: -len("index.html")]
    return relative_path


def sitemap_xml(siteurl: str, pages: Mapping[str, str]) -> str:
    """A sitemap (sitemaps.org 0.9) of the given site-relative URLs, sorted."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url in sorted(pages):
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(f'{siteurl}/{url}')}</loc>")
        if pages[url]:
            lines.append(f"    <lastmod>{escape(pages[url])}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(siteurl: str, sitemap: str) -> str:
    text = "User-agent: *\nAllow: /\n"
    if sitemap:
        text += f"\nSitemap: {siteurl}/{sitemap}\n"
    return text


def _on_content_written(path: str, context: Mapping[str, Any] | None = None) -> None:
    root = _output_root[0]
    if not root:
        return
    prefix = root + os.sep
    # A plain prefix test: os.path.relpath costs more than the rest of this, 15,000 times a build.
    rel = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, root)
    rel = rel.replace(os.sep, "/")
    if rel.startswith("../") or not rel.endswith(".html") or rel == "404.html":
        return
    lastmod = ""
    article = (context or {}).get("article")
    if str(getattr(article, "status", "") or "").lower() in ("draft", "hidden"):
        return  # written for its author's eyes, not listed for search engines
    if article is not None and isinstance(getattr(article, "date", None), datetime):
        modified = getattr(article, "modified", None) or article.date
        lastmod = modified.isoformat()
    _written[page_url(rel)] = lastmod


def write_sitemap_and_robots(output_path: str, settings: Mapping[str, Any], pages: Mapping[str, str]) -> None:
    siteurl = str(settings.get("SITEURL") or settings.get("DIGEST_FEED_DEV_SITEURL") or "").rstrip("/")
    sitemap = settings.get("DIGEST_SITEMAP", "")
    if sitemap:
        with AtomicTextFile(sanitised_join(output_path, sitemap)) as handle:
            handle.write(sitemap_xml(siteurl, pages))
    robots = settings.get("DIGEST_ROBOTS", "")
    if robots:
        with AtomicTextFile(sanitised_join(output_path, robots)) as handle:
            handle.write(robots_txt(siteurl, sitemap))


# Pelican's cache files: "<Generator>" (generator layer), "<Generator>-Readers" (reader layer).
_PELICAN_CACHE_FILE = re.compile(r"\w+Generator(-Readers)?")


def drop_broken_caches(cache_path: str, gzipped: bool) -> list[str]:
    """Delete Pelican cache files a killed run left unfinished; returns their names.

    Pelican writes its content cache in place; a run killed before the first bytes landed
    leaves an empty file, which stops every later build with EOFError. A complete pickle
    ends with its STOP opcode ("."), so one byte tells (gzip files are left to gzip).
    """
    dropped: list[str] = []
    if gzipped or not os.path.isdir(cache_path):
        return dropped
    for name in sorted(os.listdir(cache_path)):
        path = os.path.join(cache_path, name)
        if not _PELICAN_CACHE_FILE.fullmatch(name) or not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size:
                handle.seek(-1, os.SEEK_END)
            complete = size > 0 and handle.read(1) == b"."
        if not complete:
            os.unlink(path)
            dropped.append(name)
            logger.warning(
                "%s: an unfinished Pelican cache (a run killed while saving it); "
                "removed, its articles are read again",
                path,
            )
    return dropped


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)
    settings = pelican_obj.settings
    if settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE"):
        drop_broken_caches(str(settings["CACHE_PATH"]), bool(settings.get("GZIP_CACHE")))
    _written.clear()
    _output_root[0] = os.path.abspath(pelican_obj.output_path)


def give_drafts_a_category(metadata: MutableMapping[str, Any], settings: Mapping[str, Any]) -> None:
    """Pelican writes a draft's page with its category, and articles here have none (there
    are no category pages, so Pelican gives them no default): a draft stopped the build."""
    if str(metadata.get("status") or "").lower() == "draft" and "category" not in metadata:
        metadata["category"] = Category(str(settings.get("DEFAULT_CATEGORY") or "drafts"), settings)


def _on_article_context(generator: Any, metadata: MutableMapping[str, Any]) -> None:
    normalise_metadata(metadata, str(metadata.get("slug", "")))
    preset_article_urls(metadata, generator.settings)
    give_drafts_a_category(metadata, generator.settings)


def _on_finalized(pelican_obj: Any) -> None:
    settings = pelican_obj.settings
    write_pages_extras(pelican_obj.output_path, settings["DIGEST_CNAME"], settings["DIGEST_NOJEKYLL"])
    write_sitemap_and_robots(pelican_obj.output_path, settings, dict(_written))
    _written.clear()


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return ArchivesGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
    signals.content_written.connect(_on_content_written)
    signals.generator_init.connect(_on_generator_init)
    signals.article_generator_context.connect(_on_article_context)
    signals.article_generator_pretaxonomy.connect(rebind_cached_content)
    signals.page_generator_finalized.connect(rebind_cached_content)
    signals.article_generator_pretaxonomy.connect(order_articles)
    signals.article_generator_finalized.connect(drop_unwritten_taxonomies)
    signals.article_generator_finalized.connect(fix_article_urls)
    signals.finalized.connect(_on_finalized)
