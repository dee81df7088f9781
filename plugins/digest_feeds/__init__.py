"""RSS, Atom and JSON feeds for the digest (RSS and Atom written with feedgen).

* ``DIGEST_FEED_ALL_RSS`` (RSS 2.0), ``DIGEST_FEED_ALL_ATOM`` (Atom) and
  ``DIGEST_FEED_ALL_JSON`` (JSON Feed 1.1, https://jsonfeed.org/version/1.1):
  every article, newest first.
* One RSS 2.0 feed per country, city and region, at the place's ``feed_url``
  (set by the place_pages plugin, e.g. ``countries/italy/feed.xml``).

A city feed's items carry the city's coordinates as a GeoRSS ``georss:point``
(feedgen's ``geo`` extension) when the place_pages plugin found them.

Feeds are reproducible: the feed's lastBuildDate/updated is the newest item's
date (never the build time), items are ordered by (date, slug), and at most
``DIGEST_FEED_MAX_ITEMS`` items are written. Links are absolute: SITEURL, or
``DIGEST_FEED_DEV_SITEURL`` when SITEURL is empty (development builds).

All feedgen calls live in :func:`write_feed`; :func:`write_json_feed` writes
the JSON Feed with the same items.

A feed whose items and header are the same as in the previous build into the
same folder is not generated again (:class:`FeedCache`): at 10,000 articles
there are some 500 place feeds and one new article changes a handful.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import importlib.metadata
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from feedgen.feed import FeedGenerator
from pelican import signals
from pelican.generators import Generator
from pelican.utils import sanitised_join

from digest_build import background
from digest_converter.files import beside, read_record, write_atomic

DEFAULTS: dict[str, Any] = {
    "DIGEST_FEED_ALL_RSS": "feeds/all.rss.xml",
    "DIGEST_FEED_ALL_ATOM": "feeds/all.atom.xml",
    "DIGEST_FEED_ALL_JSON": "feeds/all.json",
    "DIGEST_FEED_MAX_ITEMS": 50,
    "DIGEST_FEED_DEV_SITEURL": "http://localhost:8000",
}

# The feed date when there is no item at all: fixed, so output stays stable.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)

# Characters XML 1.0 does not allow (lxml refuses them): C0 controls other than
# tab/newline/carriage return, lone surrogates, U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# (kind, attribute set on articles by place_pages)
PLACE_ATTRS: tuple[tuple[str, str], ...] = (
    ("country", "country_places"),
    ("city", "city_places"),
    ("region", "region_places"),
)


class DigestFeedsSettingsError(ValueError):
    """A digest_feeds setting has a bad value."""


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str  # absolute permalink, also the guid
    date: datetime  # timezone-aware
    summary: str
    categories: tuple[tuple[str, str], ...]  # (name, scheme URL)
    point: tuple[float, float] | None = None  # (latitude, longitude) for GeoRSS
    external_url: str = ""  # the original article (JSON Feed ``external_url``)


@dataclass(frozen=True)
class FeedSpec:
    format: Literal["rss", "atom"]
    title: str
    description: str
    site_link: str  # absolute URL of the HTML page the feed mirrors
    self_link: str  # absolute URL of the feed itself
    language: str = "en"
    author: str = ""  # the feed's author (Atom requires one); defaults to the title


def clean_text(text: Any) -> str:
    """Text safe for XML: invalid control characters removed, trimmed."""
    return _XML_INVALID.sub("", str(text or "")).strip()


def write_feed(path: str, spec: FeedSpec, items: Sequence[FeedItem]) -> None:
    """Write one feed file. Items must be newest first; the feed's date is the
    first item's date (or a fixed epoch when empty), never the build time."""
    fg = FeedGenerator()
    if any(item.point for item in items):
        fg.load_extension("geo")  # declares georss: only where it is used
    fg.id(spec.self_link)
    fg.title(clean_text(spec.title))
    fg.description(clean_text(spec.description) or clean_text(spec.title))
    fg.subtitle(clean_text(spec.description) or clean_text(spec.title))
    # feedgen uses the *last* link added as the RSS <link>: self first.
    self_type = "application/rss+xml" if spec.format == "rss" else "application/atom+xml"
    fg.link(href=spec.self_link, rel="self", type=self_type)
    fg.link(href=spec.site_link, rel="alternate", type="text/html")
    fg.language(spec.language)
    # No version number: the output must not change with a feedgen upgrade.
    fg.generator("python-feedgen", uri="https://lkiesow.github.io/python-feedgen")
    fg.author({"name": clean_text(spec.author) or clean_text(spec.title), "uri": spec.site_link})
    fg.updated(items[0].date if items else EMPTY_FEED_DATE)
    for item in items:
        fe = fg.add_entry(order="append")
        fe.guid(item.link, permalink=True)  # also the Atom entry id
        fe.title(clean_text(item.title))
        fe.link(href=item.link, rel="alternate")
        fe.published(item.date)
        fe.updated(item.date)
        summary = clean_text(item.summary)
        if summary:
            fe.summary(summary)
        for name, scheme in item.categories:
            fe.category(term=clean_text(name), scheme=scheme)
        if item.point:
            fe.geo.point(f"{item.point[0]:.5f} {item.point[1]:.5f}")
    data = fg.rss_str(pretty=True) if spec.format == "rss" else fg.atom_str(pretty=True)
    write_atomic(Path(path), data)


JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def json_feed(spec: FeedSpec, items: Sequence[FeedItem]) -> dict[str, Any]:
    """A JSON Feed 1.1 document (as a dict, keys in the spec's order).

    Items carry ``content_text`` (the summary, or the title when there is
    none: the spec requires a content field), ``date_published`` in RFC 3339
    with the article's own offset, place names as ``tags`` and the original
    article as ``external_url``.
    """
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": clean_text(spec.title),
        "home_page_url": spec.site_link,
        "feed_url": spec.self_link,
        "description": clean_text(spec.description) or clean_text(spec.title),
        "language": spec.language,
        "authors": [{"name": clean_text(spec.author) or clean_text(spec.title), "url": spec.site_link}],
        "items": [],
    }
    for item in items:
        entry: dict[str, Any] = {"id": item.link, "url": item.link}
        if item.external_url:
            entry["external_url"] = item.external_url
        entry["title"] = clean_text(item.title)
        summary = clean_text(item.summary)
        entry["content_text"] = summary or clean_text(item.title)
        if summary:
            entry["summary"] = summary
        entry["date_published"] = item.date.isoformat()
        tags = [clean_text(name) for name, _ in item.categories]
        if tags:
            entry["tags"] = tags
        feed["items"].append(entry)
    return feed


def write_json_feed(path: str, spec: FeedSpec, items: Sequence[FeedItem]) -> None:
    """Write a JSON Feed 1.1 file (UTF-8, stable key order, newline at the end)."""
    text = json.dumps(json_feed(spec, items), ensure_ascii=False, indent=2) + "\n"
    write_atomic(Path(path), text.encode("utf-8"))


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------
def _check_feed_path(key: str, value: Any, suffix: str = ".xml") -> None:
    if not isinstance(value, str):
        raise DigestFeedsSettingsError(f"{key} must be a string ('' to disable), got {value!r}")
    if value and (value.startswith("/") or ".." in value.split("/") or not value.endswith(suffix)):
        raise DigestFeedsSettingsError(
            f"{key} must be a relative path ending in {suffix!r} (or ''), got {value!r}"
        )


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    """Fill in defaults and check the feed settings; raise on a bad value."""
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    _check_feed_path("DIGEST_FEED_ALL_RSS", settings["DIGEST_FEED_ALL_RSS"])
    _check_feed_path("DIGEST_FEED_ALL_ATOM", settings["DIGEST_FEED_ALL_ATOM"])
    _check_feed_path("DIGEST_FEED_ALL_JSON", settings["DIGEST_FEED_ALL_JSON"], ".json")
    max_items = settings["DIGEST_FEED_MAX_ITEMS"]
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise DigestFeedsSettingsError(f"DIGEST_FEED_MAX_ITEMS must be a positive integer, got {max_items!r}")
    for key in ("DIGEST_FEED_DEV_SITEURL", "SITEURL"):
        value = settings.get(key) or ""
        if key == "SITEURL" and not value:
            continue
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
            raise DigestFeedsSettingsError(
                f"{key} must be an absolute http(s) URL for the feeds, got {value!r}"
            )


