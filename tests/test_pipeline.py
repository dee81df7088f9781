"""Converting a raw folder: incremental runs, hand edits, slugs, removals, lock (pipeline.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from digest_converter import pipeline
from digest_converter.pipeline import LOCK, MANIFEST, ConvertLockedError, RunReport, convert_tree

TODAY = date(2025, 6, 1)
CONTRACT_KEYS = (
    "title", "date", "date_source", "date_precision", "countries", "country_codes", "cities",
    "city_ids", "regions", "region_codes", "summary", "slug", "raw", "raw_sha256",
)

HARBIN = """Harbin delegation visits Yekaterinburg to deepen city ties
Source: China Daily | Updated: 2024-08-30 10:15
A delegation from Harbin arrived in Yekaterinburg, Russia, on Monday for talks on trade and education.
Both sides agreed to expand student exchanges next year.
"""
DATELINE = """China News Service, Harbin, March 3rd (Reporter Wang Li) Officials from Harbin met a \
business delegation from Yekaterinburg, Russia, to discuss direct flights.
The talks marked the 51st anniversary of the establishment of diplomatic relations between China \
and Italy.
"""
SAME_HEADLINE = """Harbin and Yekaterinburg sign trade pact
Updated: 2024-09-0{day} 09:00
Officials from Harbin and Yekaterinburg, Russia, signed a trade agreement covering {topic}.
"""


@pytest.fixture(scope="session", autouse=True)
def _warm_gazetteer() -> None:
    """Load the (cached, process-wide) gazetteer once so each test pays nothing for it."""
    from digest_converter.gazetteer import load_gazetteer

    load_gazetteer()


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "harbin.txt").write_text(HARBIN, encoding="utf-8")
    (folder / "news").mkdir()
    (folder / "news" / "dateline.txt").write_text(DATELINE, encoding="utf-8")
    return folder


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "articles"


def run(src: Path, dest: Path, **kwargs) -> RunReport:
    return convert_tree(src, dest, today=TODAY, progress=False, **kwargs)


def statuses(report: RunReport) -> dict[str, str]:
    return {o.raw: o.status for o in report.outcomes}


def header(path: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        meta[key] = value.strip()
    return meta


def outputs(dest: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dest.glob("*.md"))}


# ---------------------------------------------------------------------- first run


def test_one_markdown_file_per_raw_file_with_the_contract_header(src: Path, dest: Path) -> None:
    report = run(src, dest)
    assert statuses(report) == {"harbin.txt": "written", "news/dateline.txt": "written"}
    assert sorted(outputs(dest)) == ["harbin.md", "news-dateline.md"]
    for name in ("harbin.md", "news-dateline.md"):
        meta = header(dest / name)
        missing = [key for key in CONTRACT_KEYS if key not in meta]
        assert missing == [], f"{name} lacks {missing}"

    harbin = header(dest / "harbin.md")
    assert harbin["title"] == "Harbin delegation visits Yekaterinburg to deepen city ties"
    assert harbin["date"] == "2024-08-30T10:15:00+08:00"
    assert (harbin["date_source"], harbin["date_precision"]) == ("page", "day")
    assert harbin["source"] == "China Daily"
    assert harbin["raw"] == "harbin.txt"
    assert harbin["countries"] == "China, Russia"
    assert harbin["country_codes"] == "CN, RU"
    assert harbin["cities"] == "Harbin, Yekaterinburg"
    assert len(harbin["city_ids"].split(", ")) == 2
    assert harbin["city_ids"].startswith("CN-")
    assert len(harbin["raw_sha256"]) == 64

    dateline = header(dest / "news-dateline.md")
    assert dateline["raw"] == "news/dateline.txt"
    assert dateline["dateline"] == "Harbin"
    assert dateline["authors"] == "Wang Li"
    assert dateline["source"] == "China News Service"
    assert dateline["date"] == "2021-03-03T00:00:00+08:00"
    assert (dateline["date_source"], dateline["date_precision"]) == ("text", "year-inferred")

    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest) == ["harbin.md", "news-dateline.md"]
    assert not (dest / LOCK).exists()


# ---------------------------------------------------------------------- incremental runs


def test_second_run_is_unchanged_and_touches_nothing(src: Path, dest: Path) -> None:
    run(src, dest)
    old = 1_500_000_000
    for path in dest.glob("*.md"):
        os.utime(path, (old, old))
    before = outputs(dest)

    report = run(src, dest)
    assert statuses(report) == {"harbin.txt": "unchanged", "news/dateline.txt": "unchanged"}
    assert outputs(dest) == before
    for path in dest.glob("*.md"):
        assert path.stat().st_mtime == old


def test_changed_raw_file_is_converted_again(src: Path, dest: Path) -> None:
    run(src, dest)
    (src / "harbin.txt").write_text(HARBIN.replace("trade and education", "tourism"), encoding="utf-8")
    report = run(src, dest)
    assert statuses(report) == {"harbin.txt": "written", "news/dateline.txt": "unchanged"}
    assert "tourism" in (dest / "harbin.md").read_text(encoding="utf-8")


def test_new_sidecar_counts_as_a_change(src: Path, dest: Path) -> None:
    run(src, dest)
    (src / "harbin.json").write_text('{"url": "https://example.org/harbin.html"}', encoding="utf-8")
    report = run(src, dest)
    assert statuses(report)["harbin.txt"] == "written"
    assert header(dest / "harbin.md")["url"] == "https://example.org/harbin.html"


# ---------------------------------------------------------------------- hand edits


def hand_edit(path: Path) -> str:
    text = path.read_text(encoding="utf-8").replace("summary: ", "summary: EDITED BY HAND. ", 1)
    path.write_text(text, encoding="utf-8")
    return text


def test_hand_edited_file_is_kept(src: Path, dest: Path) -> None:
    run(src, dest)
    edited = hand_edit(dest / "harbin.md")
    report = run(src, dest)
    outcome = next(o for o in report.outcomes if o.raw == "harbin.txt")
    assert outcome.status == "skipped-edited"
    assert "edited by hand" in outcome.reason
    assert "has changed" not in outcome.reason
    assert (dest / "harbin.md").read_text(encoding="utf-8") == edited
    assert statuses(report)["news/dateline.txt"] == "unchanged"


def test_force_redoes_a_hand_edited_file(src: Path, dest: Path) -> None:
    run(src, dest)
    original = (dest / "harbin.md").read_bytes()
    hand_edit(dest / "harbin.md")
    report = run(src, dest, force=True)
    assert statuses(report)["harbin.txt"] == "written"
    assert (dest / "harbin.md").read_bytes() == original
    assert statuses(run(src, dest))["harbin.txt"] == "unchanged"


def test_edited_article_whose_raw_changed_says_so(src: Path, dest: Path) -> None:
    run(src, dest)
    edited = hand_edit(dest / "harbin.md")
    (src / "harbin.txt").write_text(HARBIN.replace("trade and education", "tourism"), encoding="utf-8")
    report = run(src, dest)
    outcome = next(o for o in report.outcomes if o.raw == "harbin.txt")
    assert outcome.status == "skipped-edited"
    assert "harbin.txt has changed" in outcome.reason
    assert (dest / "harbin.md").read_text(encoding="utf-8") == edited


# ---------------------------------------------------------------------- slugs


def test_same_headline_gets_distinct_slugs(tmp_path: Path, dest: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    (src / "a.txt").write_text(SAME_HEADLINE.format(day=1, topic="timber"), encoding="utf-8")
    (src / "b.txt").write_text(SAME_HEADLINE.format(day=2, topic="machinery"), encoding="utf-8")
    run(src, dest)
    slug_a = header(dest / "a.md")["slug"]
    slug_b = header(dest / "b.md")["slug"]
    assert slug_a == "harbin-and-yekaterinburg-sign-trade-pact"
    assert slug_b != slug_a
    assert slug_b.startswith(slug_a + "-")

    # The suffixed file is recorded in the manifest: the next run leaves it alone.
    before = outputs(dest)
    report = run(src, dest)
    assert set(statuses(report).values()) == {"unchanged"}
    assert outputs(dest) == before


def test_slug_suffix_never_rewrites_a_hand_edited_file(tmp_path: Path, dest: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    (src / "b.txt").write_text(SAME_HEADLINE.format(day=2, topic="machinery"), encoding="utf-8")
    run(src, dest)
    edited = hand_edit(dest / "b.md")
    # A new raw file with the same headline that sorts first.
    (src / "a.txt").write_text(SAME_HEADLINE.format(day=1, topic="timber"), encoding="utf-8")
    report = run(src, dest)
    assert statuses(report)["b.txt"] == "skipped-edited"
    assert (dest / "b.md").read_text(encoding="utf-8") == edited


def test_slug_rewrites_happen_under_the_lock(
    tmp_path: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    (src / "a.txt").write_text(SAME_HEADLINE.format(day=1, topic="timber"), encoding="utf-8")
    (src / "b.txt").write_text(SAME_HEADLINE.format(day=2, topic="machinery"), encoding="utf-8")
    unlocked: list[str] = []
    real_write = pipeline.write_atomic

    def checking_write(path: Path, data: bytes) -> None:
        if not (dest / LOCK).exists():
            unlocked.append(path.name)
        real_write(path, data)

    monkeypatch.setattr(pipeline, "write_atomic", checking_write)
    run(src, dest)
    assert unlocked == []


# ---------------------------------------------------------------------- removals and errors


def test_removed_raw_file_removes_its_markdown(src: Path, dest: Path) -> None:
    run(src, dest)
    (src / "news" / "dateline.txt").unlink()
    report = run(src, dest)
    assert report.removed == ["news-dateline.md"]
    assert sorted(outputs(dest)) == ["harbin.md"]
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest) == ["harbin.md"]


def test_removed_raw_file_keeps_a_hand_edited_markdown(src: Path, dest: Path) -> None:
    run(src, dest)
    edited = hand_edit(dest / "news-dateline.md")
    (src / "news" / "dateline.txt").unlink()
    report = run(src, dest)
    assert report.removed == []
    assert (dest / "news-dateline.md").read_text(encoding="utf-8") == edited


def test_empty_raw_file_is_an_error_and_others_still_convert(src: Path, dest: Path) -> None:
    (src / "empty.txt").write_bytes(b"")
    report = run(src, dest)
    by_raw = {o.raw: o for o in report.outcomes}
    assert by_raw["empty.txt"].status == "error"
    assert by_raw["empty.txt"].reason == "empty file"
    assert by_raw["empty.txt"].output is None
    assert by_raw["harbin.txt"].status == "written"
    assert by_raw["news/dateline.txt"].status == "written"
    assert report.count("error") == 1
    assert sorted(outputs(dest)) == ["harbin.md", "news-dateline.md"]


def test_missing_source_folder(tmp_path: Path, dest: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run(tmp_path / "nope", dest)


# ---------------------------------------------------------------------- lock


def test_live_lock_refuses_a_second_conversion(src: Path, dest: Path) -> None:
    dest.mkdir()
    lock = dest / LOCK
    lock.write_text(str(os.getpid()), encoding="utf-8")
    with pytest.raises(ConvertLockedError, match=str(os.getpid())):
        run(src, dest)
    assert lock.read_text(encoding="utf-8") == str(os.getpid())
    assert outputs(dest) == {}
    assert not (dest / MANIFEST).exists()


def test_stale_lock_is_taken_over(src: Path, dest: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dest.mkdir()
    (dest / LOCK).write_text(str(child.pid), encoding="utf-8")
    report = run(src, dest)
    assert report.count("written") == 2
    assert not (dest / LOCK).exists()


# ---------------------------------------------------------------------- symlinks


def test_symlink_outside_the_source_folder_is_skipped(src: Path, dest: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(HARBIN.replace("Harbin delegation", "Secret delegation"), encoding="utf-8")
    (src / "linked.txt").symlink_to(outside)
    (src / "inside.txt").symlink_to(src / "harbin.txt")
    report = run(src, dest)
    raws = statuses(report)
    assert "linked.txt" not in raws
    # A symlink inside the folder is followed; it points at the same story, so it is a duplicate.
    assert raws["inside.txt"] == "duplicate"
    assert not (dest / "linked.md").exists()
    assert all("Secret" not in text.decode() for text in outputs(dest).values())
