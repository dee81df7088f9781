"""Partnerships an article states between a Chinese place and a foreign one.

A relation is recorded only when one sentence both names the kind of tie
(sister city, friendship city, cooperation agreement, memorandum of
understanding, letter of intent) and says it exists or was concluded
(signed, established, became, "its sister city"), and the two places are
named in that sentence, or the sentence says "the two cities/sides" in an
article about exactly one Chinese and one foreign place. Plans, hopes and
negations ("hope to establish", "will sign", "not yet") are not relations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import Gazetteer, Place
from .places import find_mentions, mask_outlets

KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "sister-city",
        re.compile(
            r"\bsister[- ](?:cit(?:y|ies)|province|provinces|state|states|region|"
            r"regions|county|counties|prefecture|relations?|relationship|ties)\b"
            r"|\btwinning\b|\btwin cities\b|\btwinned\b",
            re.I,
        ),
    ),
    (
        "friendship-city",
        re.compile(
            r"\b(?:friendship|friendly)[- ](?:cit(?:y|ies)|province|provinces|"
            r"region|relations|relationship|ties|exchange relations|"
            r"cooperation relations|cooperative relations)\b",
            re.I,
        ),
    ),
    ("memorandum-of-understanding", re.compile(r"\bmemorand(?:um|a)\b|\bMoUs?\b", re.I)),
    ("letter-of-intent", re.compile(r"\bletters? of intent\b", re.I)),
    (
        "cooperation-agreement",
        re.compile(
            r"\b(?:cooperation|cooperative|framework|friendship|partnership)"
            r" agreements?\b",
            re.I,
        ),
    ),
)
STATED = re.compile(
    r"\b(?:signed|sign(?:ed|ing) ceremony|inked|concluded|established|establishing|establishment of|"
    r"became|become|formed|forged|set up|entered into|have been|has been|is (?:now )?(?:a|the)|"
    r"its (?:sister|friendship|friendly)|their (?:sister|friendship|friendly)|anniversary of|"
    r"marked|mark|celebrate[sd]?|agreed to establish)\b",
    re.I,
)
UNSTATED = re.compile(
    r"\b(?:hopes? to|hoping to|plans? to|planning to|will (?:sign|establish|become)|would like to|"
    r"intends? to|is expected to|are expected to|proposed|propose|may|might|could|not yet|"
    r"has not|have not|did not|no longer|explore the possibility|looking forward to)\b",
    re.I,
)
REGION_LEVEL = re.compile(
    r"\b(?:sister|friendship|friendly)[- ](?:province|provinces|state|states|region|regions|prefecture|"
    r"county|counties|oblast)\b|\bbetween (?:the )?(?:province|state|region)s?\b|\bprovince and "
    r"(?:prefecture|state|region|oblast)\b",
    re.I,
)
TWO_SIDES = re.compile(r"\bthe two (?:cities|sides|places|provinces|regions|parties)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[A-Z\"“])")


@dataclass(frozen=True, slots=True)
class Relation:
    chinese: Place
    foreign: Place
    kind: str

    def encode(self) -> str:
        return f"{self.chinese.key}/{self.foreign.key}/{self.kind}"


def relation_kind(sentence: str) -> str | None:
    """The kind of tie a sentence states exists, or None."""
    if UNSTATED.search(sentence) or not STATED.search(sentence):
        return None
    for kind, pattern in KINDS:
        if pattern.search(sentence):
            return kind
    return None


def find_relations(text: str, places: list[Place], gaz: Gazetteer) -> list[Relation]:
    """Relations stated in ``text`` between the article's own (already tagged) places."""
    tagged = {p.key: p for p in places if p.kind in ("city", "region")}
    chinese_all = [p for p in tagged.values() if p.country == "CN"]
    foreign_all = [p for p in tagged.values() if p.country != "CN"]
    found: dict[tuple[str, str], Relation] = {}
    for paragraph in mask_outlets(text).split("\n"):
        for sentence in _SENTENCE.split(paragraph):
            kind = relation_kind(sentence)
            if kind is None:
                continue
            keys: list[str] = []
            for mention in find_mentions(sentence, gaz):
                hits = [h for h in mention.hits if h.place.key in tagged]
                if mention.cue in ("city", "region"):  # "Yamaguchi Prefecture" is not the city
                    hits = [h for h in hits if h.place.kind == mention.cue] or hits
                keys += [h.place.key for h in hits]
            level = "region" if REGION_LEVEL.search(sentence) else "city"
            chinese = _pick([tagged[k] for k in keys if tagged[k].country == "CN"], level)
            foreign = _pick([tagged[k] for k in keys if tagged[k].country != "CN"], level)
            if (chinese is None or foreign is None) and TWO_SIDES.search(sentence):
                chinese = chinese or _pick(chinese_all, level, only=True)
                foreign = foreign or _pick(foreign_all, level, only=True)
            if chinese is None or foreign is None:
                continue
            key = (chinese.key, foreign.key)
            if key not in found or _rank(kind) < _rank(found[key].kind):
                found[key] = Relation(chinese, foreign, kind)
    return sorted(found.values(), key=lambda r: (r.chinese.name, r.foreign.name, r.kind))


def _rank(kind: str) -> int:
    return [k for k, _ in KINDS].index(kind)


def _pick(places: list[Place], level: str, only: bool = False) -> Place | None:
    """The place of the tie's level: a city over its region ("Lüliang City, Shanxi Province")
    unless the tie is between provinces or states ("sister province"). With ``only``, none
    unless exactly one place qualifies (an article about one pair)."""
    preferred = [p for p in places if p.kind == level]
    pool = preferred or places
    if not pool or (only and len(pool) != 1):
        return None
    return pool[0]
