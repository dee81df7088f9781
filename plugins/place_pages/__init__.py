"""Country, city and region pages: the digest's own taxonomies.

Pelican has no custom taxonomies, so this plugin builds them from each
article's contract metadata (see docs/markdown-contract.md):

=========  ==================  ============================================
kind       names key           codes key (same order, one per name)
=========  ==================  ============================================
country    ``countries``       ``country_codes`` (ISO 3166-1 alpha-2)
city       ``cities``          ``city_ids`` (``<ISO2>-<GeoNames id|slug>``)
region     ``regions``         ``region_codes`` (ISO 3166-2)
=========  ==================  ============================================

A place is identified by its code, not its name. The index is built in one
pass over the articles (dicts keyed by code), so the cost is linear in the
number of (article, place) pairs; articles are sorted once, newest first, so
every place's article list comes out already in order.

For templates, each article gets ``country_places``, ``city_places`` and
``region_places`` (lists of :class:`Place`) and ``related_articles`` (up to
``DIGEST_RELATED_MAX`` articles sharing its places, see
:func:`attach_related`), and the shared context gets ``place_index`` (a
:class:`PlaceIndex`). Cities get their coordinates from the project's
gazetteer when ``DIGEST_CITY_COORDINATES`` is on (the feeds carry them as
GeoRSS points). Pages written: ``<kind> index`` (templates ``countries``,
``cities``, ``regions``) and one page per place (``country``, ``city``,
``region``) showing its newest ``DIGEST_LATEST`` articles. A place with more
articles than that also gets one page per year (``DIGEST_<KIND>_YEAR_URL``,
template ``place_year``) listing all of that year's articles by month.

Why years and not numbered pages: with pages numbered from the newest, one
new article shifts every page of every place it mentions (and China is on
almost every article), so a rebuild rewrites and a deploy re-uploads
thousands of pages. A year page changes only when an article of that year
and place does, and its address always shows the same articles.
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator
from slugify import slugify

from digest_converter.files import read_record, write_atomic

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KindSpec:
    """How one kind of place is read from metadata and named in settings."""

    kind: str  # "country"
    plural: str  # "countries": also the index template's name
    names_key: str  # metadata key with the comma-separated names
    codes_key: str  # metadata key with the comma-separated codes
    setting: str  # settings prefix, e.g. "DIGEST_COUNTRY"


KINDS: tuple[KindSpec, ...] = (
    KindSpec("country", "countries", "countries", "country_codes", "DIGEST_COUNTRY"),
    KindSpec("city", "cities", "cities", "city_ids", "DIGEST_CITY"),
    KindSpec("region", "regions", "regions", "region_codes", "DIGEST_REGION"),
)
KIND_BY_NAME: dict[str, KindSpec] = {spec.kind: spec for spec in KINDS}

DEFAULTS: dict[str, Any] = {
    "DIGEST_RELATED_MAX": 5,
    "DIGEST_CITY_COORDINATES": True,
    "DIGEST_LATEST": 20,
}
for _spec in KINDS:
    DEFAULTS[f"{_spec.setting}_INDEX_URL"] = f"{_spec.plural}/"
    DEFAULTS[f"{_spec.setting}_INDEX_SAVE_AS"] = f"{_spec.plural}/index.html"
    DEFAULTS[f"{_spec.setting}_URL"] = f"{_spec.plural}/{{slug}}/"
    DEFAULTS[f"{_spec.setting}_SAVE_AS"] = f"{_spec.plural}/{{slug}}/index.html"
    DEFAULTS[f"{_spec.setting}_FEED_SAVE_AS"] = f"{_spec.plural}/{{slug}}/feed.xml"
    DEFAULTS[f"{_spec.setting}_YEAR_URL"] = f"{_spec.plural}/{{slug}}/{{year}}/"
    DEFAULTS[f"{_spec.setting}_YEAR_SAVE_AS"] = f"{_spec.plural}/{{slug}}/{{year}}/index.html"


class PlacePagesSettingsError(ValueError):
    """A place_pages setting has a bad value."""


@dataclass(frozen=True)
class PlaceRef:
    """What pages not about a place show of it (an article's page, the place's
    year pages): names, links and coordinates, not its article list or count,
    which change with every article. A caching writer (plugins/incremental)
    describes a place inside another page's variables by this, so adding an
    article to China does not render every other page that mentions China."""

    kind: str
    name: str
    url: str
    feed_url: str
    country_name: str
    country_url: str
    coordinates: tuple[float, float] | None
    spellings: str  # set by plugins/digest_search


@dataclass(eq=False)
class PlaceYear:
    """One year of a place's articles, newest first, with its own page."""

    year: int
    url: str
    save_as: str
    articles: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def months(self) -> list[tuple[str, list[Any]]]:
        """(month name, articles) pairs, newest month first."""
        grouped: dict[int, list[Any]] = {}
        for article in self.articles:
            grouped.setdefault(article.date.month, []).append(article)
        return [(calendar.month_name[m], grouped[m]) for m in sorted(grouped, reverse=True)]