def feed_siteurl(settings: Mapping[str, Any]) -> str:
    """The absolute base URL for feed links, without a trailing slash."""
    base = settings.get("SITEURL") or settings["DIGEST_FEED_DEV_SITEURL"]
    return str(base).rstrip("/")


# --------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------
def _newest_first_key(article: Any) -> tuple[float, str]:
    return (-article.date.timestamp(), str(getattr(article, "slug", "")))


def article_item(
    article: Any,
    siteurl: str,
    scheme_urls: Mapping[str, str],
    point: tuple[float, float] | None = None,
) -> FeedItem:
    categories = tuple(
        (place.name, scheme_urls.get(kind, ""))
        for kind, attr in PLACE_ATTRS
        for place in getattr(article, attr, None) or []
    )
    summary = article.metadata.get("summary") or ""
    return FeedItem(
        title=str(getattr(article, "title", "")),
        link=f"{siteurl}/{article.url}",
        date=article.date,
        summary=str(summary),
        categories=categories,
        point=point,
        external_url=str(article.metadata.get("source_url") or ""),
    )


def newest_items(
    articles: Iterable[Any],
    max_items: int,
    item_of: Callable[[Any], FeedItem],
    newest_first: bool = False,
) -> list[FeedItem]:
    """The newest ``max_items`` articles as feed items (a city's point is added by
    :meth:`FeedCache.write`, so that an article makes one item for every feed).

    ``newest_first``: ``articles`` is a sequence already in feed order (newest first, ties
    by slug), as a place's articles are (plugins/place_pages), so its head is the answer.
    """
    if newest_first and isinstance(articles, Sequence):
        newest = list(articles[:max_items])
    else:
        newest = heapq.nsmallest(max_items, articles, key=_newest_first_key)
    return [item_of(a) for a in newest]


class FeedCache:
    """Which feeds the previous build into this folder wrote, and from what.

    The record lives beside the output folder (never published). It is removed
    when a build starts and written back when the feeds are done, so a build
    killed half-way regenerates every feed next time. A feed is skipped only
    when its key (format, header, items, feedgen's version) is the recorded one
    and its file is still there; the record lists it under "keep", which is how
    the build's staging step (digest_build.site) tells "kept by this build"
    from "left over".
    """

    SUFFIX = ".feeds-state.json"

    def __init__(self, output_path: str) -> None:
        output = Path(output_path).resolve()
        self.output = output
        self.state_file = beside(output, self.SUFFIX)
        feeds = read_record(self.state_file).get("feeds")
        self.previous: dict[str, str] = dict(feeds) if isinstance(feeds, dict) else {}
        self.state_file.unlink(missing_ok=True)
        self.current: dict[str, str] = {}
        self.skipped = 0
        self._item_texts: dict[int, tuple[FeedItem, str]] = {}

    def item_text(self, item: FeedItem) -> str:
        """:func:`item_json`, once per item object (kept, so that its id is not reused)."""
        known = self._item_texts.get(id(item))
        if known is None:
            known = self._item_texts[id(item)] = (item, item_json(item))
        return known[1]

    def write(
        self,
        save_as: str,
        spec: FeedSpec,
        items: Sequence[FeedItem],
        write: Callable[[str, FeedSpec, Sequence[FeedItem]], None],
        point: tuple[float, float] | None = None,
    ) -> None:
        """Write one feed with ``write`` unless the same feed is already there; ``point``: the
        GeoRSS point of every item (a city's feed), given apart so that the items an article
        makes in every feed are keyed once."""
        key = feed_key(spec, items, self.item_text, point)
        path = sanitised_join(str(self.output), save_as)
        self.current[save_as] = key
        if self.previous.get(save_as) == key and os.path.isfile(path):
            self.skipped += 1
            return
        write(path, spec, [dataclasses.replace(item, point=point) for item in items] if point else items)

    def save(self) -> None:
        for gone in sorted(set(self.previous) - set(self.current)):
            stale = sanitised_join(str(self.output), gone)
            if os.path.isfile(stale):
                os.remove(stale)  # the feed of a place that has no article any more
        # "keep": the feeds this build vouches for, written or not (digest_build.site deletes
        # from its staging folder what a build neither wrote nor listed as kept).
        data = {"feeds": self.current, "keep": sorted(self.current)}
        write_atomic(self.state_file, json.dumps(data, sort_keys=True).encode())


_FEEDGEN_VERSION = importlib.metadata.version("feedgen")


