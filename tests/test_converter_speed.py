"""The converter's shortcuts give the results of the plain code they replace.

A run over 10,000 unchanged articles skips work it used to do with pathlib,
python-slugify, int() and json.dumps(indent=...); each shortcut is checked here
against that plain code, kept in this file as the reference.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slugify import slugify

from digest_converter import pipeline
from digest_converter.duplicates import Fingerprint
from digest_converter.pipeline import MANIFEST, convert_tree
from digest_converter.reading import RAW_SUFFIXES

# ------------------------------------------------------------------ reference code


def reference_discover(source: Path) -> list[Path]:
    """discover() as it was: os.walk, one Path and one lstat per file."""
    root = source.resolve()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or path.suffix.lower() not in RAW_SUFFIXES:
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                continue
            found.append(path)
    return found


def reference_output_names(paths: list[Path], source: Path) -> dict[Path, str]:
    stems: dict[str, list[Path]] = {}
    for path in paths:
        rel = path.relative_to(source).with_suffix("").as_posix()
        stem = slugify(rel.replace("/", "-"), max_length=120) or "article"
        if stem.split(".")[0].upper() in pipeline.WINDOWS_RESERVED:
            stem = f"{stem}-article"
        stems.setdefault(stem, []).append(path)
    names: dict[Path, str] = {}
    for stem, group in stems.items():
        for path in group:
            suffix = "" if len(group) == 1 else "-" + path.suffix.lower().lstrip(".")
            names[path] = f"{stem}{suffix}.md"
    return names


def reference_stat_key(path: Path) -> str:
    if not path.exists():
        return ""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


# ------------------------------------------------------------------ folder scan


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Raw files with the awkward cases: hidden entries, links, sidecars, look-alike names."""
    src = tmp_path / "raw"
    files = [
        "b.txt", "a.TXT", "a.json", "a.html", "con.txt", "Zürich news.htm", "notes.md", "noext",
        "trailing.", ".hidden.txt", "x.tar.txt", "x.tar.json",
        "a/one.txt", "a/one.json", "a-b/two.html", "a b/three.txt", "a/deep/er/four.txt",
        ".git/five.txt", "2024/03/city-name-000123.txt", "2024/03/city-name-000123.json",
        "2024/03/City Name 000123.txt", "dir.json/six.txt",
    ]  # fmt: skip
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("text", encoding="utf-8")
    (src / "sidecar-dir.txt").write_text("text", encoding="utf-8")
    (src / "sidecar-dir.json").mkdir()  # a folder where a sidecar would be
    outside = tmp_path / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    (src / "out-link.txt").symlink_to(outside)
    (src / "in-link.txt").symlink_to(src / "b.txt")
    (src / "broken.txt").symlink_to(src / "missing.txt")
    (src / "linked-dir").symlink_to(src / "a", target_is_directory=True)
    return src


def test_discover_finds_what_os_walk_found_in_the_same_order(tree: Path) -> None:
    raws = pipeline.discover(tree)
    expected = reference_discover(tree)
    assert [Path(raw.path) for raw in raws] == expected
    assert [raw.rel for raw in raws] == [p.relative_to(tree).as_posix() for p in expected]
    for raw in raws:
        sidecar = Path(raw.path).with_suffix(".json")
        assert (raw.sidecar is not None) == os.path.lexists(sidecar), raw.rel
        assert pipeline._stat_key(raw.path, raw.sidecar) == "/".join(
            key for key in (reference_stat_key(Path(raw.path)), reference_stat_key(sidecar)) if key
        ), raw.rel


def test_output_names_are_the_ones_slugify_gave(tree: Path) -> None:
    raws = pipeline.discover(tree)
    expected = reference_output_names(reference_discover(tree), tree)
    assert pipeline.output_names(raws) == [expected[Path(raw.path)] for raw in raws]


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-city-name-000123", "a" * 120, "a" * 121, "a-" * 60, "a-" * 60 + "b", "-a", "a-",
        "a--b", "A-b", "a.b", "con", "", "-", "Zürich-news", "a_b", "1,000-x", "x&amp;y", "it's",
    ],
)  # fmt: skip
def test_plain_names_skip_slugify_with_the_same_result(text: str) -> None:
    assert pipeline._name_stem(text) == slugify(text, max_length=120)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("abz09-./_ ÜéA&;#,'"), max_size=130))
