"""The benchmark's synthetic corpus (bench/corpus.py): deterministic, convertible, full of places."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
N = 30


def _load_corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench-corpus") / "raw"
    corpus.write_corpus(root, N)
    return root


def test_same_seed_gives_byte_identical_files(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    corpus.write_corpus(again, N)
    assert _tree(again) == _tree(generated)


def test_another_seed_gives_another_corpus(generated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    corpus.write_corpus(other, N, seed=corpus.DEFAULT_SEED + 1)
    assert _tree(other) != _tree(generated)


def test_article_does_not_depend_on_corpus_size(generated: Path, tmp_path: Path) -> None:
    """The corpus of N + 1 articles is the corpus of N plus one article (the rebuild benchmark needs it)."""
    bigger = tmp_path / "bigger"
    corpus.write_corpus(bigger, N + 1)
    extra = corpus.article_files(N)
    tree = _tree(bigger)
    assert {k: v for k, v in tree.items() if k not in extra} == _tree(generated)
    assert all(tree[k] == v for k, v in extra.items())


def test_corpus_has_the_real_shapes(generated: Path) -> None:
    suffixes = {p.suffix for p in generated.rglob("*") if p.is_file()}
    assert suffixes == {".txt", ".html", ".json"}
    raw = b"".join(p.read_bytes() for p in generated.rglob("*.txt"))
    assert b"[Print] [Close]" in raw or b"Share - WeChat" in raw or "【打印】".encode("gb18030") in raw
    pool = corpus.place_pool()
    assert len(pool.countries) == corpus.N_COUNTRIES
    assert len(pool.foreign) >= 200 and len(pool.chinese) >= 100


def test_corpus_converts_without_errors_and_carries_places(generated: Path, tmp_path: Path) -> None:
    from digest_converter.pipeline import convert_tree

    dest = tmp_path / "md"
    report = convert_tree(generated, dest, progress=False)
    assert [o for o in report.outcomes if o.status == "error"] == []
    written = sorted(dest.glob("*.md"))
    assert len(written) >= N - 1  # the near-duplicate filter may, rarely, set one aside
    found = expected = 0
    for path in written:
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        meta = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
        assert meta.get("countries") and meta.get("cities"), path.name
        index = int(meta["raw"].rsplit("-", 1)[1].split(".")[0])
        places = corpus.article_places(index)
        got = {c.strip() for c in meta["city_ids"].split(",")}
        found += len(places["city_ids"] & got)
        expected += len(places["city_ids"])
    assert found / expected >= 0.9  # the sentences are written the way the converter tags places
