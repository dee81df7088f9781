"""Sanity checks for the curated gazetteer data files.

The English names in ``digest_converter/data/{subdivisions,demonyms,country_aliases}.yaml``
are hand-curated; the codes must be real ISO 3166 codes as known to pycountry.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pycountry
import pytest
import yaml

from digest_converter import gazetteer

DATA_DIR = Path(__file__).resolve().parent.parent / "digest_converter" / "data"

# Letters that NFKD does not decompose, plus typographic quotes and dashes (escaped so the
# source stays unambiguous): dotless/dotted i, l-stroke, o-slash, d-stroke, eth, schwa,
# turned e, curly quotes, modifier apostrophe, en dash and em dash.
_SPECIAL = str.maketrans(
    "\u0131\u0130\u0142\u0141\u00f8\u00d8\u0111\u0110\u00f0\u00d0"
    "\u0259\u018f\u01dd\u2018\u2019\u02bc\u2013\u2014",
    "iIlLoOdDdDaAa'''--",
)
_SPECIAL.update(str.maketrans({"æ": "ae", "Æ": "Ae", "ß": "ss", "þ": "th", "Þ": "Th"}))


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key used to detect clashes."""
    folded = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = re.sub(r"[-_/]", " ", folded)
    folded = re.sub(r"[.'`]", "", folded)
    return re.sub(r"\s+", " ", folded).strip()


def _load(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict), f"{name} must be a mapping"
    return data


@pytest.fixture(scope="module")
def subdivisions() -> dict:
    return _load("subdivisions.yaml")


@pytest.fixture(scope="module")
def demonyms() -> dict:
    return _load("demonyms.yaml")


@pytest.fixture(scope="module")
def country_aliases() -> dict:
    return _load("country_aliases.yaml")


SUBDIVISION_CODES = {s.code for s in pycountry.subdivisions}
COUNTRY_CODES = {c.alpha_2 for c in pycountry.countries}


def _check_name_lists(data: dict, label: str) -> None:
    for code, names in data.items():
        assert isinstance(code, str), f"{label}: key {code!r} is not a string"
        assert isinstance(names, list) and names, f"{label}: {code} has no names"
        for name in names:
            assert isinstance(name, str), f"{label}: {code} has non-string name {name!r}"
            assert name.strip(), f"{label}: {code} has an empty name"
            assert name == name.strip(), f"{label}: {code} name {name!r} has stray spaces"


def test_subdivision_codes_exist(subdivisions: dict) -> None:
    unknown = sorted(code for code in subdivisions if code not in SUBDIVISION_CODES)
    assert not unknown, f"codes not in pycountry.subdivisions: {unknown}"


def test_subdivision_names_non_empty(subdivisions: dict) -> None:
    _check_name_lists(subdivisions, "subdivisions")
    for code, names in subdivisions.items():
        assert names[0].strip(), f"{code}: canonical (first) name is empty"


def test_subdivision_names_unique_within_country(subdivisions: dict) -> None:
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    clashes = []
    for code, names in subdivisions.items():
        country = code.split("-", 1)[0]
        for name in names:
            key = normalise(name)
            other = seen[country].get(key)
            if other is not None and other != code:
                clashes.append(f"{name!r}: {other} vs {code}")
            seen[country][key] = code
    assert not clashes, "names mapping to two subdivisions of one country:\n" + "\n".join(clashes)


def test_subdivision_country_prefix_matches(subdivisions: dict) -> None:
    for code in subdivisions:
        country = code.split("-", 1)[0]
        assert country in COUNTRY_CODES, f"{code}: unknown country prefix"


def test_demonym_codes_exist(demonyms: dict) -> None:
    unknown = sorted(code for code in demonyms if code not in COUNTRY_CODES)
    assert not unknown, f"codes not in pycountry.countries: {unknown}"


def test_demonym_names(demonyms: dict) -> None:
    _check_name_lists(demonyms, "demonyms")
    seen: dict[str, str] = {}
    clashes = []
    for code, names in demonyms.items():
        for name in names:
            key = normalise(name)
            if key in seen and seen[key] != code:
                clashes.append(f"{name!r}: {seen[key]} vs {code}")
            seen[key] = code
    assert not clashes, "demonyms mapping to two countries:\n" + "\n".join(clashes)


def test_country_alias_codes_exist(country_aliases: dict) -> None:
    unknown = sorted(code for code in country_aliases if code not in COUNTRY_CODES)
    assert not unknown, f"codes not in pycountry.countries: {unknown}"


def test_country_alias_names(country_aliases: dict) -> None:
    _check_name_lists(country_aliases, "country_aliases")
    seen: dict[str, str] = {}
    clashes = []
    for code, names in country_aliases.items():
        for name in names:
            key = normalise(name)
            if key in seen and seen[key] != code:
                clashes.append(f"{name!r}: {seen[key]} vs {code}")
            seen[key] = code
    assert not clashes, "aliases mapping to two countries:\n" + "\n".join(clashes)