def test_name_stems_match_slugify(text: str) -> None:
    assert pipeline._name_stem(text) == slugify(text, max_length=120)


def test_a_missing_file_has_no_stat_and_other_errors_are_raised(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert pipeline._file_stat(str(tmp_path / "file")) == reference_stat_key(tmp_path / "file")
    assert pipeline._file_stat(str(tmp_path / "missing")) is None
    assert pipeline._file_stat(str(tmp_path / "file" / "below")) is None  # ENOTDIR, as exists()
    too_long = tmp_path / ("x" * 300)  # ENAMETOOLONG: exists() raises it too
    with pytest.raises(OSError):
        too_long.exists()
    with pytest.raises(OSError):
        pipeline._file_stat(str(too_long))


# ------------------------------------------------------------------ manifest

manifest_values = st.text(max_size=12)
manifests = st.dictionaries(
    st.text(max_size=12), st.dictionaries(manifest_values, manifest_values, max_size=4)
)


@settings(max_examples=300)
@given(manifests)
def test_manifest_text_is_what_json_dumps_writes(manifest: dict[str, dict[str, str]]) -> None:
    assert pipeline.manifest_text(manifest) == json.dumps(manifest, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    "manifest",
    [{}, {"a.md": {}}, {"a.md": {"words": 3}}, {"a.md": ["x"]}, {"b.md": {"x": 'é\n"\\'}, "a.md": {}}],
)
def test_manifest_text_of_other_values(manifest: dict) -> None:
    assert pipeline.manifest_text(manifest) == json.dumps(manifest, indent=1, sort_keys=True) + "\n"


HARBIN = """Harbin delegation visits Yekaterinburg to deepen city ties
Source: China Daily | Updated: 2024-08-30 10:15
A delegation from Harbin arrived in Yekaterinburg, Russia, on Monday for talks on trade and education.
"""


def test_a_run_that_changes_nothing_leaves_the_manifest_alone(tmp_path: Path) -> None:
    src, dest = tmp_path / "raw", tmp_path / "articles"
    src.mkdir()
    (src / "harbin.txt").write_text(HARBIN, encoding="utf-8")
    convert_tree(src, dest, today=date(2025, 6, 1), progress=False)
    manifest = dest / MANIFEST
    os.utime(manifest, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    before = manifest.read_bytes()
    convert_tree(src, dest, today=date(2025, 6, 1), progress=False)
    assert manifest.read_bytes() == before
    assert manifest.stat().st_mtime_ns == 1_500_000_000_000_000_000
    (src / "second.txt").write_text(
        HARBIN.replace("Harbin delegation", "Second delegation"), encoding="utf-8"
    )
    convert_tree(src, dest, today=date(2025, 6, 1), progress=False)
    assert "second.md" in json.loads(manifest.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ duplicate sketches


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=40))
def test_sketches_decode_to_what_was_encoded(values: list[int]) -> None:
    sketch = tuple(values)
    text = Fingerprint("x", sketch, 0).encode_sketch()
    assert Fingerprint.decode_sketch(text) == sketch


@pytest.mark.parametrize("text", ["", "0000000A", "abc", "0000000g", "00000001 0000002", "ffffffff00000001"])
def test_odd_sketch_text_decodes_as_before(text: str) -> None:
    try:
        expected: object = tuple(int(text[i : i + 8], 16) for i in range(0, len(text), 8))
    except ValueError:
        expected = ValueError
    if expected is ValueError:
        with pytest.raises(ValueError):
            Fingerprint.decode_sketch(text)
    else:
        assert Fingerprint.decode_sketch(text) == expected
