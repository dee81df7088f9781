"""digest_build.sync: the built site moves into output/ atomically, only where bytes changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def test_files_unchanged_since_the_last_sync_are_not_read_again(tmp_path: Path, monkeypatch) -> None:
    import filecmp

    staging = tree(tmp_path / "staging", {"index.html": "home", "a/index.html": "A", "b/index.html": "B"})
    output = tmp_path / "output"
    sync_tree(staging, output)
    compared: list[str] = []
    real_cmp = filecmp.cmp

    def counting_cmp(a: str, b: str, shallow: bool = True) -> bool:
        compared.append(Path(a).relative_to(staging).as_posix())
        return real_cmp(a, b, shallow=shallow)

    monkeypatch.setattr(filecmp, "cmp", counting_cmp)
    report = sync_tree(staging, output)
    assert compared == [] and report.unchanged == 3 and report.written == []
    # The build wrote one page again (same bytes): only that one is compared, and kept.
    (staging / "a" / "index.html").write_text("A", encoding="utf-8")
    report = sync_tree(staging, output)
    assert compared == ["a/index.html"] and report.written == []


def test_an_output_file_changed_by_hand_is_put_back(tmp_path: Path) -> None:
    staging = tree(tmp_path / "staging", {"index.html": "home"})
    output = tmp_path / "output"
    sync_tree(staging, output)
    (output / "index.html").write_text("HOME", encoding="utf-8")  # same size, other bytes
    report = sync_tree(staging, output)
    assert report.written == ["index.html"] and (output / "index.html").read_text() == "home"
    # No record at all (deleted, or a sync killed before writing it): bytes are compared.
    output.with_name("output.sync-state.json").unlink()
    (output / "index.html").write_text("HOME", encoding="utf-8")
    assert sync_tree(staging, output).written == ["index.html"]


def test_files_plugins_keep_survive_and_leftovers_go(tmp_path: Path) -> None:
    """A build through staging deletes what it neither wrote nor a plugin listed as kept."""
    import json

    from digest_build.site import _clock_now, _remove_unmade
    from digest_build.sync import scan_tree

    files = {"kept.xml": "k", "gone.xml": "g", "new.html": "n"}
    staging = tree(tmp_path / "staging", files | {"pagefind/2019/a.pf": "x", "pagefind/2018/b.pf": "y"})
    started = _clock_now(tmp_path)
    for rel in ("kept.xml", "gone.xml", "pagefind/2019/a.pf", "pagefind/2018/b.pf"):  # an earlier build's
        os.utime(staging / rel, ns=(started - 10**9, started - 10**9))
    (staging / "new.html").write_text("n2", encoding="utf-8")  # written by this build
    (tmp_path / "staging.feeds-state.json").write_text(json.dumps({"keep": ["kept.xml"]}))
    (tmp_path / "staging.pagefind-state.json").write_text(json.dumps({"keep": ["pagefind/2019/"]}))
    (tmp_path / "staging.broken-state.json").write_text("{not json")
    # The record of a plugin that did not run in this build (switched off) keeps nothing.
    old = tmp_path / "staging.switched-off-state.json"
    old.write_text(json.dumps({"keep": ["gone.xml"]}))
    os.utime(old, ns=(started - 10**9, started - 10**9))
    remaining = _remove_unmade(staging, scan_tree(staging), started)
    assert sorted(remaining) == ["kept.xml", "new.html", "pagefind/2019/a.pf"]
    assert sorted(scan_tree(staging)) == ["kept.xml", "new.html", "pagefind/2019/a.pf"]


def test_clock_now_is_not_after_the_times_of_files_written_next(tmp_path: Path) -> None:
    """Files written after the build's start time was taken count as written by the build."""
    from digest_build.site import _clock_now

    started = _clock_now(tmp_path)
    for i in range(50):
        path = tmp_path / f"page{i}.html"
        path.write_text("x", encoding="utf-8")
        assert path.stat().st_mtime_ns >= started
    assert not list(tmp_path.glob(".clock.*"))


def test_sync_with_a_given_listing_matches_a_sync_that_scans(tmp_path: Path) -> None:
    from digest_build.sync import scan_tree

    staging = tree(tmp_path / "staging", {"index.html": "home", "a/index.html": "a", "b/feed.xml": "b"})
    output = tree(tmp_path / "output", {"index.html": "old", "stale/index.html": "s"})
    report = sync_tree(staging, output, listing=scan_tree(staging))
    assert sorted(report.written) == ["a/index.html", "b/feed.xml", "index.html"]
    assert report.removed == ["stale/index.html"]
    assert scan_tree(output).keys() == scan_tree(staging).keys()
    assert not (output / "stale").exists()


