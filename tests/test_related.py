"""Related articles kept between builds are exactly those worked out from scratch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from place_pages import (
    Place,
    RelatedRecord,
    attach_related,
    load_related_record,
    newest_first_key,
    save_related_record,
)

START = datetime(2020, 1, 1, tzinfo=UTC)


def _corpus(seed: int, size: int) -> list[SimpleNamespace]:
    rng = random.Random(seed)
    articles = []
    for n in range(size):
        articles.append(
            SimpleNamespace(
                slug=f"article-{n}",
                relative_source_path=f"articles/{n}.md",
                date=START + timedelta(days=rng.randrange(900)),
                places=[("country", "CN")]
                + [("country", rng.choice(["DE", "FR", "IT", "KE", "BR"]))]
                + [("city", f"C{rng.randrange(25)}") for _ in range(rng.randrange(1, 3))]
                + [("region", f"R{rng.randrange(6)}")] * rng.randrange(2),
            )
        )
    return articles


def _index(articles: list[SimpleNamespace]) -> None:
    """Places as place_pages builds them: one per code, articles newest first."""
    places: dict[tuple[str, str], Place] = {}
    for article in articles:
        for kind in ("country", "city", "region"):
            setattr(article, f"{kind}_places", [])
    for article in sorted(articles, key=newest_first_key):
        for kind, code in dict.fromkeys(article.places):
            place = places.setdefault((kind, code), Place(kind, code, code, ""))
            place.articles.append(article)
            getattr(article, f"{kind}_places").append(place)


def _related(articles: list[SimpleNamespace], previous: RelatedRecord | None) -> tuple[dict, RelatedRecord]:
    _index(articles)
    record = attach_related(articles, 5, previous)
    return {a.slug: [r.slug for r in a.related_articles] for a in articles}, record


def test_kept_related_articles_equal_those_worked_out_anew() -> None:
    articles = _corpus(7, 400)
    _, record = _related(articles, None)
    rng = random.Random(11)
    for step in range(12):
        change = step % 4
        if change == 0:  # a new article
            articles.append(_corpus(100 + step, 1)[0])
            articles[-1].slug = articles[-1].relative_source_path = f"new-{step}"
        elif change == 1:  # an article redated
            rng.choice(articles).date += timedelta(days=rng.randrange(1, 300))
        elif change == 2:  # an article retagged, and another given a new slug (same file)
            rng.choice(articles).places.append(("city", f"C{rng.randrange(25)}"))
            rng.choice(articles).slug += "-renamed"
        else:  # an article removed
            articles.pop(rng.randrange(len(articles)))
        kept, record = _related(articles, record)
        anew, fresh = _related(articles, None)
        assert kept == anew, f"step {step}"
        assert record == fresh and fresh.reused == 0
        assert record.reused > len(articles) // 2, f"step {step}: only {record.reused} kept"


def test_a_place_that_becomes_too_common_stops_counting_for_kept_lists_too() -> None:
    """A country on exactly half of the articles counts; one article more and it does not."""

    def article(n: int, places: list[tuple[str, str]]) -> SimpleNamespace:
        return SimpleNamespace(
            slug=f"a{n}", relative_source_path=f"{n}.md", date=START + timedelta(days=n), places=places
        )

    articles = [
        article(0, [("country", "KE"), ("city", "X")]),
        article(1, [("country", "KE")]),
        article(2, [("country", "BR"), ("city", "X")]),
        article(3, [("country", "BR")]),
    ]
    before, record = _related(articles, None)
    assert before["a1"] == ["a0"]  # Kenya, on 2 of 4 articles, counts
    articles.append(article(4, [("country", "KE")]))
    kept, record = _related(articles, record)
    anew, _ = _related(articles, None)
    assert kept == anew
    assert kept["a1"] == []  # Kenya, on 3 of 5, says nothing any more


def test_a_record_from_other_settings_is_not_used(tmp_path: Path) -> None:
    articles = _corpus(3, 120)
    _, record = _related(articles, None)
    path = tmp_path / "digest-related.json"
    save_related_record(path, record, None)
    loaded = load_related_record(path)
    assert loaded == record
    _index(articles)
    assert attach_related(articles, 5, loaded).reused == len(articles)
    _index(articles)
    assert attach_related(articles, 3, loaded).reused == 0  # DIGEST_RELATED_MAX changed
    path.write_text("{not json", encoding="utf-8")
    assert load_related_record(path) is None
