"""digest_build.sync: the built site moves into output/ atomically, only where bytes changed."""

from __future__ import annotations

import os
from pathlib import Path

from digest_build.sync import sync_tree


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_first_sync_copies_everything(tmp_path: Path) -> None:
    staging = tree(tmp_path / "staging", {"index.html": "home", "cities/harbin/index.html": "Harbin"})
    report = sync_tree(staging, tmp_path / "output")
    assert sorted(report.written) == ["cities/harbin/index.html", "index.html"]
    assert (tmp_path / "output" / "cities" / "harbin" / "index.html").read_text() == "Harbin"


def test_unchanged_files_keep_their_timestamps(tmp_path: Path) -> None:
    staging = tree(tmp_path / "staging", {"index.html": "home", "feed.xml": "<rss/>"})
    output = tmp_path / "output"
    sync_tree(staging, output)
    os.utime(output / "index.html", (1_000_000, 1_000_000))
    os.utime(output / "feed.xml", (1_000_000, 1_000_000))
    (staging / "feed.xml").write_text("<rss>new</rss>", encoding="utf-8")
    report = sync_tree(staging, output)
    assert report.written == ["feed.xml"] and report.unchanged == 1
    assert (output / "index.html").stat().st_mtime == 1_000_000
    assert (output / "feed.xml").read_text() == "<rss>new</rss>"


def test_files_gone_from_the_build_are_removed_but_git_is_kept(tmp_path: Path) -> None:
    staging = tree(tmp_path / "staging", {"index.html": "home"})
    output = tree(tmp_path / "output", {"old/index.html": "old", ".git/HEAD": "ref", "index.html": "x"})
    report = sync_tree(staging, output)
    assert report.removed == ["old/index.html"]
    assert not (output / "old").exists()
    assert (output / ".git" / "HEAD").read_text() == "ref"


def test_leftovers_of_a_killed_sync_are_cleaned(tmp_path: Path) -> None:
    staging = tree(tmp_path / "staging", {"index.html": "home"})
    output = tree(tmp_path / "output", {".index.html.abc.tmp": "half"})
    sync_tree(staging, output)
    assert sorted(p.name for p in output.iterdir()) == ["index.html"]