@dataclass(frozen=True)
class YearNav:
    """A link to a neighbouring year page: no count, so a year page stays as it is when
    an article is added to its neighbour."""

    year: int
    url: str


@dataclass(frozen=True)
class YearLink:
    """A year in a place's list of years: what the place's own page shows of it."""

    year: int
    url: str
    count: int


@dataclass(eq=False)
class Place:
    """One country, city or region, with its articles newest first."""

    kind: str
    name: str
    code: str  # identity: ISO2 country code, city id, ISO 3166-2 region code
    country_code: str  # ISO2 of the country it belongs to ("" if unknown)
    slug: str = ""
    url: str = ""  # site-relative, e.g. "cities/luliang/"
    save_as: str = ""  # output-relative, e.g. "cities/luliang/index.html"
    feed_url: str = ""  # site-relative feed location ("" when feeds are off)
    country: Place | None = None  # the country page a city/region belongs to
    articles: list[Any] = field(default_factory=list)
    coordinates: tuple[float, float] | None = None  # (latitude, longitude), cities only
    # Countries only: their cities and regions that have pages, by name.
    cities: list[Place] = field(default_factory=list)
    regions: list[Place] = field(default_factory=list)
    # One page per year, newest first; empty when the place's own page shows every article.
    years: list[PlaceYear] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.articles)

    def ref(self) -> PlaceRef:
        country = self.country
        return PlaceRef(
            self.kind,
            self.name,
            self.url,
            self.feed_url,
            country.name if country is not None and country is not self else "",
            country.url if country is not None and country is not self else "",
            self.coordinates,
            str(getattr(self, "spellings", "") or ""),
        )

    def year_links(self) -> list[YearLink]:
        return [YearLink(y.year, y.url, y.count) for y in self.years]

    def __repr__(self) -> str:
        return f"Place({self.kind!r}, {self.name!r}, {self.code!r}, slug={self.slug!r})"


@dataclass
class PlaceGroup:
    """Places of one country, for the grouped city and region indexes."""

    country_code: str
    country_name: str
    country: Place | None
    places: list[Place]


