"""Partnerships: recorded only when a sentence states them."""

from __future__ import annotations

import pytest

from digest_converter.gazetteer import Gazetteer, load_gazetteer
from digest_converter.places import tag_places
from digest_converter.relations import find_relations, relation_kind


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Harbin and Yekaterinburg signed an agreement to become sister cities.", "sister-city"),
        ("Quanzhou and Kuching South established friendship-city relations on Friday.", "friendship-city"),
        ("Kuantan has been a friendly city of Qinzhou since 2011.", "friendship-city"),
        (
            "The two sides signed a memorandum of understanding on port cooperation.",
            "memorandum-of-understanding",
        ),
        ("Dabas and Lüliang signed a letter of intent on orchards.", "letter-of-intent"),
        ("Ren Zhong signed a cooperation framework agreement with the mayor.", "cooperation-agreement"),
        ("Nantong and Siena signed a twinning agreement in Florence.", "sister-city"),
        ("The event marked the 45th anniversary of the friendship city relationship.", "friendship-city"),
        ("Shymkent became Xi'an's sister city this week.", "sister-city"),
    ],
)
def test_sentences_that_state_a_relation(sentence: str, kind: str) -> None:
    assert relation_kind(sentence) == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "The two cities hope to establish sister-city relations soon.",
        "Harbin plans to sign a memorandum with Kazan next year.",
        "Officials said they will sign a cooperation agreement in the autumn.",
        "The mayor proposed that the cities become sister cities.",
        "The cities have not yet signed a friendship agreement.",
        "The delegation visited a sister-city exhibition.",  # a tie named, none stated
        "Trade between the two cities grew by 20 percent.",
        "They may explore the possibility of a letter of intent.",
    ],
)
def test_sentences_that_do_not(sentence: str) -> None:
    assert relation_kind(sentence) is None


def relations(text: str, gaz: Gazetteer) -> set[tuple[str, str, str]]:
    tags = tag_places(text, gaz)
    return {
        (r.chinese.name, r.foreign.name, r.kind)
        for r in find_relations(text, [*tags.cities, *tags.regions], gaz)
    }


def test_relation_between_the_named_places(gaz: Gazetteer) -> None:
    text = (
        "Lanzhou signed an agreement establishing friendly-city relations with Osh, Kyrgyzstan. "
        "The delegation also visited Bishkek."
    )
    assert relations(text, gaz) == {("Lanzhou", "Osh", "friendship-city")}


def test_provinces_when_the_tie_is_between_provinces(gaz: Gazetteer) -> None:
    text = (
        "Governor of Jiangsu met the Premier of Victoria, Australia in Nanjing. "
        "Victoria and Jiangsu marked 40 years as sister state and province."
    )
    assert relations(text, gaz) == {("Jiangsu", "Victoria", "sister-city")}


def test_the_two_cities_in_an_article_about_two_cities(gaz: Gazetteer) -> None:
    text = "Tangshan officials visited Malmö, Sweden. The two cities signed a memorandum on green building."
    assert relations(text, gaz) == {("Tangshan", "Malmö", "memorandum-of-understanding")}


def test_no_relation_without_a_foreign_place(gaz: Gazetteer) -> None:
    assert relations("Harbin and Changchun signed a cooperation agreement on ice tourism.", gaz) == set()
