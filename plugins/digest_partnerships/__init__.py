"""Partnerships between Chinese and foreign places, from the ``partnerships`` key.

The converter records the ties an article *states* (docs/markdown-contract.md):
``;``-separated ``<chinese key>/<foreign key>/<kind>`` entries whose keys are
among the same article's ``city_ids``/``region_codes``. This plugin, run after
place_pages, resolves the keys to the places of the place index and groups the
evidence by (Chinese place, foreign place, kind):

* every article gets ``partnerships`` (the :class:`Partnership` objects it is
  evidence for, in its own order);
* every city and region gets ``partners`` (:class:`Partner`: the partnership
  and the place on the other side), sorted by the other place's name;
* the context gets ``partnership_index`` (a :class:`PartnershipIndex`), and one
  page lists every partnership (``DIGEST_PARTNERSHIPS_SAVE_AS``, template
  ``partnerships``), grouped by the foreign place's country.

An entry whose key is not one of the article's places, or whose kind is
unknown, is skipped with a warning naming the article. Everything is built in
one pass over the articles.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pelican import signals
from pelican.generators import Generator

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DIGEST_PARTNERSHIPS_URL": "partnerships/",
    "DIGEST_PARTNERSHIPS_SAVE_AS": "partnerships/index.html",
}

# The contract's kinds, with how the site names them.
KIND_LABELS: dict[str, str] = {
    "sister-city": "sister cities",
    "friendship-city": "friendship cities",
    "cooperation-agreement": "cooperation agreement",
    "memorandum-of-understanding": "memorandum of understanding",
    "letter-of-intent": "letter of intent",
}
KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABELS)}


class DigestPartnershipsSettingsError(ValueError):
    """A digest_partnerships setting has a bad value."""


@dataclass(frozen=True)
class PartnershipRef:
    """One ``<chinese key>/<foreign key>/<kind>`` entry as written."""

    chinese: str
    foreign: str
    kind: str


@dataclass(eq=False)
class Partnership:
    """A tie between a Chinese and a foreign place, with its evidence (oldest first)."""

    chinese: Any  # place_pages.Place
    foreign: Any
    kind: str
    articles: list[Any] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("-", " "))

    @property
    def first(self) -> Any:
        return self.articles[0]

    @property
    def latest(self) -> Any:
        return self.articles[-1]

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def anchor(self) -> str:
        """A fragment id, unique on the partnerships page."""
        return (
            f"{self.chinese.kind}-{self.chinese.slug}--{self.foreign.kind}-{self.foreign.slug}--{self.kind}"
        )

    def __repr__(self) -> str:
        return f"Partnership({self.chinese.name!r}, {self.foreign.name!r}, {self.kind!r})"


@dataclass(frozen=True)
class Partner:
    """One side's view of a partnership: the tie and the place on the other side."""

    partnership: Partnership
    place: Any


@dataclass
class PartnershipGroup:
    """Partnerships whose foreign place is in one country."""

    country_code: str
    country_name: str
    country: Any
    partnerships: list[Partnership]


