"""Finding the countries, regions and cities an article is about.

Three steps:
1. *Mentions*: every run of capitalised words that the gazetteer knows under
   some spelling, with the words around it (``X City``, ``province of X``,
   a title or a surname before it).
2. *Evidence*: countries named outright or by demonym ("Italian", "Kazakh"),
   never the China of "China Daily" (outlet names are masked first).
3. *Resolution*: each mention becomes one place, preferring places in
   countries the article names, the kind its cue words ask for, the strongest
   spelling and then the largest population. Weak readings (an alternate
   spelling, a machine-translation garble, a name that is also an English word)
   only count when their country is in the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from .datafiles import load_yaml
from .extract import outlet_names
from .gazetteer import STRENGTH_RANK, Gazetteer, NameHit, Place
from .textnorm import fold

TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Foreign cities this large are known without their country being named.
WELL_KNOWN_POPULATION = 1_000_000
# Chinese towns smaller than this need a name-strength match and a cue word.
SMALL_CN_TOWN = 60_000


@dataclass(slots=True)
class Token:
    text: str
    start: int
    end: int
    sentence_start: bool


@dataclass(slots=True)
class Mention:
    text: str
    start: int
    first: int  # token index
    last: int
    hits: list[NameHit]
    cue: str | None = None  # "city", "region", "county" or None
    sentence_start: bool = False
    person_like: bool = False


@dataclass(slots=True)
class PlaceTags:
    countries: list[Place] = field(default_factory=list)
    regions: list[Place] = field(default_factory=list)
    cities: list[Place] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)


@cache
def _word_sets() -> dict[str, frozenset[str]]:
    data = load_yaml("names.yaml")
    return {key: frozenset(str(v) for v in data.get(key) or []) for key in
            ("function_words", "titles", "chinese_surnames", "city_words", "region_words",
             "county_words", "city_of", "region_of")}


def mask_outlets(text: str) -> str:
    """Blank out outlet names so "China Daily" does not tag China."""
    for name in outlet_names():
        if len(name) < 4:
            continue
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", lambda m: " " * len(m.group(0)), text,
                      flags=re.I)
    return text


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for found in TOKEN.finditer(text):
        before = text[:found.start()].rstrip(" \t\"“'‘(")
        sentence_start = not before or before[-1] in ".!?\n:;" or before.endswith("--")
        tokens.append(Token(found.group(0), found.start(), found.end(), sentence_start))
    return tokens


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _joinable(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end:right.start]
    return gap in (" ", "-", "–", "’", "'") or (gap.strip() == "" and "\n" not in gap and len(gap) <= 2)


def find_mentions(text: str, gaz: Gazetteer) -> list[Mention]:
    """Longest known names starting at capitalised words, left to right."""
    words = _word_sets()
    tokens = tokenize(text)
    mentions: list[Mention] = []
    i = 0
    while i < len(tokens):
        if not _is_capitalised(tokens[i].text):
            i += 1
            continue
        best: Mention | None = None
        for n in range(min(gaz.max_words, len(tokens) - i), 0, -1):
            span = tokens[i:i + n]
            if not _is_capitalised(span[-1].text):
                continue
            if any(not _joinable(text, a, b) for a, b in zip(span, span[1:], strict=False)):
                continue
            surface = text[span[0].start:span[-1].end]
            hits = gaz.lookup(fold(surface))
            if hits:
                best = Mention(surface, span[0].start, i, i + n - 1, hits,
                               sentence_start=span[0].sentence_start)
                break
        if best is None:
            i += 1
            continue
        best.cue = _cue(tokens, best, words)
        best.person_like = _person_like(tokens, best, words, gaz)
        mentions.append(best)
        i = best.last + 1
    return mentions


def _cue(tokens: list[Token], mention: Mention, words: dict[str, frozenset[str]]) -> str | None:
    after = tokens[mention.last + 1].text if mention.last + 1 < len(tokens) else ""
    if after in words["city_words"]:
        return "city"
    if after in words["county_words"]:
        return "county"
    if after in words["region_words"]:
        return "region"
    if mention.first >= 2 and tokens[mention.first - 1].text.lower() == "of":
        before = tokens[mention.first - 2].text.lower()
        if before in words["city_of"]:
            return "city"
        if before in words["region_of"]:
            return "region"
    return None


def _person_like(tokens: list[Token], mention: Mention, words: dict[str, frozenset[str]],
                 gaz: Gazetteer) -> bool:
    """A capitalised word before the name that makes it a person's name."""
    if mention.first == 0:
        return False
    prev = tokens[mention.first - 1]
    if tokens[mention.first].sentence_start or not _is_capitalised(prev.text):
        return False
    if prev.end + 1 < tokens[mention.first].start:  # punctuation between them
        return False
    if prev.text in words["titles"] or prev.text in words["chinese_surnames"]:
        return True
    if prev.text in words["function_words"]:
        return False
    # The word before is itself a place or a demonym ("Dalian Jinpu", "Kazakh Shymkent").
    if gaz.lookup(fold(prev.text.removesuffix("'s").removesuffix("’s"))):
        return False
    return not prev.sentence_start


