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
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from .datafiles import load_yaml
from .extract import outlet_names
from .gazetteer import STRENGTH_RANK, Gazetteer, NameHit, Place
from .textnorm import fold

TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
POSSESSIVE = re.compile(r"['’]s$")
# "U.S." and "U.K." are written with stops that split them into letters.
DOTTED_ABBREVIATIONS = re.compile(r"\b(U)\.(S|K)\.(?:(A)\.)?")
# A name followed by one of these is a river, a mountain or a building, not the place.
FEATURE_WORDS = frozenset(
    [
        "River",
        "Rivers",
        "Mountain",
        "Mountains",
        "Mount",
        "Lake",
        "Sea",
        "Bay",
        "Gulf",
        "Island",
        "Islands",
        "Strait",
        "Canal",
        "Valley",
        "Desert",
        "Plateau",
        "Basin",
        "Peninsula",
        "Park",
        "Square",
        "Street",
        "Road",
        "Avenue",
        "Bridge",
        "Tower",
        "Hotel",
        "Palace",
        "Museum",
        "Airport",
        "Station",
        "Stadium",
        "University",
        "College",
        "Institute",
        "Hospital",
        "Temple",
        "Cathedral",
        "Church",
        "Mosque",
        "Gate",
        "Hall",
        "Theatre",
        "Theater",
        "Orchestra",
        "Opera",
        "Airlines",
        "Airways",
        "Group",
        "Bank",
        "Company",
        "Corporation",
        "Port",
        "Harbour",
        "Harbor",
        "Pier",
        "Wharf",
        "Expressway",
        "Highway",
        "Railway",
    ]
)
# "US dollars", "French-speaking": a currency or a language, not the country.
NOT_PLACE_AFTER = frozenset(
    ["dollar", "dollars", "cents", "speaking", "language", "languages", "cuisine", "food"]
)
# Romance-language particles inside a multiword name ("Palacio dos Bandeirantes").
NAME_PARTICLES = frozenset(
    ["de", "do", "dos", "da", "das", "del", "della", "di", "du", "des", "la", "le", "van", "von", "y", "e"]
)
# Foreign cities this large are known without their country being named.
WELL_KNOWN_POPULATION = 1_000_000
# Chinese towns smaller than this need a name-strength match and a cue word.
SMALL_CN_TOWN = 60_000
# A city this large beats a first-level region of the same name (Siem Reap).
SIZEABLE_CITY = 50_000
# Another city of the same name this large makes a bare name ambiguous.
AMBIGUOUS_POPULATION = 100_000


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
    feature: bool = False  # part of a river's, a building's or a firm's name
    titled: bool = False  # after a title or a Chinese surname: surely a person
    hint: str | None = None  # a country the words around the name point to
    before_name: bool = False  # followed by a capitalised unknown word ("Austin Whitfield")
    article_cue: str | None = None  # the cue the same name gets elsewhere in the article
    after_the: bool = False  # preceded by a lower-case "the"
    of_cue: bool = False  # the cue came before the name: "governor of X", "state of X"


@dataclass(slots=True)
class PlaceTags:
    countries: list[Place] = field(default_factory=list)
    regions: list[Place] = field(default_factory=list)
    cities: list[Place] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)


@cache
def _word_sets() -> dict[str, frozenset[str]]:
    data = load_yaml("names.yaml")
    return {
        key: frozenset(str(v) for v in data.get(key) or [])
        for key in (
            "function_words",
            "titles",
            "chinese_surnames",
            "city_words",
            "region_words",
            "county_words",
            "city_of",
            "region_of",
        )
    }


@cache
def _outlet_pattern() -> re.Pattern[str]:
    names = [re.escape(n) for n in outlet_names() if len(n) >= 4]
    return re.compile(rf"(?<!\w)(?:{'|'.join(names)})(?!\w)", re.I)


def mask_outlets(text: str) -> str:
    """Blank out outlet names so "China Daily" does not tag China; spell "U.S." as "US"."""
    text = DOTTED_ABBREVIATIONS.sub(
        lambda m: (m.group(1) + m.group(2) + (m.group(3) or "")).ljust(len(m.group(0))), text
    )
    return _outlet_pattern().sub(lambda m: " " * len(m.group(0)), text)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for found in TOKEN.finditer(text):
        before = text[: found.start()].rstrip(" \t\"“'‘(")
        sentence_start = not before or before[-1] in ".!?\n:;" or before.endswith("--")
        tokens.append(Token(found.group(0), found.start(), found.end(), sentence_start))
    return tokens


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


ABBREVIATIONS = frozenset({"St", "Ste", "Mt", "Ft", "Pt"})