@dataclass
class PartnershipIndex:
    partnerships: list[Partnership]  # by foreign country, then names, then kind
    groups: list[PartnershipGroup]
    url: str

    def page_key_description(self) -> list[Any]:
        """What the partnerships page shows, for plugins/incremental: the page is rendered
        again only when a tie, its places or its first or latest evidence changed."""
        return [
            [
                group.country_code,
                group.country_name,
                getattr(group.country, "url", ""),
                [
                    (
                        p.anchor,
                        p.chinese.name,
                        p.chinese.url,
                        p.foreign.name,
                        p.foreign.url,
                        p.kind_label,
                        p.count,
                        p.first,
                        p.latest,
                    )
                    for p in group.partnerships
                ],
            ]
            for group in self.groups
        ]


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------
def validate_settings(settings: MutableMapping[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    url, save_as = settings["DIGEST_PARTNERSHIPS_URL"], settings["DIGEST_PARTNERSHIPS_SAVE_AS"]
    for key, value in (("DIGEST_PARTNERSHIPS_URL", url), ("DIGEST_PARTNERSHIPS_SAVE_AS", save_as)):
        if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
            raise DigestPartnershipsSettingsError(f"{key} must be a relative path, got {value!r}")
    if save_as and not save_as.endswith(".html"):
        raise DigestPartnershipsSettingsError(
            f"DIGEST_PARTNERSHIPS_SAVE_AS must end with '.html' ('' switches the page off), got {save_as!r}"
        )


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------
_ENTRY = re.compile(r"^\s*([^/\s]+)\s*/\s*([^/\s]+)\s*/\s*([a-z-]+)\s*$")


def parse_partnerships(value: Any, source: str = "") -> list[PartnershipRef]:
    """The entries of a ``partnerships`` value, in order, without duplicates."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    refs: list[PartnershipRef] = []
    for part in str(value).split(";"):
        if not part.strip():
            continue
        found = _ENTRY.match(part)
        if not found:
            logger.warning("%s: ignoring partnership %r (not <key>/<key>/<kind>)", source or "article", part)
            continue
        ref = PartnershipRef(*found.groups())
        if ref.kind not in KIND_LABELS:
            logger.warning(
                "%s: ignoring partnership %r (unknown kind %r)", source or "article", part, ref.kind
            )
            continue
        if ref not in refs:
            refs.append(ref)
    return refs


def _article_places(article: Any) -> dict[str, Any]:
    """The article's cities and regions by code (as place_pages keys them, and upper-cased)."""
    places: dict[str, Any] = {}
    for attr in ("city_places", "region_places"):
        for place in getattr(article, attr, None) or []:
            places.setdefault(place.code, place)
            places.setdefault(place.code.upper(), place)
    return places


def oldest_first_key(article: Any) -> tuple[float, str]:
    return (article.date.timestamp(), str(getattr(article, "slug", "")))


def build_partnerships(
    articles: Sequence[Any], country_names: Mapping[str, Any], url: str
) -> PartnershipIndex:
    """Resolve every article's entries to places and group the evidence."""
    found: dict[tuple[int, int, str], Partnership] = {}
    for article in sorted(articles, key=oldest_first_key):
        source = str(getattr(article, "relative_source_path", "") or getattr(article, "slug", ""))
        places = _article_places(article)
        attached: list[Partnership] = []
        for ref in parse_partnerships(article.metadata.get("partnerships"), source):
            chinese = places.get(ref.chinese) or places.get(ref.chinese.upper())
            foreign = places.get(ref.foreign) or places.get(ref.foreign.upper())
            if chinese is None or foreign is None:
                missing = ref.chinese if chinese is None else ref.foreign
                logger.warning(
                    "%s: ignoring partnership %s/%s/%s (%s is not among the article's cities or regions)",
                    source,
                    ref.chinese,
                    ref.foreign,
                    ref.kind,
                    missing,
                )
                continue
            if chinese is foreign:
                logger.warning("%s: ignoring partnership of %s with itself", source, ref.chinese)
                continue
            key = (id(chinese), id(foreign), ref.kind)
            partnership = found.get(key)
            if partnership is None:
                partnership = found[key] = Partnership(chinese, foreign, ref.kind)
            if not partnership.articles or partnership.articles[-1] is not article:
                partnership.articles.append(article)
            if partnership not in attached:
                attached.append(partnership)
        article.partnerships = attached

    def sort_key(p: Partnership) -> tuple[Any, ...]:
        country = country_names.get(p.foreign.country_code)
        country_name = country.name if country is not None else p.foreign.country_code
        return (
            country_name.casefold(),
            p.foreign.country_code,
            p.chinese.name.casefold(),
            p.foreign.name.casefold(),
            p.chinese.slug,
            p.foreign.slug,
            KIND_ORDER.get(p.kind, 99),
        )

    ordered = sorted(found.values(), key=sort_key)
    groups: list[PartnershipGroup] = []
    for partnership in ordered:
        code = partnership.foreign.country_code
        if not groups or groups[-1].country_code != code:
            country = country_names.get(code)
            groups.append(PartnershipGroup(code, country.name if country else (code or "Other"), country, []))
        groups[-1].partnerships.append(partnership)
    attach_partners(ordered)
    return PartnershipIndex(ordered, groups, url)


def attach_partners(partnerships: Iterable[Partnership]) -> None:
    """Give each place in a partnership its ``partners``, by the other place's name, then kind."""
    touched: dict[int, Any] = {}
    for partnership in partnerships:
        for here, there in (
            (partnership.chinese, partnership.foreign),
            (partnership.foreign, partnership.chinese),
        ):
            if id(here) not in touched:
                touched[id(here)] = here
                here.partners = []
            here.partners.append(Partner(partnership, there))
    for place in touched.values():
        place.partners.sort(
            key=lambda p: (p.place.name.casefold(), p.place.slug, KIND_ORDER.get(p.partnership.kind, 99))
        )


# --------------------------------------------------------------------------
# Pelican wiring
# --------------------------------------------------------------------------
class PartnershipsGenerator(Generator):
    """Runs after place_pages' generator: resolves partnerships; writes their page."""

    def generate_context(self) -> None:
        articles = self.context.get("articles") or []
        place_index = self.context.get("place_index")
        countries: dict[str, Any] = {}
        if place_index is not None:
            for kind in ("city", "region"):
                for place in place_index.by_kind.get(kind, []):
                    place.partners = []
            countries = {place.code: place for place in place_index.by_kind.get("country", [])}
        self.index = build_partnerships(articles, countries, self.settings["DIGEST_PARTNERSHIPS_URL"])
        self.context["partnership_index"] = self.index

    def generate_output(self, writer: Any) -> None:
        save_as = self.settings["DIGEST_PARTNERSHIPS_SAVE_AS"]
        if not save_as:
            return
        url = self.settings["DIGEST_PARTNERSHIPS_URL"]
        writer.write_file(
            save_as,
            self.get_template("partnerships"),
            self.context,
            relative_urls=bool(self.settings.get("RELATIVE_URLS")),
            partnership_index=self.index,
            page_url=url,
            url=url,
        )


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return PartnershipsGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)


__all__: list[str] = [
    "KIND_LABELS",
    "Partner",
    "Partnership",
    "PartnershipIndex",
    "PartnershipRef",
    "build_partnerships",
    "parse_partnerships",
]