@dataclass
class PlaceIndex:
    """Every place of every kind, ready for templates."""

    by_kind: dict[str, list[Place]]  # sorted by article count (desc), then name
    groups: dict[str, list[PlaceGroup]]  # city/region places grouped by country
    index_urls: dict[str, str]

    @property
    def countries(self) -> list[Place]:
        return self.by_kind["country"]

    @property
    def cities(self) -> list[Place]:
        return self.by_kind["city"]

    @property
    def regions(self) -> list[Place]:
        return self.by_kind["region"]


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------
def _check_pattern(
    key: str, value: Any, *, needs_slug: bool, suffix: str | None, needs_year: bool = False
) -> None:
    if not isinstance(value, str):
        raise PlacePagesSettingsError(f"{key} must be a string, got {value!r}")
    if value.startswith("/") or ".." in value.split("/") or "\\" in value:
        raise PlacePagesSettingsError(
            f"{key} must be a relative path inside the site without '..', got {value!r}"
        )
    if needs_slug and "{slug}" not in value:
        raise PlacePagesSettingsError(f"{key} must contain '{{slug}}', got {value!r}")
    if needs_year and "{year}" not in value:
        raise PlacePagesSettingsError(f"{key} must contain '{{year}}', got {value!r}")
    allowed = "'{slug}' and '{year}' placeholders" if needs_year else "'{slug}' placeholder"
    try:
        value.format(slug="x", **({"year": 2024} if needs_year else {}))
    except (KeyError, IndexError, ValueError) as exc:
        raise PlacePagesSettingsError(f"{key} may only use the {allowed}, got {value!r}") from exc
    if suffix and value and not value.endswith(suffix):
        raise PlacePagesSettingsError(f"{key} must end with {suffix!r}, got {value!r}")


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    """Fill in defaults and check the URL patterns; raise on a bad value."""
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    for spec in KINDS:
        p = spec.setting
        _check_pattern(f"{p}_INDEX_URL", settings[f"{p}_INDEX_URL"], needs_slug=False, suffix=None)
        _check_pattern(f"{p}_INDEX_SAVE_AS", settings[f"{p}_INDEX_SAVE_AS"], needs_slug=False, suffix=".html")
        if not settings[f"{p}_INDEX_SAVE_AS"]:
            raise PlacePagesSettingsError(f"{p}_INDEX_SAVE_AS must not be empty")
        _check_pattern(f"{p}_URL", settings[f"{p}_URL"], needs_slug=True, suffix=None)
        _check_pattern(f"{p}_SAVE_AS", settings[f"{p}_SAVE_AS"], needs_slug=True, suffix=".html")
        for key, suffix in ((f"{p}_YEAR_URL", None), (f"{p}_YEAR_SAVE_AS", ".html")):
            _check_pattern(key, settings[key], needs_slug=True, suffix=suffix, needs_year=True)
        feed = settings[f"{p}_FEED_SAVE_AS"]
        if feed:  # "" switches the per-place feeds of this kind off
            _check_pattern(f"{p}_FEED_SAVE_AS", feed, needs_slug=True, suffix=".xml")
    related = settings["DIGEST_RELATED_MAX"]
    if isinstance(related, bool) or not isinstance(related, int) or related < 0:
        raise PlacePagesSettingsError(
            f"DIGEST_RELATED_MAX must be a whole number (0 switches related articles off), got {related!r}"
        )
    latest = settings["DIGEST_LATEST"]
    if isinstance(latest, bool) or not isinstance(latest, int) or latest < 1:
        raise PlacePagesSettingsError(
            f"DIGEST_LATEST (articles on the home page and on each place's page) must be a whole "
            f"number of at least 1, got {latest!r}"
        )
    if "index" in settings.get("DIRECT_TEMPLATES", ()):
        raise PlacePagesSettingsError(
            "DIRECT_TEMPLATES must not contain 'index': place_pages writes the home page "
            "(the newest DIGEST_LATEST articles)"
        )
    if not isinstance(settings["DIGEST_CITY_COORDINATES"], bool):
        raise PlacePagesSettingsError(
            f"DIGEST_CITY_COORDINATES must be True or False, got {settings['DIGEST_CITY_COORDINATES']!r}"
        )
    save_as = [settings[f"{spec.setting}_SAVE_AS"] for spec in KINDS]
    if len(set(save_as)) != len(save_as):
        raise PlacePagesSettingsError(
            f"DIGEST_COUNTRY/CITY/REGION_SAVE_AS must differ from each other, got {save_as!r}"
        )


