"""One site build: skip it when no input changed, else Pelican into staging, then sync.

Inputs are the converted Markdown, the theme, the plugins, the settings files,
the environment variables publishconf.py reads, and Pelican's version. Their
fingerprint is recorded after a successful build; an identical fingerprint
(and an output folder still there) means there is nothing to do. Everything
enters it by its bytes; the content's files are read again only when their size
or modification time differs from the record of the last build (reading 10,000
articles took half a second).

The staging folder is kept between builds so the ``incremental`` plugin can
leave unchanged article pages alone; it is wiped when an article disappeared
(its pages and place pages must not linger) or when no finished build left it.
Pelican's content cache beside it is emptied as well when anything that shapes
the reading of an article changed (:func:`reader_fingerprint`): Pelican itself
only compares each file's time.
"""

from __future__ import annotations

import concurrent.futures
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from digest_converter.files import beside, read_record, write_atomic

from .sync import Listing, SyncReport, output_state, scan_tree, sync_tree

ENVIRONMENT = ("SITEURL", "CNAME")
READING_PACKAGES = ("pelican", "markdown", "nh3")
# The incremental plugin's record of the pages it rendered, beside the folder it rendered into.
RENDER_STATE_SUFFIX = ".render-state.json"
PELICAN_CACHE_SUFFIX = ".pelican-cache"
# Pelican copies the theme's files over the old copies in place, keeping the source's time.
COPIED_IN_PLACE = ("theme/",)


@dataclass(slots=True)
class BuildResult:
    skipped: bool
    sync: SyncReport | None
    full: bool


# Raw articles are the converter's input, not Pelican's (pelicanconf ignores them).
SKIPPED_PARTS = {"__pycache__", "raw"}


def _files(root: Path, pattern: str = "*") -> list[Path]:
    return sorted(
        p for p in root.rglob(pattern) if p.is_file() and not SKIPPED_PARTS & set(p.relative_to(root).parts)
    )


def digest_tree(digest: Any, root: Path) -> None:
    """Feed every file under ``root`` (name and bytes, in a stable order) into ``digest``."""
    if not root.exists():
        return
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())


# rel -> [size, mtime_ns, sha256 of the bytes] of every content file, as the last build saw it.
ContentRecord = dict[str, list[Any]]


def content_digests(root: Path, known: ContentRecord | None = None) -> ContentRecord:
    """The digest of every file under ``root``, read only where size or time changed since
    ``known``: every writer of the content (the converter, an editor, git) gives a changed
    file a new time, and a file rewritten with the same bytes keeps its digest."""
    known = known or {}
    record: ContentRecord = {}
    if not root.exists():
        return record
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        stat = path.stat()
        before = known.get(rel)
        if isinstance(before, list) and len(before) == 3 and before[:2] == [stat.st_size, stat.st_mtime_ns]:
            record[rel] = before
        else:
            record[rel] = [stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()]
    return record


def reader_fingerprint(root: Path, conf: Path, content: Path | None = None) -> str:
    """What shapes Pelican's reading of an article: the settings, the plugins (the sanitiser
    sits in the readers, and cached articles keep what plugins stored on them as they were
    read), the environment, the content folder and the versions of the reading libraries.

    Pelican's content cache keeps the articles it made of each file by the file's time
    alone; when this changes, the cache is emptied so that no page shows stale reading.
    """
    digest = hashlib.sha256(f"{content.resolve() if content else ''}\0".encode())
    for package in READING_PACKAGES:
        digest.update(f"{package}={metadata.version(package)}\0".encode())
    digest_tree(digest, root / "plugins")
    for settings_file in sorted({conf, root / "pelicanconf.py"}):
        digest.update(settings_file.read_bytes())
    for name in ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    return digest.hexdigest()


def inputs_fingerprint(root: Path, reader_key: str, record: ContentRecord) -> str:
    """Everything a build reads: the reading fingerprint (:func:`reader_fingerprint`), the
    theme and the content (``record``, from :func:`content_digests`)."""
    digest = hashlib.sha256(reader_key.encode())
    digest_tree(digest, root / "theme")
    for rel in sorted(record):
        digest.update(f"{rel}\0{record[rel][2]}\0".encode())
    return digest.hexdigest()