def _fields(record: Any) -> list[Any]:
    # dataclasses.astuple deep-copies every field: too slow for 25,000 items a build.
    return [getattr(record, f.name) for f in dataclasses.fields(record)]


def feed_key(
    spec: FeedSpec,
    items: Sequence[FeedItem],
    item_text: Callable[[FeedItem], str] | None = None,
    point: tuple[float, float] | None = None,
) -> str:
    """Everything a feed file is made from. ``item_text`` (see :func:`item_json`) may be a
    memo: an article is an item of several feeds."""
    text_of = item_text or item_json
    digest = hashlib.sha256(json.dumps([_FEEDGEN_VERSION, _fields(spec), point], default=str).encode())
    for item in items:
        digest.update(b"\0" + text_of(item).encode())
    return digest.hexdigest()


# One encoder for every item: json.dumps with options builds a new one per call.
_item_json = json.JSONEncoder(default=str).encode


def item_json(item: FeedItem) -> str:
    return _item_json(_fields(item))


def write_all_feeds(
    output_path: str, settings: Mapping[str, Any], articles: Sequence[Any], place_index: Any
) -> None:
    """Write the site-wide feeds and one RSS feed per place."""
    siteurl = feed_siteurl(settings)
    max_items = settings["DIGEST_FEED_MAX_ITEMS"]
    sitename = str(settings.get("SITENAME", ""))
    description = str(settings.get("DIGEST_SITE_DESCRIPTION") or sitename)
    lang = str(settings.get("DEFAULT_LANG", "en"))
    author = str(settings.get("AUTHOR") or sitename)
    index_urls: Mapping[str, str] = getattr(place_index, "index_urls", {}) or {}
    scheme_urls = {kind: f"{siteurl}/{url}" for kind, url in index_urls.items()}
    cache = FeedCache(output_path)
    made: dict[int, FeedItem] = {}

    def item_of(article: Any) -> FeedItem:
        # An article is the same item in every feed it is in (but for a city's point).
        item = made.get(id(article))
        if item is None:
            item = made[id(article)] = article_item(article, siteurl, scheme_urls)
        return item

    site_items = newest_items(articles, max_items, item_of)
    for key, fmt in (("DIGEST_FEED_ALL_RSS", "rss"), ("DIGEST_FEED_ALL_ATOM", "atom")):
        save_as = settings[key]
        if save_as:
            spec = FeedSpec(fmt, sitename, description, f"{siteurl}/", f"{siteurl}/{save_as}", lang, author)
            cache.write(save_as, spec, site_items, write_feed)
    if settings["DIGEST_FEED_ALL_JSON"]:
        save_as = settings["DIGEST_FEED_ALL_JSON"]
        spec = FeedSpec("rss", sitename, description, f"{siteurl}/", f"{siteurl}/{save_as}", lang, author)
        cache.write(save_as, spec, site_items, write_json_feed)
    by_kind: Mapping[str, Sequence[Any]] = getattr(place_index, "by_kind", {}) or {}
    for places in by_kind.values():
        for place in places:
            if not place.feed_url:
                continue
            spec = FeedSpec(
                "rss",
                f"{sitename}: {place.name}",
                f"News about {place.name} from the {sitename}.",
                f"{siteurl}/{place.url}",
                f"{siteurl}/{place.feed_url}",
                lang,
                author,
            )
            point = getattr(place, "coordinates", None) if place.kind == "city" else None
            items = newest_items(place.articles, max_items, item_of, newest_first=True)
            cache.write(place.feed_url, spec, items, write_feed, point)
    cache.save()


class DigestFeedsGenerator(Generator):
    """Writes the feeds in a background process as soon as everything they show is known
    (the articles, their places and the cities' coordinates: the generators before this one)."""

    def generate_context(self) -> None:
        articles = self.context.get("articles") or []
        place_index = self.context.get("place_index")
        background.start(
            "digest_feeds",
            lambda: write_all_feeds(self.output_path, self.settings, articles, place_index),
        )


# --------------------------------------------------------------------------
# Pelican wiring
# --------------------------------------------------------------------------
def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return DigestFeedsGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
    # A job left by an earlier run in this process that failed before waiting for it: killed.
    signals.initialized.connect(background.stop_all)
    signals.finalized.connect(background.wait_for_all)