# --------------------------------------------------------------------------
# Reading metadata
# --------------------------------------------------------------------------
def split_list(value: Any) -> list[str]:
    """Split a contract list value on ',' (a repeated key arrives as a list)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return [part.strip() for part in str(value).split(",")]


def country_of(kind: str, code: str) -> str:
    """The ISO2 country code a place code belongs to ("CN-SX" -> "CN")."""
    if kind == "country":
        return code
    head, sep, _ = code.partition("-")
    return head.upper() if sep and re.fullmatch(r"[A-Za-z]{2}", head) else ""


def place_refs(metadata: Mapping[str, Any], spec: KindSpec, source: str = "") -> list[tuple[str, str]]:
    """The (code, name) pairs an article carries for one kind, deduplicated.

    When the names and codes lists differ in length the pairing cannot be
    trusted: codes are dropped (with a warning) and places fall back to a key
    made from the name, so they still get a page.
    """
    names = split_list(metadata.get(spec.names_key))
    codes = split_list(metadata.get(spec.codes_key))
    names = [n for n in names if n] if any(names) else []
    codes = [c for c in codes if c] if any(codes) else []
    if len(names) != len(codes):
        if codes or names:
            logger.warning(
                "%s: %d %s but %d %s; ignoring the codes",
                source or "article",
                len(names),
                spec.names_key,
                len(codes),
                spec.codes_key,
            )
        codes = ["~" + (slugify(name) or name) for name in names]
    seen: set[str] = set()
    refs: list[tuple[str, str]] = []
    for name, code in zip(names, codes, strict=True):
        key = code.upper() if spec.kind != "city" else code
        if key not in seen:
            seen.add(key)
            refs.append((key, name))
    return refs


def newest_first_key(article: Any) -> tuple[float, str]:
    date: datetime = article.date
    return (-date.timestamp(), str(getattr(article, "slug", "")))


# --------------------------------------------------------------------------
# Building the index
# --------------------------------------------------------------------------
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc`]")


def place_slug(name: str) -> str:
    """ASCII slug of a place name: "Lüliang" -> "luliang", "Xi'an" -> "xian"."""
    return slugify(_APOSTROPHES.sub("", name))


def assign_slugs(places: Iterable[Place]) -> None:
    """Give every place a stable, unique ASCII slug.

    The slug is the slugified name. Only when two places share it is a suffix
    added, to every place in the clash, deterministically: the country code
    (``valencia-es``, ``valencia-ve``), or the full code when that is not
    enough. The result depends only on the set of places, not article order.
    """
    by_base: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        base = place_slug(place.name) or slugify(place.code) or place.kind
        by_base[base].append(place)
    for base, group in by_base.items():
        if len(group) == 1:
            group[0].slug = base
            continue
        per_country: dict[str, int] = defaultdict(int)
        for place in group:
            per_country[place.country_code] += 1
        for place in group:
            if place.country_code and per_country[place.country_code] == 1:
                place.slug = f"{base}-{slugify(place.country_code)}"
            else:
                place.slug = f"{base}-{slugify(place.code) or 'x'}"
    # A suffixed slug could still equal another place's plain slug.
    taken: set[str] = set()
    for place in sorted(by_base_values(by_base), key=lambda p: (p.slug, p.code)):
        slug, n = place.slug, 2
        while slug in taken:
            slug, n = f"{place.slug}-{n}", n + 1
        place.slug = slug
        taken.add(slug)


def by_base_values(by_base: Mapping[str, list[Place]]) -> list[Place]:
    return [place for group in by_base.values() for place in group]


def sort_places(places: Iterable[Place]) -> list[Place]:
    """Most articles first, then by name (case-insensitive), then slug."""
    return sorted(places, key=lambda p: (-p.count, p.name.casefold(), p.slug))


def group_by_year(place: Place, url: str, save_as: str) -> list[PlaceYear]:
    """A place's articles (already newest first) cut into years, newest first."""
    years: list[PlaceYear] = []
    for article in place.articles:
        year = article.date.year
        if not years or years[-1].year != year:
            where = {"slug": place.slug, "year": year}
            years.append(PlaceYear(year, url.format(**where), save_as.format(**where)))
        years[-1].articles.append(article)
    return years