def _joinable(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end : right.start]
    if gap == ". " and left.text in ABBREVIATIONS:
        return True  # "St. Petersburg"
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
        first = fold(POSSESSIVE.sub("", tokens[i].text)).split()
        longest = max(
            (gaz.longest_from(first[0]) if first else 0),
            gaz.longest_from("saint") if tokens[i].text in ("St", "Ste") else 0,
        )
        for n in range(min(longest + 1, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            if not _is_capitalised(span[-1].text):
                continue
            if any(not _joinable(text, a, b) for a, b in pairwise(span)):
                continue
            surface = text[span[0].start : span[-1].end]
            surface = POSSESSIVE.sub("", surface)
            hits = gaz.lookup(fold(surface))
            if span[0].text in ("St", "Ste") and n > 1:  # "St. Petersburg" is "Saint Petersburg" too
                expanded = gaz.lookup(fold("Saint " + text[span[1].start : span[-1].end]))
                hits = hits + [h for h in expanded if h not in hits]
            if hits:
                best = Mention(
                    surface, span[0].start, i, i + n - 1, hits, sentence_start=span[0].sentence_start
                )
                break
        if best is None:
            i += 1
            continue
        best.cue = _cue(tokens, best, words)
        best.person_like = _person_like(tokens, best, words, gaz)
        best.feature = _not_a_place(tokens, best, words)
        best.hint = _country_hint(text, tokens, best, gaz)
        best.before_name = _before_name(text, tokens, best, gaz)
        best.after_the = i > 0 and tokens[i - 1].text == "the"
        mentions.append(best)
        i = best.last + 1
    return mentions


def _country_hint(text: str, tokens: list[Token], mention: Mention, gaz: Gazetteer) -> str | None:
    """ "X City of Japan", "X, Japan", "Japan's X", "the Kazakh city of X"."""

    def country_at(index: int) -> str | None:
        if not 0 <= index < len(tokens):
            return None
        codes = {
            h.place.key
            for h in gaz.lookup(fold(POSSESSIVE.sub("", tokens[index].text)))
            if h.place.kind == "country"
        }
        return codes.pop() if len(codes) == 1 else None

    after = mention.last + 1
    if (
        after < len(tokens)
        and tokens[after].text
        in _word_sets()["city_words"] | _word_sets()["region_words"] | _word_sets()["county_words"]
    ):
        after += 1
    if after + 1 < len(tokens) and tokens[after].text == "of":
        hint = country_at(after + 1)
        if hint:
            return hint
    hint = country_at(mention.last + 1)
    if hint and text[tokens[mention.last].end : tokens[mention.last + 1].start].strip() == ",":
        return hint
    for back in (1, 3):  # "Japan's X", "the Kazakh city of X"
        hint = country_at(mention.first - back)
        if hint:
            return hint
    return None


def _cue(tokens: list[Token], mention: Mention, words: dict[str, frozenset[str]]) -> str | None:
    own_last = tokens[mention.last].text if mention.last > mention.first else ""
    if own_last in words["city_words"]:
        return "city"  # the name itself ends in "City": "Jilin City"
    if own_last in words["region_words"]:
        return "region"
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
            mention.of_cue = True
            return "region"
    return None


def _person_like(
    tokens: list[Token], mention: Mention, words: dict[str, frozenset[str]], gaz: Gazetteer
) -> bool:
    """A capitalised word before the name that makes it a person's name."""
    if mention.first == 0:
        return False
    prev = tokens[mention.first - 1]
    if tokens[mention.first].sentence_start or not _is_capitalised(prev.text):
        return False
    if prev.end + 1 < tokens[mention.first].start:  # punctuation between them
        return False
    if prev.text in words["titles"] or prev.text in words["chinese_surnames"]:
        mention.titled = True
        return True
    if prev.text in words["function_words"]:
        return False
    # The word before is itself a place or a demonym ("Dalian Jinpu", "Kazakh Shymkent").
    return not gaz.lookup(fold(POSSESSIVE.sub("", prev.text)))


def _before_name(text: str, tokens: list[Token], mention: Mention, gaz: Gazetteer) -> bool:
    nxt = mention.last + 1
    if nxt >= len(tokens) or text[tokens[mention.last].end : tokens[nxt].start] != " ":
        return False
    word = tokens[nxt].text
    words = _word_sets()
    if not _is_capitalised(word) or word in words["function_words"] or word in words["titles"]:
        return False
    if word in words["city_words"] | words["region_words"] | words["county_words"]:
        return False
    return not gaz.lookup(fold(POSSESSIVE.sub("", word)))


def _not_a_place(tokens: list[Token], mention: Mention, words: dict[str, frozenset[str]]) -> bool:
    """Names that are part of a person, a feature or a building rather than the place."""
    first = tokens[mention.first]
    if (
        mention.last > mention.first
        and first.text in words["chinese_surnames"]
        and all(h.place.country == "CN" and h.place.kind == "city" for h in mention.hits)
    ):
        return True  # "Chen Ping": Chinese city names are written as one word ("Hong Kong" is not one)
    after = tokens[mention.last + 1].text if mention.last + 1 < len(tokens) else ""
    if after in FEATURE_WORDS or after.lower() in NOT_PLACE_AFTER:
        return True
    before = tokens[mention.first - 1].text.lower() if mention.first else ""
    if before == "in" and all(h.strength == "demonym" for h in mention.hits):
        return True  # "called Luik in Dutch": a language, not a country
    if mention.first >= 2:
        prev, before = tokens[mention.first - 1], tokens[mention.first - 2]
        if prev.text in NAME_PARTICLES and _is_capitalised(before.text):
            return True
    return False


# ---------------------------------------------------------------------- resolution


def _allowed(hit: NameHit, mention: Mention, countries: set[str], gaz: Gazetteer) -> bool:
    place = hit.place
    key = fold(mention.text)
    common = gaz.is_common_word(key) or gaz.is_common_word(fold(place.name))
    if mention.person_like or mention.feature:
        return False
    if common and (mention.sentence_start or mention.text.isupper()) and mention.cue is None:
        return False
    if place.country == "CN" and place.kind == "city":
        if hit.strength == "garble":
            return False
        if place.population < SMALL_CN_TOWN and (hit.strength != "name" or mention.cue is None):
            return False
        if hit.strength == "alias" and mention.cue is None:
            return False
        return not common or mention.cue is not None
    if place.kind == "region" and place.country == "CN":
        return True
    in_article = place.country in countries
    if (
        place.kind == "region"
        and hit.strength == "name"
        and place.level == 1
        and not common
        and mention.of_cue
        and sum(h.place.kind == "region" for h in mention.hits) == 1
    ):
        return True  # "the governor of California": one region in the world by that name
    if hit.strength == "garble":
        return (
            in_article and mention.cue is not None and not (mention.cue == "region" and place.kind == "city")
        )
    if common:
        return in_article and (mention.cue is not None or mention.hint == place.country)
    if in_article:
        return True
    if place.kind == "city" and hit.strength == "name" and place.population >= WELL_KNOWN_POPULATION:
        # Only when no other sizeable city carries the name (Valencia: Spain or Venezuela?).
        return not any(
            h.place.kind == "city"
            and h.place.country != place.country
            and h.place.population >= max(AMBIGUOUS_POPULATION, place.population // 5)
            for h in mention.hits
        )
    return False


def _rank(hit: NameHit, mention: Mention, countries: set[str], elsewhere: set[str]) -> tuple:
    place = hit.place
    return (
        mention.hint is None or place.country == mention.hint,
        place.key in elsewhere,
        place.country in countries or place.country == "CN",
        place.kind == _wanted_kind(mention, place.country),
        STRENGTH_RANK[hit.strength],
        place.population,
    )


def _wanted_kind(mention: Mention, country: str) -> str:
    """City or region, when one name is both in one country.

    Cue words decide ("X City", "province of X"), here or elsewhere in the
    article. Bare, a Chinese name is the province (Jilin); a foreign one is the
    city when the city is known by that very name and is sizeable (Siem Reap,
    Putrajaya) or the region is only a second-level province (Venice), else the
    first-level region (Indiana, Pahang).
    """
    cue = mention.cue or mention.article_cue
    if cue == "county":
        return "city" if country == "CN" else "region"
    if cue:
        return cue
    if country == "CN":
        return "region"
    regions = [h for h in mention.hits if h.place.kind == "region" and h.place.country == country]
    if not regions or all(h.place.level >= 2 for h in regions):
        return "city"
    sizeable = any(
        h.place.kind == "city"
        and h.place.country == country
        and h.strength == "name"
        and h.place.population >= SIZEABLE_CITY
        for h in mention.hits
    )
    return "city" if sizeable else "region"


def resolve(mentions: list[Mention], gaz: Gazetteer) -> PlaceTags:
    """Turn mentions into one set of places, with country evidence first."""
    # A name once used for a person is that person everywhere ("Mayor Tanabe ... Tanabe said").
    people = {fold(m.text) for m in mentions if m.titled}
    for mention in mentions:
        if fold(mention.text) in people:
            mention.person_like = True
    explicit: set[str] = set()
    for mention in mentions:
        if mention.feature and mention.hits and all(h.place.country == "CN" for h in mention.hits):
            explicit.add("CN")  # "Wuhan University": not the city's page, but China takes part
        kinds = {hit.place.kind for hit in mention.hits}
        if (
            kinds == {"country"}
            and not mention.person_like
            and not mention.feature
            and not (mention.before_name and all(h.strength == "name" for h in mention.hits))
        ):
            explicit.update(hit.place.key for hit in mention.hits)
    _spread_cues(mentions)
    countries = set(explicit)
    chosen: dict[int, Place] = {}
    weak: set[str] = set()
    for _round in range(3):
        # Places other mentions settled on: "Aoshi" after "Osh" is Osh again.
        elsewhere = {p.key for p in chosen.values()}
        chosen.clear()
        for index, mention in enumerate(mentions):
            place = _choose(mention, countries, gaz, elsewhere - {None})
            if place is not None:
                chosen[index] = place
        countries = explicit | {p.country for p in chosen.values()}
    named_only: dict[str, bool] = {}
    for index, place in chosen.items():
        named_only[place.key] = named_only.get(place.key, True) and mentions[index].before_name
    for index in [
        i
        for i, p in chosen.items()
        if named_only[p.key]
        and p.country != "CN"
        and p.kind == "city"
        and mentions[i].hint is None
        and mentions[i].cue is None
    ]:
        del chosen[index]
    tags = PlaceTags()
    seen: set[object] = set()
    for index, mention in enumerate(mentions):
        place = chosen.get(index)
        same_name = (place.kind, place.country, fold(place.name)) if place else None
        if place is None or place.key in seen or same_name in seen:
            continue
        seen.update({place.key, same_name})
        if mention.hits and all(h.strength != "name" for h in mention.hits if h.place.key == place.key):
            weak.add(f"{place.name} (from {mention.text!r})")
        {"country": tags.countries, "region": tags.regions, "city": tags.cities}[place.kind].append(place)
    tags.cities = _merge_spellings(tags.cities)
    for code in sorted(countries - {p.key for p in tags.countries}):
        country = gaz.country(code)
        if country is not None:
            tags.countries.append(country)
    tags.weak = sorted(weak)
    return tags


def _spread_cues(mentions: list[Mention]) -> None:
    """A bare "Siena" means what "the city of Siena" meant earlier in the article."""
    cues: dict[str, set[str]] = {}
    for mention in mentions:
        if mention.cue in ("city", "region"):
            cues.setdefault(fold(mention.text), set()).add(mention.cue)
    for mention in mentions:
        found = cues.get(fold(mention.text), set())
        mention.article_cue = found.pop() if len(found) == 1 else None


def _choose(mention: Mention, countries: set[str], gaz: Gazetteer, elsewhere: set[str]) -> Place | None:
    hits = mention.hits
    country_hits = [h for h in hits if h.place.kind == "country"]
    other = [h for h in hits if h.place.kind != "country"]
    if country_hits and mention.cue != "city":
        if mention.person_like or mention.feature or mention.before_name:
            return None  # "Georgia Lindner" is a person
        # "Georgia" the US state when the article names the United States (but not "Georgian").
        codes = {c.place.key for c in country_hits}
        if all(c.strength != "demonym" for c in country_hits):
            for hit in other:
                if hit.place.kind == "region" and hit.place.country in countries - codes:
                    return hit.place
        return max(country_hits, key=lambda h: STRENGTH_RANK[h.strength]).place
    allowed = [h for h in other if _allowed(h, mention, countries, gaz)]
    if mention.after_the and mention.cue is None:
        # "the Amur", "the Rhine": a bare region name after "the" is a river or an area.
        allowed = [h for h in allowed if h.place.kind != "region"]
    if not {"region", "county"} & {mention.cue, mention.article_cue}:
        # Capitals that are also first-level units (Ulaanbaatar, Shymkent) are cities;
        # a bare Chinese name stays the province (Jilin).
        big = {
            h.place.country
            for h in allowed
            if h.place.kind == "city"
            and h.place.country != "CN"
            and h.place.population >= AMBIGUOUS_POPULATION
        }
        allowed = [h for h in allowed if not (h.place.kind == "region" and h.place.country in big)]
    if not allowed:
        return None
    return max(allowed, key=lambda h: _rank(h, mention, countries, elsewhere)).place


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _merge_spellings(cities: list[Place]) -> list[Place]:
    """ "Siem Reap" and "Siem Reab" in one country are one city spelled two ways: keep the larger."""
    kept: list[Place] = []
    for city in sorted(cities, key=lambda p: -p.population):
        key = fold(city.name)
        if len(key) >= 6 and any(
            k.country == city.country and _one_edit_apart(key, fold(k.name)) for k in kept
        ):
            continue
        kept.append(city)
    order = {c.key: i for i, c in enumerate(cities)}
    return sorted(kept, key=lambda p: order[p.key])


def tag_places(text: str, gaz: Gazetteer) -> PlaceTags:
    """Countries, regions and cities of an article's text (headline and body)."""
    return resolve(find_mentions(mask_outlets(text), gaz), gaz)