# ---------------------------------------------------------------------- resolution


def _allowed(hit: NameHit, mention: Mention, countries: set[str], gaz: Gazetteer) -> bool:
    place = hit.place
    key = fold(mention.text)
    common = gaz.is_common_word(key) or gaz.is_common_word(fold(place.name))
    if mention.person_like:
        return False
    if common and (mention.sentence_start or mention.text.isupper()) and mention.cue is None:
        return False
    if place.country == "CN" and place.kind == "city":
        if hit.strength == "garble":
            return False
        if place.population < SMALL_CN_TOWN and (hit.strength != "name" or mention.cue is None):
            return False
        return not common or mention.cue is not None
    if place.kind == "region" and place.country == "CN":
        return True
    in_article = place.country in countries
    if hit.strength == "garble":
        return in_article and mention.cue is not None
    if common:
        return in_article and (mention.cue is not None or not mention.sentence_start)
    if in_article:
        return True
    if place.kind == "city" and hit.strength == "name":
        return place.population >= WELL_KNOWN_POPULATION
    return False


def _rank(hit: NameHit, mention: Mention, countries: set[str]) -> tuple:
    place = hit.place
    wanted = mention.cue
    if wanted == "county":
        wanted = "city" if place.country == "CN" else "region"
    if wanted is None:
        wanted = "region" if place.country == "CN" else "city"
    return (
        place.country in countries or place.country == "CN",
        place.kind == wanted,
        STRENGTH_RANK[hit.strength],
        place.population,
    )


def resolve(mentions: list[Mention], gaz: Gazetteer) -> PlaceTags:
    """Turn mentions into one set of places, with country evidence first."""
    explicit: set[str] = set()
    for mention in mentions:
        kinds = {hit.place.kind for hit in mention.hits}
        if kinds == {"country"} and not mention.person_like:
            explicit.update(hit.place.key for hit in mention.hits)
    countries = set(explicit)
    chosen: dict[int, Place] = {}
    weak: set[str] = set()
    for _round in range(2):
        chosen.clear()
        for index, mention in enumerate(mentions):
            place = _choose(mention, countries, gaz)
            if place is not None:
                chosen[index] = place
        countries = explicit | {p.country for p in chosen.values()}
    tags = PlaceTags()
    seen: set[str] = set()
    for index, mention in enumerate(mentions):
        place = chosen.get(index)
        if place is None or place.key in seen:
            continue
        seen.add(place.key)
        if mention.hits and all(h.strength != "name" for h in mention.hits if h.place.key == place.key):
            weak.add(f"{place.name} (from {mention.text!r})")
        {"country": tags.countries, "region": tags.regions, "city": tags.cities}[place.kind].append(place)
    for code in sorted(countries - {p.key for p in tags.countries}):
        country = gaz.country(code)
        if country is not None:
            tags.countries.append(country)
    tags.weak = sorted(weak)
    return tags


def _choose(mention: Mention, countries: set[str], gaz: Gazetteer) -> Place | None:
    hits = mention.hits
    country_hits = [h for h in hits if h.place.kind == "country"]
    other = [h for h in hits if h.place.kind != "country"]
    if country_hits and mention.cue != "city":
        # "Georgia" the US state when the article is about the United States.
        in_article = [h for h in other if h.place.kind == "region" and h.place.country in countries
                      and h.place.country not in {c.place.key for c in country_hits}]
        if in_article and mention.cue == "region" or (in_article and not any(
                c.place.key in countries and c.strength == "name" and c.place.key != "US"
                for c in country_hits if False)):
            if in_article and _region_beats_country(in_article[0], country_hits, countries):
                return in_article[0].place
        best_country = max(country_hits, key=lambda h: STRENGTH_RANK[h.strength])
        return None if mention.person_like else best_country.place
    allowed = [h for h in other if _allowed(h, mention, countries, gaz)]
    if not allowed:
        return None
    return max(allowed, key=lambda h: _rank(h, mention, countries)).place


def _region_beats_country(region: NameHit, country_hits: Iterable[NameHit], countries: set[str]) -> bool:
    """A name that is both a country and a region of another named country."""
    named_elsewhere = region.place.country in countries
    return named_elsewhere and all(c.strength != "demonym" for c in country_hits)


def tag_places(text: str, gaz: Gazetteer) -> PlaceTags:
    """Countries, regions and cities of an article's text (headline and body)."""
    return resolve(find_mentions(mask_outlets(text), gaz), gaz)