def group_by_country(places: Iterable[Place], countries: Mapping[str, Place]) -> list[PlaceGroup]:
    """City or region places grouped by country, groups and members by name."""
    groups: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        groups[place.country_code].append(place)
    result = []
    for code, members in groups.items():
        country = countries.get(code)
        name = country.name if country else (code or "Other")
        members_sorted = sorted(members, key=lambda p: (p.name.casefold(), p.slug))
        result.append(PlaceGroup(code, name, country, members_sorted))
    result.sort(key=lambda g: (g.country_name.casefold(), g.country_code))
    return result


def build_place_index(articles: Sequence[Any], settings: Mapping[str, Any]) -> PlaceIndex:
    """One pass over the articles: build all places and attach them to articles."""
    found: dict[str, dict[str, Place]] = {spec.kind: {} for spec in KINDS}
    for article in sorted(articles, key=newest_first_key):
        source = str(getattr(article, "relative_source_path", "") or getattr(article, "slug", ""))
        for spec in KINDS:
            attached: list[Place] = []
            places = found[spec.kind]
            for code, name in place_refs(article.metadata, spec, source):
                place = places.get(code)
                if place is None:
                    place = Place(spec.kind, name, code, country_of(spec.kind, code))
                    places[code] = place
                elif place.name != name:
                    logger.warning(
                        "%s: %s %s is named %r here but %r in a newer article; using %r",
                        source,
                        spec.kind,
                        code,
                        name,
                        place.name,
                        place.name,
                    )
                place.articles.append(article)
                attached.append(place)
            setattr(article, f"{spec.kind}_places", attached)

    for spec in KINDS:
        assign_slugs(found[spec.kind].values())
        url, save_as = settings[f"{spec.setting}_URL"], settings[f"{spec.setting}_SAVE_AS"]
        feed = settings[f"{spec.setting}_FEED_SAVE_AS"]
        year_url = settings[f"{spec.setting}_YEAR_URL"]
        year_save_as = settings[f"{spec.setting}_YEAR_SAVE_AS"]
        latest = settings.get("DIGEST_LATEST", DEFAULTS["DIGEST_LATEST"])
        for place in found[spec.kind].values():
            place.url = url.format(slug=place.slug)
            place.save_as = save_as.format(slug=place.slug)
            place.feed_url = feed.format(slug=place.slug) if feed else ""
            if place.count > latest:
                place.years = group_by_year(place, year_url, year_save_as)

    countries = found["country"]
    for spec in KINDS[1:]:
        for place in found[spec.kind].values():
            place.country = countries.get(place.country_code)
            if place.country is not None:
                getattr(place.country, "cities" if spec.kind == "city" else "regions").append(place)
    for country in countries.values():
        country.cities.sort(key=lambda p: (p.name.casefold(), p.slug))
        country.regions.sort(key=lambda p: (p.name.casefold(), p.slug))
    if settings.get("DIGEST_CITY_COORDINATES", True):
        attach_coordinates(found["city"].values())
    record_path = related_record_path(settings)
    previous = load_related_record(record_path)
    record = attach_related(articles, settings.get("DIGEST_RELATED_MAX", 5), previous)
    save_related_record(record_path, record, previous)
    logger.debug("related articles: %d of %d kept from the last build", record.reused, len(articles))
    return PlaceIndex(
        by_kind={spec.kind: sort_places(found[spec.kind].values()) for spec in KINDS},
        groups={
            "city": group_by_country(found["city"].values(), countries),
            "region": group_by_country(found["region"].values(), countries),
        },
        index_urls={spec.kind: settings[f"{spec.setting}_INDEX_URL"] for spec in KINDS},
    )