def test_inputs_fingerprint_reads_only_files_whose_size_or_time_changed(tmp_path: Path, monkeypatch) -> None:
    """Content enters the fingerprint by its bytes, read again only where the stat changed:
    an edit that keeps the size counts, a rewrite with the same bytes does not."""
    from digest_build.site import content_digests, inputs_fingerprint, reader_fingerprint

    root = Path(__file__).resolve().parents[1]
    conf = root / "pelicanconf.py"
    content = tree(tmp_path / "content", {"articles/a.md": "Title: A\n\nText one.\n", "articles/b.md": "B"})
    record = content_digests(content)
    reader = reader_fingerprint(root, conf, content)
    first = inputs_fingerprint(root, reader, record)
    read: list[str] = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real_read_bytes(self))
    assert content_digests(content, record) == record and read == []
    article = content / "articles" / "a.md"
    stamp = article.stat().st_mtime_ns
    article.write_text("Title: A\n\nText two.\n", encoding="utf-8")
    os.utime(article, ns=(stamp + 10**6, stamp + 10**6))
    edited = content_digests(content, record)
    assert read == ["a.md"] and inputs_fingerprint(root, reader, edited) != first
    article.write_text("Title: A\n\nText one.\n", encoding="utf-8")  # back to the first bytes
    os.utime(article, ns=(stamp + 10**9, stamp + 10**9))
    assert inputs_fingerprint(root, reader, content_digests(content, edited)) == first


def test_linked_files_share_the_staging_copy_until_a_build_renames_a_new_one_over_it(tmp_path: Path) -> None:
    """Hard links instead of copies; a writer that renames into staging leaves output alone."""
    from digest_converter.files import AtomicTextFile

    staging = tree(tmp_path / "staging", {"index.html": "home", "theme/style.css": "css"})
    output = tmp_path / "output"
    report = sync_tree(staging, output, linkable=lambda rel: not rel.startswith("theme/"))
    assert sorted(report.written) == ["index.html", "theme/style.css"]
    assert (output / "index.html").stat().st_ino == (staging / "index.html").stat().st_ino
    assert (output / "theme/style.css").stat().st_ino != (staging / "theme/style.css").stat().st_ino
    with AtomicTextFile(staging / "index.html") as handle:  # the next build's page
        handle.write("new home")
    assert (output / "index.html").read_text(encoding="utf-8") == "home"
    assert sync_tree(staging, output, linkable=lambda rel: True).written == ["index.html"]
    assert (output / "index.html").read_text(encoding="utf-8") == "new home"
    assert not [p for p in output.rglob("*.tmp")]


def test_atomic_writes_make_files_others_can_read(tmp_path: Path) -> None:
    """Pages written through a temporary file get the usual mode, not mkstemp's 0600."""
    from digest_converter.files import FILE_MODE, AtomicTextFile, write_atomic

    write_atomic(tmp_path / "a.html", b"a")
    with AtomicTextFile(tmp_path / "b.html") as handle:
        handle.write("b")
    (tmp_path / "c.html").write_text("c", encoding="utf-8")
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"a.html": FILE_MODE, "b.html": FILE_MODE, "c.html": FILE_MODE}


def test_a_failed_atomic_write_leaves_the_old_file(tmp_path: Path) -> None:
    from digest_converter.files import AtomicTextFile

    page = tmp_path / "page.html"
    page.write_text("old", encoding="utf-8")
    try:
        with AtomicTextFile(page) as handle:
            handle.write("half")
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    assert page.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_the_pelican_runner_sets_the_collector_and_passes_the_arguments_on(monkeypatch) -> None:
    """digest_build.pelican_run is Pelican's command line with the collector set for a build."""
    import gc

    import pelican

    from digest_build import background, pelican_run

    seen: list[tuple[list[str], bool]] = []
    hook = pelican.signals.article_generator_finalized

    def fake_main(argv: list[str]) -> None:
        seen.append((argv, pelican_run.freeze_read_objects in hook.receivers_for(None)))
        background.start("left behind by a failed build", lambda: __import__("time").sleep(60))
        raise SystemExit(1)

    monkeypatch.setattr(pelican, "main", fake_main)
    before = gc.get_threshold()
    try:
        for argv in (["--settings", "pelicanconf.py", "content"], ["-r", "content"]):
            with pytest.raises(SystemExit):
                pelican_run.main(argv)
            assert gc.get_threshold() == pelican_run.BUILD_GC_THRESHOLDS
            assert not background._STARTED  # the failed build's job was stopped
            hook.disconnect(pelican_run.freeze_read_objects)
    finally:
        gc.set_threshold(*before)
    # The articles are frozen once read, except in an autoreload loop (rebuilds in one process).
    assert seen == [(["--settings", "pelicanconf.py", "content"], True), (["-r", "content"], False)]
