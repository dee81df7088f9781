"""Rules of place tagging, each on a sentence written for the rule."""

from __future__ import annotations

import pytest

from digest_converter.gazetteer import Gazetteer, load_gazetteer
from digest_converter.places import PlaceTags, tag_places


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def tags(text: str, gaz: Gazetteer) -> PlaceTags:
    return tag_places(text, gaz)


def names(places: list) -> set[str]:
    return {p.name for p in places}


def codes(places: list) -> set[str]:
    return {p.key for p in places}


def test_three_spellings_are_one_city(gaz: Gazetteer) -> None:
    found = tags("Luliang City met guests. Lvliang is in Shanxi. Lüliang has red dates.", gaz)
    assert names(found.cities) == {"Lüliang"}
    assert names(found.regions) == {"Shanxi"}


def test_dropped_accents_find_the_canonical_name(gaz: Gazetteer) -> None:
    found = tags("A delegation from Cegled, Hungary visited Jinan.", gaz)
    assert {"Cegléd", "Jinan"} <= names(found.cities)
    assert {"CN", "HU"} == codes(found.countries)


def test_country_named_by_demonym(gaz: Gazetteer) -> None:
    found = tags("The Kazakh city of Shymkent signed an agreement with Xi'an.", gaz)
    assert {"KZ", "CN"} == codes(found.countries)
    assert {"Shymkent", "Xi’an"} <= names(found.cities) | {"Xi’an"}


def test_outlet_name_does_not_tag_its_country(gaz: Gazetteer) -> None:
    found = tags("The report was first published by China Daily and the Global Times.", gaz)
    assert not found.countries


@pytest.mark.parametrize(
    "sentence",
    [
        "It was a nice evening for the guests from Harbin.",
        "Reading the agreement aloud, the mayor of Harbin smiled.",
        "They split the cost of the Harbin fair.",
    ],
)
def test_english_words_are_not_places(sentence: str, gaz: Gazetteer) -> None:
    found = tags(sentence, gaz)
    assert names(found.cities) == {"Harbin"}


def test_nice_the_city_with_context(gaz: Gazetteer) -> None:
    found = tags("The vice-mayor of Nice, France, visited Xiamen.", gaz)
    assert {"Nice", "Xiamen"} == names(found.cities)
    assert "FR" in codes(found.countries)


def test_people_named_like_places(gaz: Gazetteer) -> None:
    text = (
        "Grace Hamilton, trade commissioner, met officials in Nanjing. "
        "Mayor Tanabe of Kobe, Japan, spoke. Tanabe said trade grew."
    )
    found = tags(text, gaz)
    assert "Hamilton" not in names(found.cities)
    assert "Tanabe" not in names(found.cities)
    assert {"Nanjing", "Kobe"} <= names(found.cities)


def test_georgia_the_state_when_the_article_is_american(gaz: Gazetteer) -> None:
    found = tags(
        "Georgia sent a trade mission from the United States to Qingdao. Georgia farmers grow peaches.", gaz
    )
    assert "US-GA" in codes(found.regions)
    assert "GE" not in codes(found.countries)


def test_georgia_the_country(gaz: Gazetteer) -> None:
    found = tags("A delegation from Georgia visited Urumqi; Tbilisi and Urumqi are sister cities.", gaz)
    assert "GE" in codes(found.countries)
    assert not found.regions or "US-GA" not in codes(found.regions)


def test_province_cue_picks_the_region_city_cue_the_city(gaz: Gazetteer) -> None:
    found = tags("Jilin province held talks with Emilia-Romagna of Italy.", gaz)
    assert "CN-JL" in codes(found.regions)
    assert "Jilin" not in names(found.cities)
    found = tags("Officials of Jilin City met a German delegation from Bavaria, Germany.", gaz)
    assert "Jilin" in names(found.cities)


def test_municipalities_are_cities(gaz: Gazetteer) -> None:
    found = tags("Shanghai and Chongqing signed deals with Milan, Italy.", gaz)
    assert {"Shanghai", "Chongqing", "Milan"} <= names(found.cities)
    assert not any(p.key in {"CN-SH", "CN-CQ"} for p in found.regions)


def test_rivers_and_buildings_are_not_places(gaz: Gazetteer) -> None:
    found = tags(
        "Heihe lies on the Amur River, which the Russian side calls the Amur. "
        "Guests met at the Palacio dos Bandeirantes in Harbin.",
        gaz,
    )
    assert not any(p.country == "RU" and p.kind == "region" for p in found.regions)
    assert "Bandeirantes" not in names(found.cities)


def test_currency_does_not_tag_a_country(gaz: Gazetteer) -> None:
    found = tags("Trade between Chengdu and Vientiane, Laos reached 46 million US dollars.", gaz)
    assert "US" not in codes(found.countries)
    assert {"CN", "LA"} == codes(found.countries)


def test_machine_translation_garble_with_its_country(gaz: Gazetteer) -> None:
    found = tags("Dalian and Beijiuzhou City of Japan marked 45 years of ties.", gaz)
    assert "Kitakyushu" in names(found.cities)


def test_possessive_country(gaz: Gazetteer) -> None:
    found = tags("Blagoveshchensk is the centre of Russia's Amur Oblast, across from Heihe.", gaz)
    assert "RU" in codes(found.countries)
    assert "RU-AMU" in codes(found.regions)
    assert "Blagoveshchensk" in names(found.cities)


def test_famous_city_is_not_a_common_word_because_of_a_small_namesake(gaz: Gazetteer) -> None:
    found = tags("Guests from Harbin enjoyed a banquet in Moscow.", gaz)
    assert "Moscow" in names(found.cities)
    assert "RU" in codes(found.countries)


def test_surname_rule_does_not_split_hong_kong(gaz: Gazetteer) -> None:
    found = tags("Visitors from Hong Kong and Macao joined the event in Zhuhai.", gaz)
    assert {"HK", "MO", "CN"} <= codes(found.countries)


def test_a_university_named_after_a_city_still_shows_china_takes_part(gaz: Gazetteer) -> None:
    found = tags("Wuhan University and the University of Bologna, Italy, signed an exchange program.", gaz)
    assert {"CN", "IT"} == codes(found.countries)
    assert "Wuhan" not in names(found.cities)


def test_region_named_by_its_governor(gaz: Gazetteer) -> None:
    found = tags("The governor of California visited Shanghai and Guangzhou.", gaz)
    assert "US-CA" in codes(found.regions)
    assert "US" in codes(found.countries)
    found = tags(
        "Officials of Jinan met guests in Tuva Province and the Free State of Bavaria, Germany.", gaz
    )
    assert "ZA" not in codes(found.countries)


def test_saint_abbreviated(gaz: Gazetteer) -> None:
    found = tags("Officials from St. Petersburg, Russia met their counterparts in Shanghai.", gaz)
    assert "Saint Petersburg" in names(found.cities)
    assert not found.regions


def test_big_city_known_without_its_country_unless_the_name_is_shared(gaz: Gazetteer) -> None:
    found = tags("Delegates from Los Angeles and New York visited Beijing and Tianjin.", gaz)
    assert {"Los Angeles", "New York City"} <= names(found.cities)
    assert "US" in codes(found.countries)
    found = tags("Oranges from Valencia were sold in Chengdu.", gaz)  # Spain or Venezuela?
    assert "Valencia" not in names(found.cities)