# --------------------------------------------------------------------------
# Coordinates and related articles
# --------------------------------------------------------------------------
def attach_coordinates(cities: Iterable[Place]) -> None:
    """Give cities their (latitude, longitude) from the project's gazetteer.

    The gazetteer (digest_converter.gazetteer) is the project's one source of
    place data; it is only read here. Unknown ids (curated ``<ISO2>-<slug>``
    cities, name-only fallbacks) have no coordinates.
    """
    try:
        from digest_converter.gazetteer import place_coordinates
    except ImportError:  # the converter is not installed: no coordinates
        return
    cities = [place for place in cities if not place.code.startswith("~")]
    points = place_coordinates(place.code for place in cities)
    for place in cities:
        place.coordinates = points.get(place.code)


# Around an article, only this many neighbours (by date) on each side in each
# of its places are considered, so a place with thousands of articles costs
# the same as a small one: the whole computation is linear in the number of
# articles.
RELATED_WINDOW = {"city": 20, "region": 12, "country": 8}
# Places shared by more than this share of all articles say nothing about
# relatedness ("China" is on nearly every article): they are left out.
RELATED_COMMON_SHARE = 0.5
# A shared city says more than a shared region, which says more than a country.
RELATED_KIND_WEIGHT = {"city": 3.0, "region": 2.0, "country": 1.0}


def _article_key(article: Any) -> str:
    return str(getattr(article, "relative_source_path", "") or getattr(article, "slug", ""))


@dataclass
class RelatedRecord:
    """Related articles as the last build worked them out, kept between builds.

    An article's related articles depend only on its places and, in each place,
    on the place's member articles (their order, dates and slugs) and whether the
    place counts at all (too common, or alone). ``places`` holds a fingerprint of
    exactly that per place; an article all of whose places have the fingerprint
    they had gets the articles it got then, by source path. Adding one article
    changes the fingerprints of its own places only (not China's, which does not
    count), so the rest are not worked out again.
    """

    version: str = ""
    places: dict[str, str] = field(default_factory=dict)  # place key -> fingerprint
    # article key -> [its place keys, its related articles' keys]
    articles: dict[str, list[list[str]]] = field(default_factory=dict)
    reused: int = field(default=0, compare=False)  # articles not worked out again (not saved)


def _related_version(limit: int) -> str:
    weights = sorted(RELATED_KIND_WEIGHT.items())
    windows = sorted(RELATED_WINDOW.items())
    return f"{RELATED_ALGORITHM}|{limit}|{RELATED_COMMON_SHARE}|{weights}|{windows}"


# Changes whenever the scoring below does, so that records of the old one are dropped.
RELATED_ALGORITHM = 1