def _clock_now(folder: Path) -> int:
    """The file system's idea of now, in ns: the modification time of a file written now.

    File times come from a coarse clock, a few milliseconds behind ``time.time_ns()``;
    comparing them with the time of a file written just before a build is exact.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".clock.", suffix=".tmp", dir=folder)
    try:
        return os.fstat(handle).st_mtime_ns
    finally:
        os.close(handle)
        os.unlink(name)


def kept_by_plugins(staging: Path, since_ns: int = 0) -> tuple[set[str], tuple[str, ...]]:
    """Files and folders (ending in "/") that plugins kept from an earlier build.

    A plugin that leaves a file of the previous build in place instead of
    writing it again (the incremental writer, the feeds, the search index)
    lists it under "keep" in its state file beside the staging folder,
    ``<staging>.<plugin>-state.json``. Only records written since ``since_ns``
    (this build) count: a plugin switched off keeps nothing.
    """
    files: set[str] = set()
    folders: list[str] = []
    for state_file in sorted(staging.parent.glob(f"{glob.escape(staging.name)}.*-state.json")):
        try:
            if state_file.stat().st_mtime_ns < since_ns:
                continue
        except OSError:
            continue
        keep = read_record(state_file).get("keep", [])  # no usable record: nothing kept
        for entry in keep if isinstance(keep, list) else []:
            if isinstance(entry, str) and entry.endswith("/"):
                folders.append(entry)
            elif isinstance(entry, str):
                files.add(entry)
    return files, tuple(folders)


def _remove_unmade(
    staging: Path, listing: Listing, since_ns: int, kept_prefixes: tuple[str, ...] = COPIED_IN_PLACE
) -> Listing:
    """Delete what this build neither wrote (modified since ``since_ns``) nor chose to keep:
    the feed of a city that lost its last article, say. Kept: what plugins list as kept
    (:func:`kept_by_plugins`) and the theme's static files (Pelican copies them with their
    own timestamps). Returns ``listing`` without the files deleted."""
    kept, kept_folders = kept_by_plugins(staging, since_ns)
    prefixes = kept_prefixes + kept_folders
    remaining: Listing = {}
    for rel, (size, mtime) in listing.items():
        if mtime >= since_ns or rel in kept or rel.startswith(prefixes):
            remaining[rel] = (size, mtime)
        else:
            (staging / rel).unlink()
    return remaining


def _linkable(staging: Path, listing: Listing, since_ns: int) -> Callable[[str], bool] | None:
    """Which staging files the sync may hard-link into the output: those this build wrote, if
    its pages went through the incremental plugin's writer (it renames every page into place,
    as the plugins do their files). A file rewritten in place would change the output's copy
    under a reader; with no sign of that writer in this build, everything is copied."""
    render_state = beside(staging, RENDER_STATE_SUFFIX)
    try:
        written_by_atomic_writer = render_state.stat().st_mtime_ns >= since_ns
    except FileNotFoundError:
        written_by_atomic_writer = False
    if not written_by_atomic_writer:
        return None
    return lambda rel: listing[rel][1] >= since_ns and not rel.startswith(COPIED_IN_PLACE)


def build_site(root: Path, conf: Path, content: Path, staging: Path, output: Path) -> BuildResult:
    """Build ``content`` with settings ``conf`` into ``output`` through ``staging``."""
    stamp = beside(staging, ".inputs.json")
    previous = read_record(stamp)
    known = previous.get("content")
    record = content_digests(content, known if isinstance(known, dict) else None)
    reader_key = reader_fingerprint(root, conf, content)
    fingerprint = inputs_fingerprint(root, reader_key, record)
    articles = sorted(rel for rel in record if rel.endswith(".md"))
    if previous.get("fingerprint") == fingerprint and output.is_dir() and any(output.iterdir()):
        if record != known:  # files rewritten with the same bytes: not read again next time
            write_atomic(stamp, json.dumps({**previous, "content": record}).encode())
        return BuildResult(skipped=True, sync=None, full=False)
    stamp.unlink(missing_ok=True)  # until this build finishes, nothing is vouched for
    full = not previous or bool(set(previous.get("articles", [])) - set(articles))
    # Pelican's reader cache belongs to this staging folder: Pelican writes it in place, so a
    # build killed while saving it leaves a truncated file that would stop every later build,
    # and two sites built at once must not share one.
    cache = beside(staging, PELICAN_CACHE_SUFFIX)
    if full:
        for folder in (staging, cache):
            if folder.exists():
                shutil.rmtree(folder)
    elif previous.get("reader") != reader_key and cache.exists():
        shutil.rmtree(cache)  # read every article again: settings, plugins or libraries changed
    started_ns = _clock_now(staging.parent)
    # The output folder is read while Pelican builds into staging, on the other core.
    reading_output = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    output_read = reading_output.submit(output_state, output)
    reading_output.shutdown(wait=False)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "digest_build.pelican_run",  # Pelican's command line, see there
            "--settings",
            str(conf),
            "--output",
            str(staging),
            "--extra-settings",
            f"CACHE_PATH={json.dumps(str(cache))}",
            "--",
            str(content),
        ],
        cwd=root,
        check=True,
    )
    listing = _remove_unmade(staging, scan_tree(staging), started_ns)
    report = sync_tree(
        staging,
        output,
        listing=listing,
        linkable=_linkable(staging, listing, started_ns),
        state=output_read.result(),
    )
    done = {"fingerprint": fingerprint, "reader": reader_key, "articles": articles, "content": record}
    write_atomic(stamp, json.dumps(done).encode())
    return BuildResult(skipped=False, sync=report, full=full)