def test_country_aliases_do_not_clash_with_other_countries(country_aliases: dict) -> None:
    """An alias must not be another country's pycountry name."""
    official: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                official.setdefault(normalise(value), country.alpha_2)
    clashes = []
    for code, names in country_aliases.items():
        for name in names:
            other = official.get(normalise(name))
            if other is not None and other != code:
                clashes.append(f"{name!r} under {code} is {other}'s pycountry name")
    assert not clashes, "\n".join(clashes)


def test_place_facts_come_from_a_small_cache_after_the_first_time(tmp_path, monkeypatch) -> None:
    """A site build asks for the coordinates and spellings of its places: the index is
    loaded only for codes the cache beside it does not know yet."""
    from digest_converter import gazetteer as g

    monkeypatch.setenv("DIGEST_CACHE_DIR", str(tmp_path))
    harbin = g.Place("city", "CN-1", "Harbin", "CN", 0, 45.75, 126.65)
    fake = g.Gazetteer.from_entries(
        [harbin],
        {
            "harbin": [g.NameHit(harbin, "name")],
            "xarbin": [g.NameHit(harbin, "garble")],
            "harbine": [g.NameHit(harbin, "alias")],
        },
    )
    loads: list[int] = []
    monkeypatch.setattr(g, "load_gazetteer", lambda: loads.append(1) or fake)
    assert g.place_coordinates(["CN-1", "XX-9"]) == {"CN-1": (45.75, 126.65), "XX-9": None}
    assert g.place_spellings(["CN-1", "XX-9"]) == {"CN-1": ["harbin", "harbine", "xarbin"]}
    assert len(loads) == 2
    assert g.place_coordinates(["XX-9", "CN-1"]) == {"CN-1": (45.75, 126.65), "XX-9": None}
    assert g.place_spellings(["CN-1"]) == {"CN-1": ["harbin", "harbine", "xarbin"]}
    assert len(loads) == 2  # both answered from the cache files
    assert sorted(p.name.split("-")[0] for p in tmp_path.rglob("*.json")) == ["coordinates", "spellings"]


def _sample_builder() -> gazetteer.GazetteerBuilder:
    """Enough places and names to fill several blocks of the stored index, with the awkward cases."""
    builder = gazetteer.GazetteerBuilder()
    china = gazetteer.Place("country", "CN", "China", "CN")
    shanxi = gazetteer.Place("region", "CN-SX", "Shanxi", "CN", level=1)
    odd = gazetteer.Place("city", "XX-7", 'Tab\tand "quote" \u00e9\n', "XX", 12, 0.1 + 0.2, -1e-07)
    for place in (china, shanxi, odd):
        builder._add_place(place)
    builder._add_name("China", china, "name")
    builder._add_name("Chinese", china, "demonym")
    builder._add_name("Shanxi", shanxi, "name")
    builder._add_name("Sao Tome Odd Town", odd, "alias")
    for i in range(300):
        town = gazetteer.Place("city", f"CN-{i}", f"Town {i}", "CN", i * 1000, 30 + i / 7, 110 - i / 3)
        builder._add_place(town)
        builder._add_name(f"Town {i}", town, "name")
        builder._add_name(f"Shanxi Town {i % 5}", town, "garble")  # one name, many places
    builder._add_name("Shanxi", odd, "alias")
    builder.common_words = frozenset({"town 1"})
    return builder


def test_stored_index_answers_like_the_names_it_was_built_from() -> None:
    """The compact on-disk index, after a round trip through its cache format, gives the
    same places, hits (in order), word counts and common words as the builder's plain dicts."""
    import pickle

    builder = _sample_builder()
    gaz = gazetteer.Gazetteer.from_state(pickle.loads(pickle.dumps(builder.build().state())))
    for key, hits in builder.names.items():
        assert gaz.lookup(key) == hits, key
        assert gaz.lookup(key) is gaz.lookup(key)  # decoded once
    assert gaz.lookup("nowhere") == [] and gaz.lookup("") == [] and gaz.lookup("~") == []
    for key, place in builder.places.items():
        assert gaz.get(key) == place and type(gaz.get(key).population) is int
    assert gaz.get("XX-7").name == 'Tab\tand "quote" \u00e9\n' and gaz.get("XX-7").latitude == 0.1 + 0.2
    assert gaz.get("CN").latitude is None and gaz.get("nowhere") is None
    assert gaz.country("cn") == builder.places["CN"]
    longest: dict[str, int] = {}
    for key in builder.names:
        first = key.split()[0]
        longest[first] = max(longest.get(first, 0), len(key.split()))
    for word in [*longest, "odd", "zzz", ""]:
        assert gaz.longest_from(word) == longest.get(word, 0), word
    assert gaz.max_words == 4
    assert gaz.is_common_word("town 1") and not gaz.is_common_word("town 2")
    assert dict(gaz.names.items()) == builder.names
    assert len(gaz.names) == len(builder.names) and sorted(gaz.names) == sorted(builder.names)


def test_stored_index_refuses_what_it_cannot_store() -> None:
    place = gazetteer.Place("city", "XX 1", "Spaced", "XX")
    with pytest.raises(ValueError):
        gazetteer.Gazetteer.from_entries([place], {"spaced": [gazetteer.NameHit(place, "name")]})
    with pytest.raises(ValueError):
        gazetteer.BlockTable.from_items({"a\tb": "x"})