def attach_related(
    articles: Sequence[Any], limit: int, previous: RelatedRecord | None = None
) -> RelatedRecord:
    """Give each article ``related_articles``: up to ``limit`` others sharing its places.

    Score: the sum, over shared places, of the kind's weight (city 3, region 2,
    country 1) divided by how common the place is, so sharing a small city
    counts most. Places on more than half of all articles ("China") are left
    out: an article sharing nothing else is not related. Ties go to the nearer
    date, then the slug, so the result is deterministic.

    ``previous`` (the record this returned last build) spares working out again
    the articles whose places did not change; the result is the same either way.
    """
    total = len(articles)
    for article in articles:
        article.related_articles = []
    record = RelatedRecord(_related_version(limit))
    if limit <= 0 or total < 2:
        return record
    if previous is None or previous.version != record.version:
        previous = RelatedRecord()
    counting: dict[int, bool] = {}  # id(place) -> whether it scores
    place_keys: dict[int, str] = {}
    stamps = {id(a): a.date.timestamp() for a in articles}
    slugs = {id(a): str(getattr(a, "slug", "")) for a in articles}
    keys = {id(a): _article_key(a) for a in articles}
    by_key = {keys[id(a)]: a for a in articles}
    for article in articles:
        for spec in KINDS:
            for place in getattr(article, f"{spec.kind}_places", None) or []:
                if id(place) in counting:
                    continue
                members = place.articles
                counts = len(members) >= 2 and not (len(members) > RELATED_COMMON_SHARE * total and total > 2)
                counting[id(place)] = counts
                key = place_keys[id(place)] = f"{spec.kind}:{place.code}"
                if counts:
                    digest = hashlib.sha256()
                    for member in members:
                        digest.update(
                            f"{keys[id(member)]}\0{slugs[id(member)]}\0{stamps[id(member)]!r}\0".encode()
                        )
                    record.places[key] = digest.hexdigest()
                else:
                    record.places[key] = "-"  # its members do not matter while it does not count

    # id(place) -> (id(article) -> index, the ids of its articles in order)
    position: dict[int, tuple[dict[int, int], list[int]]] = {}
    by_id = {id(a): a for a in articles}
    for article in articles:
        mine = [place for spec in KINDS for place in getattr(article, f"{spec.kind}_places", None) or []]
        mine_keys = [place_keys[id(place)] for place in mine]
        before = previous.articles.get(keys[id(article)])
        if (
            isinstance(before, list)
            and len(before) == 2
            and before[0] == mine_keys
            and isinstance(before[1], list)
            and all(previous.places.get(key) == record.places[key] for key in mine_keys)
            and all(key in by_key for key in before[1])
        ):
            article.related_articles = [by_key[key] for key in before[1]]
            record.articles[keys[id(article)]] = before
            record.reused += 1
            continue
        scores: dict[int, float] = defaultdict(float)
        for place in mine:
            if not counting[id(place)]:
                continue
            members = place.articles
            known = position.get(id(place))
            if known is None:
                ids = [id(a) for a in members]
                known = position[id(place)] = ({key: i for i, key in enumerate(ids)}, ids)
            index, ids = known
            i = index[id(article)]
            weight = RELATED_KIND_WEIGHT[place.kind] / len(members)
            window = RELATED_WINDOW[place.kind]
            for key in ids[max(0, i - window) : i + window + 1]:
                scores[key] += weight
        scores.pop(id(article), None)
        when = stamps[id(article)]
        candidates = scores.items()
        if len(scores) > limit:
            # Only candidates that can reach the top by the rounded score need the full key:
            # those within rounding distance of the limit-th best raw score.
            floor = heapq.nlargest(limit, scores.values())[-1] - 1e-8
            candidates = [(key, score) for key, score in candidates if score >= floor]
        ranked = heapq.nsmallest(
            limit,
            [(-round(score, 9), abs(stamps[key] - when), slugs[key], key) for key, score in candidates],
        )
        article.related_articles = [by_id[key] for *_, key in ranked]
        record.articles[keys[id(article)]] = [mine_keys, [keys[id(a)] for a in article.related_articles]]
    return record


def load_related_record(path: Path | None) -> RelatedRecord | None:
    """The record :func:`save_related_record` left, or None (none, or unreadable)."""
    if path is None:
        return None
    data = read_record(path)
    places, articles = data.get("places"), data.get("articles")
    if not isinstance(places, dict) or not isinstance(articles, dict):
        return None
    return RelatedRecord(str(data.get("version", "")), places, articles)


def save_related_record(path: Path | None, record: RelatedRecord, previous: RelatedRecord | None) -> None:
    if path is None or record == previous:
        return
    data = {"version": record.version, "places": record.places, "articles": record.articles}
    write_atomic(path, json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


def related_record_path(settings: Mapping[str, Any]) -> Path | None:
    """Beside Pelican's own cache (emptied with it), when caching is on."""
    if not settings.get("CACHE_CONTENT") or not settings.get("CACHE_PATH"):
        return None
    return Path(str(settings["CACHE_PATH"])) / "digest-related.json"


# --------------------------------------------------------------------------
# Writing pages
# --------------------------------------------------------------------------
PLACE_EXTRA_ATTRS = ("partners", "month_chart", "locator_map")


def place_extras(place: Place) -> dict[str, Any]:
    """Attributes other plugins set on a place, as shown on its page."""
    return {attr: getattr(place, attr, None) for attr in PLACE_EXTRA_ATTRS}


def write_place_pages(
    writer: Any,
    context: Mapping[str, Any],
    settings: Mapping[str, Any],
    index: PlaceIndex,
    get_template: Callable[[str], Any],
) -> None:
    """Write every kind's index page, one page per place and its year pages."""
    relative_urls = bool(settings.get("RELATIVE_URLS"))
    latest = settings.get("DIGEST_LATEST", DEFAULTS["DIGEST_LATEST"])
    year_template = get_template("place_year")
    for spec in KINDS:
        places = index.by_kind[spec.kind]
        index_url = settings[f"{spec.setting}_INDEX_URL"]
        writer.write_file(
            settings[f"{spec.setting}_INDEX_SAVE_AS"],
            get_template(spec.plural),
            context,
            relative_urls=relative_urls,
            place_kind=spec.kind,
            places=places,
            place_groups=index.groups.get(spec.kind, []),
            page_url=index_url,
            url=index_url,
        )
        template = get_template(spec.kind)
        for place in places:
            writer.write_file(
                place.save_as,
                template,
                context,
                relative_urls=relative_urls,
                template_name=spec.kind,
                url=place.url,
                place=place,
                place_kind=spec.kind,
                articles=place.articles[:latest],
                place_years=place.year_links(),
                page_url=place.url,
                # What other plugins attached to the place (partners, chart, locator
                # map): passed along so that a caching Writer's page key covers them.
                place_extras=place_extras(place),
            )
            ref = place.ref()
            for position, year in enumerate(place.years):
                newer = place.years[position - 1] if position > 0 else None
                older = place.years[position + 1] if position + 1 < len(place.years) else None
                writer.write_file(
                    year.save_as,
                    year_template,
                    context,
                    relative_urls=relative_urls,
                    template_name="place_year",
                    url=year.url,
                    page_url=year.url,
                    place=ref,
                    place_year=year,
                    newer_year=YearNav(newer.year, newer.url) if newer else None,
                    older_year=YearNav(older.year, older.url) if older else None,
                )


def write_home_page(
    writer: Any,
    context: Mapping[str, Any],
    settings: Mapping[str, Any],
    articles: Sequence[Any],
    get_template: Callable[[str], Any],
) -> None:
    """The home page (``INDEX_SAVE_AS``): the newest ``DIGEST_LATEST`` articles of all places.

    Older articles are reached through the archives by year and month, whose
    pages keep their articles when new ones arrive (see the module docstring).
    """
    save_as = settings.get("INDEX_SAVE_AS", "index.html")
    if not save_as:
        return
    url = settings.get("INDEX_URL", "")
    latest = settings.get("DIGEST_LATEST", DEFAULTS["DIGEST_LATEST"])
    newest = heapq.nsmallest(latest, articles, key=newest_first_key)
    writer.write_file(
        save_as,
        get_template("index"),
        context,
        relative_urls=bool(settings.get("RELATIVE_URLS")),
        template_name="index",
        url=url,
        page_url=url,
        articles=newest,
        article_count=len(articles),
    )


class PlacePagesGenerator(Generator):
    """Builds the index after the articles are read; writes the pages."""

    def generate_context(self) -> None:
        articles = self.context.get("articles") or []
        self.place_index = build_place_index(articles, self.settings)
        self.context["place_index"] = self.place_index

    def generate_output(self, writer: Any) -> None:
        articles = self.context.get("articles") or []
        write_home_page(writer, self.context, self.settings, articles, self.get_template)
        write_place_pages(writer, self.context, self.settings, self.place_index, self.get_template)


# --------------------------------------------------------------------------
# Pelican wiring
# --------------------------------------------------------------------------
def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return PlacePagesGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
