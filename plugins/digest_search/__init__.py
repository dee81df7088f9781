"""Full-text search with Pagefind: no server, the index is static files.

* Article pages mark their main content ``data-pagefind-body`` (only articles
  are indexed), their places as Pagefind filters (country, city, region) and
  metadata (title, date, places to show in results) in the theme's
  ``article.html``.
* Every spelling the gazetteer knows for an article's places goes into the
  index too, invisibly (an attribute indexed with
  ``data-pagefind-index-attrs``), so "Lvliang" finds Lüliang and "Koni" finds
  Cuneo: ``place.spellings`` (see :func:`place_spellings`).
* The search page (``DIGEST_SEARCH_SAVE_AS``, template ``search``) runs the
  query in the browser with Pagefind's JavaScript API (``theme/js/search.js``);
  without JavaScript it says so and points to the place pages, the archives
  and the data export.
* The index is split by year (``article.date.year``, in the article's own time
  zone): each year is a complete Pagefind bundle in
  ``<output>/<DIGEST_SEARCH_BUNDLE_DIR>/<year>/``, made by the Pagefind binary
  of the ``pagefind-bin`` package from that year's article pages only
  (hard-linked at their own paths into a temporary folder beside the output, so
  result URLs stay ``/articles/<slug>/``). The search page lists the years
  (``search_shards``, newest first); the script loads the newest bundle and
  merges the others into it with Pagefind's ``mergeIndex``. A search finds the
  same pages as one index over everything would, but each year scores its pages
  with its own word statistics, so the order of close results can differ.
* Only the years whose pages changed are indexed again: a state file beside the
  output folder (``<output>.pagefind-state.json``) keeps a fingerprint of each
  year's pages (their paths and what Pagefind can read of them, see
  :func:`searchable_part`); a year whose fingerprint changed or whose bundle is
  missing is indexed again, a year without articles any more is removed, and
  so is anything else in the bundle folder. Adding an article re-indexes its
  year: about 1.5 s for 1,000 pages, against 16 s for one index of 10,000.
* Indexing starts in a background thread as soon as the article pages are
  written (``article_writer_finalized``) and is waited for when Pelican has
  finished (``finalized``); the years are indexed one after the other, so the
  rest of the build goes on on the other core. Each bundle is made
  byte-reproducible (:mod:`.canonical`) and Pagefind's ready-made UIs, unused,
  are left out. ``DIGEST_SEARCH_PAGEFIND = False`` skips indexing; tests of
  other things switch it off to stay fast.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import glob
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import ArticlesGenerator, Generator

from digest_converter.files import beside, read_record, write_atomic

from .canonical import canonicalise_bundle

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DIGEST_SEARCH_URL": "search/",
    "DIGEST_SEARCH_SAVE_AS": "search/index.html",
    "DIGEST_SEARCH_PAGEFIND": True,
    "DIGEST_SEARCH_BUNDLE_DIR": "pagefind",
    "DIGEST_SEARCH_SPELLINGS": True,
}
# Pagefind's ready-made interfaces, which the theme does not use (about 420 KB).
UNUSED_BUNDLE_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)


class DigestSearchSettingsError(ValueError):
    """A digest_search setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    for key in ("DIGEST_SEARCH_URL", "DIGEST_SEARCH_SAVE_AS"):
        value = settings[key]
        if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
            raise DigestSearchSettingsError(f"{key} must be a relative path, got {value!r}")
    if settings["DIGEST_SEARCH_SAVE_AS"] and not settings["DIGEST_SEARCH_SAVE_AS"].endswith(".html"):
        raise DigestSearchSettingsError(
            f"DIGEST_SEARCH_SAVE_AS must end with '.html', got {settings['DIGEST_SEARCH_SAVE_AS']!r}"
        )
    bundle = settings["DIGEST_SEARCH_BUNDLE_DIR"]
    # Not "." either: the folder is the plugin's own, and what is not a year in it is removed.
    parts = set(bundle.split("/")) if isinstance(bundle, str) else {".."}
    if {".", ".."} & parts or not bundle or bundle.startswith("/"):
        raise DigestSearchSettingsError(
            f"DIGEST_SEARCH_BUNDLE_DIR must be a folder inside the output, got {bundle!r}"
        )
    for key in ("DIGEST_SEARCH_PAGEFIND", "DIGEST_SEARCH_SPELLINGS"):
        if not isinstance(settings[key], bool):
            raise DigestSearchSettingsError(f"{key} must be True or False, got {settings[key]!r}")


# --------------------------------------------------------------------------
# Spellings
# --------------------------------------------------------------------------
def _display(folded: str) -> str:
    """A folded gazetteer key as a word to index and show: "lvliang" -> "Lvliang"."""
    return " ".join(word[:1].upper() + word[1:] for word in folded.split())


def place_spellings(codes: Iterable[str], gazetteer: Any = None) -> dict[str, list[str]]:
    """Every spelling the gazetteer knows for each place code, shown capitalised.

    From ``gazetteer`` when given (tests), else from the project's gazetteer
    through its small cache (``digest_converter.gazetteer.place_spellings``),
    which keeps a site build from loading the whole index. Most trusted
    first, at most ``gazetteer.MAX_SPELLINGS`` per place; unknown codes get no entry.
    """
    wanted = sorted({code for code in codes if code and not code.startswith("~")})
    if not wanted:
        return {}
    try:
        from digest_converter import gazetteer as project_gazetteer
    except ImportError:
        return {}
    if gazetteer is None:
        folded = project_gazetteer.place_spellings(wanted)
    else:
        folded = project_gazetteer.spellings_in(gazetteer, wanted)
    return {code: [_display(k) for k in keys] for code, keys in folded.items() if keys}


def attach_spellings(places: Iterable[Any], gazetteer: Any = None) -> None:
    """Give each place ``spellings``: its other spellings, as one space-separated string."""
    places = list(places)
    spellings = place_spellings((p.code for p in places), gazetteer)
    for place in places:
        own = {place.name.casefold()}
        others = [s for s in spellings.get(place.code, []) if s.casefold() not in own]
        place.spellings = " ".join(others)


# --------------------------------------------------------------------------
# Pagefind: one bundle per year, re-indexed only when that year's pages changed
# --------------------------------------------------------------------------
# Beside the output folder, never inside it (it would be published); see state_path.
STATE_SUFFIX = ".pagefind-state.json"
# Bumped when the bundle layout, the fingerprint or the canonical form changes.
STATE_FORMAT = 2
PAGEFIND_PROCESSES = 2
_BODY_MARK = b"data-pagefind-body"
_TAG_NAME = re.compile(rb"<([A-Za-z][A-Za-z0-9-]*)")


def pagefind_executable() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:
        raise RuntimeError(
            "DIGEST_SEARCH_PAGEFIND is on but the pagefind-bin package is not installed "
            "(pip install -e .); or set DIGEST_SEARCH_PAGEFIND = False"
        ) from exc
    return str(get_executable())


@functools.cache
def pagefind_version(executable: str) -> str:
    """``pagefind --version`` ("pagefind 1.5.2"): an index made by another version is made again."""
    result = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or f"unknown ({executable})"


def article_prefix(settings: Mapping[str, Any]) -> str:
    """Where article pages live, from ARTICLE_SAVE_AS ("articles/{slug}/index.html" -> "articles/")."""
    return str(settings.get("ARTICLE_SAVE_AS") or "").split("{", 1)[0]


def article_pages(articles: Iterable[Any], prefix: str = "") -> list[tuple[int, str]]:
    """(year, page) of every article page to index: the articles Pelican writes (published and
    hidden, with their translations; not drafts) whose page is under ``prefix``. The year is
    the article's own (``article.date``, in its time zone)."""
    pages: dict[str, int] = {}
    for article in articles:
        for content in (article, *(getattr(article, "translations", None) or [])):
            save_as = str(getattr(content, "save_as", "") or "")
            if save_as.endswith(".html") and save_as.startswith(prefix):
                pages[save_as] = content.date.year
    return [(year, page) for page, year in pages.items()]


def plan_shards(pages: Iterable[tuple[int, str]]) -> dict[str, tuple[str, ...]]:
    """{year: its pages, sorted}, newest year first: the shards of the index."""
    by_year: dict[int, list[str]] = {}
    for year, page in pages:
        by_year.setdefault(int(year), []).append(page)
    return {str(year): tuple(sorted(set(by_year[year]))) for year in sorted(by_year, reverse=True)}


def shard_names(articles: Iterable[Any], settings: Mapping[str, Any]) -> list[str]:
    """The shards of a site, newest first ("2026", "2025", ...), for the search page."""
    return list(plan_shards(article_pages(articles, article_prefix(settings))))


def searchable_part(html: bytes) -> bytes:
    """What of a page can matter to Pagefind, for fingerprinting: all of it except what follows
    the last ``data-pagefind-body`` element when that holds no ``data-pagefind-`` attribute.

    Pagefind indexes only the body elements when a site has them; what follows (the
    related-articles list, which changes when another article is added, and the footer)
    cannot change the index. Anything unexpected (no body element, an attribute that is
    not inside a tag, an element never closed) leaves the whole page in.
    """
    at = html.rfind(_BODY_MARK)
    start = html.rfind(b"<", 0, at) if at >= 0 else -1
    if start < 0 or b">" in html[start:at]:
        return html
    name = _TAG_NAME.match(html, start)
    if name is None:
        return html
    tags = re.compile(rb"<(/?)" + re.escape(name.group(1)) + rb"(?=[\s/>])", re.IGNORECASE)
    depth = 0
    for tag in tags.finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = html.find(b">", tag.end())
            if end < 0 or b"data-pagefind" in html[end:]:
                return html
            return html[: end + 1]
    return html


# page -> [size, mtime_ns, digest of what Pagefind can read of it], as last read.
PageDigests = dict[str, list[Any]]


def shard_fingerprint(
    output_path: str | os.PathLike[str], pages: Iterable[str], digests: PageDigests | None = None
) -> str:
    """sha256 over the shard's pages: their paths, sorted, and what Pagefind can read of them.

    With ``digests`` (updated in place), a page whose size and modification time are those
    recorded is not read again: a build reads only the pages it wrote, not all 10,000.
    """
    root = Path(output_path)
    digest = hashlib.sha256()
    for page in sorted(pages):
        path = root / page
        stat = path.stat()
        known = digests.get(page) if digests is not None else None
        if known is not None and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            page_digest = str(known[2])
        else:
            page_digest = hashlib.sha256(searchable_part(path.read_bytes())).hexdigest()
            if digests is not None:
                digests[page] = [stat.st_size, stat.st_mtime_ns, page_digest]
        digest.update(f"{page}\0{page_digest}\0".encode())
    return digest.hexdigest()


def stale_shards(
    fingerprints: Mapping[str, str], recorded: Mapping[str, str], present: Iterable[str]
) -> list[str]:
    """The shards to index again: fingerprint changed, never recorded, or bundle missing."""
    have = set(present)
    return [name for name, fp in fingerprints.items() if recorded.get(name) != fp or name not in have]


def unwanted_entries(wanted: Iterable[str], existing: Iterable[str]) -> list[str]:
    """What to remove from the bundle folder: years without articles now, and anything else
    (a single bundle from before the index was split, say)."""
    keep = set(wanted)
    return sorted(name for name in existing if name not in keep)


def state_path(output_path: str | os.PathLike[str]) -> Path:
    output = Path(output_path).resolve()
    return beside(output, STATE_SUFFIX)


def _record(path: Path, header: Mapping[str, Any]) -> dict[str, Any]:
    """The state file's contents, or {} when missing, unreadable or written with another header
    (format, Pagefind version, bundle folder)."""
    data = read_record(path)
    return {} if any(data.get(k) != v for k, v in header.items()) else data


def _shards_of(data: Mapping[str, Any]) -> dict[str, str]:
    shards = data.get("shards")
    return {str(k): str(v) for k, v in shards.items()} if isinstance(shards, dict) else {}


def _pages_of(data: Mapping[str, Any]) -> PageDigests:
    pages = data.get("pages")
    if not isinstance(pages, dict):
        return {}
    return {str(k): list(v) for k, v in pages.items() if isinstance(v, list) and len(v) == 3}


def read_state(path: Path, header: Mapping[str, Any]) -> dict[str, str]:
    """The recorded {year: fingerprint}, if recorded with the same header."""
    return _shards_of(_record(path, header))


def read_page_digests(path: Path, header: Mapping[str, Any]) -> PageDigests:
    """The recorded page digests (see :func:`shard_fingerprint`), if recorded with the same header."""
    return _pages_of(_record(path, header))


def write_state(
    path: Path, header: Mapping[str, Any], shards: Mapping[str, str], pages: PageDigests | None = None
) -> None:
    # "keep": the bundles this build vouches for without rewriting them (digest_build.site
    # deletes from its staging folder what a build neither wrote nor listed as kept).
    keep = [f"{header['bundle_dir']}/{name}/" for name in sorted(shards)]
    data = {**header, "shards": dict(sorted(shards.items())), "keep": keep, "pages": pages or {}}
    write_atomic(path, json.dumps(data, sort_keys=True).encode())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def pagefind_command(executable: str, site: Path, bundle: Path) -> list[str]:
    """Index every HTML page of ``site`` into ``bundle`` (any folder)."""
    return [executable, "--site", os.fspath(site), "--output-path", os.fspath(bundle), "--quiet"]


def index_shard(
    output_path: str | os.PathLike[str], bundle_dir: str, name: str, pages: Iterable[str], executable: str
) -> None:
    """Index one year's pages into ``<output>/<bundle_dir>/<name>/``.

    The pages are hard-linked (copied when links fail) at the same relative paths into a
    temporary site beside the output folder, so Pagefind's URLs stay ``/articles/<slug>/``.
    The bundle is written beside it too, made byte-reproducible, and moved into place.
    """
    output = Path(output_path).resolve()
    work = output.with_name(f"{output.name}.pagefind-{name}.tmp")
    _remove(work)
    try:
        site, bundle = work / "site", work / "bundle"
        for page in pages:
            _link_or_copy(output / page, site / page)
        result = subprocess.run(
            pagefind_command(executable, site, bundle), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pagefind failed on {name} (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
            )
        if result.stderr.strip():
            logger.warning("pagefind (%s): %s", name, result.stderr.strip()[-2000:])
        canonicalise_bundle(bundle)  # Pagefind's filter indexes come out in hash-map order
        for unused in UNUSED_BUNDLE_FILES:  # the ready-made UIs: the theme has its own search page
            (bundle / unused).unlink(missing_ok=True)
        target = output / bundle_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove(target)
        bundle.rename(target)
    finally:
        _remove(work)


class ShardIndex:
    """The search index of one output folder, brought up to date one shard at a time.

    :meth:`begin` removes leftovers and the bundles of years that have no articles
    any more; :meth:`update` indexes one shard again if its fingerprint changed or its
    bundle is missing; :meth:`end` writes the final record. The state file beside the
    output folder records each shard's fingerprint once its bundle is complete, and
    drops it before the bundle is touched: a build killed at any point re-indexes what
    it had not finished, and only that.
    """

    def __init__(
        self,
        output_path: str | os.PathLike[str],
        bundle_dir: str,
        shards: Mapping[str, Iterable[str]],
        executable: str | None = None,
    ) -> None:
        self.executable = executable or pagefind_executable()
        self.output = Path(output_path).resolve()
        self.bundle_dir = bundle_dir
        self.root = self.output / bundle_dir
        self.shards = {name: tuple(pages) for name, pages in shards.items()}
        self.header = {
            "format": STATE_FORMAT,
            "pagefind": pagefind_version(self.executable),
            "bundle_dir": bundle_dir,
        }
        self.state_file = state_path(self.output)
        self.done: dict[str, str] = {}
        self.page_digests: PageDigests = {}
        self.indexed: set[str] = set()
        self.lock = threading.Lock()

    def begin(self) -> None:
        data = _record(self.state_file, self.header)  # read once for both parts
        recorded = _shards_of(data)
        wanted = {page for pages in self.shards.values() for page in pages}
        self.page_digests = {page: known for page, known in _pages_of(data).items() if page in wanted}
        for leftover in self.output.parent.glob(f"{glob.escape(self.output.name)}.pagefind-*.tmp"):
            _remove(leftover)  # from a build killed while indexing
        if self.root.is_dir():
            for entry in unwanted_entries(self.shards, os.listdir(self.root)):
                _remove(self.root / entry)
        # A recorded fingerprint still describes its bundle until that bundle is touched.
        self.done = {name: fp for name, fp in recorded.items() if name in self.shards}
        if self.shards:
            self._save()

    def update(self, name: str) -> None:
        """Index ``name`` again if it changed; shards may be updated from several threads."""
        pages = self.shards[name]
        with self.lock:
            fingerprint = shard_fingerprint(self.output, pages, self.page_digests)
            present = (self.root / name / "pagefind-entry.json").is_file()
            if self.done.get(name) == fingerprint and present:
                return
            self.done.pop(name, None)
            self._save()
        started = time.perf_counter()
        index_shard(self.output, self.bundle_dir, name, pages, self.executable)
        with self.lock:
            self.done[name] = fingerprint
            self._save()
            self.indexed.add(name)
        took = time.perf_counter() - started
        logger.info("pagefind: indexed %s (%d pages) in %.1f s", name, len(pages), took)

    def _save(self) -> None:
        write_state(self.state_file, self.header, self.done, self.page_digests)

    def end(self) -> list[str]:
        if not self.shards:
            if self.root.is_dir() and not any(self.root.iterdir()):
                self.root.rmdir()
            self.state_file.unlink(missing_ok=True)
        else:
            self._save()  # the page digests read for shards that needed no indexing
            if not self.indexed:
                logger.info("pagefind: all %d shards unchanged", len(self.shards))
        return [name for name in self.shards if name in self.indexed]


def update_index(
    output_path: str | os.PathLike[str],
    bundle_dir: str,
    shards: Mapping[str, Iterable[str]],
    executable: str | None = None,
) -> list[str]:
    """Bring ``<output>/<bundle_dir>/`` up to date with ``shards`` ({year: pages}); returns the
    years indexed (see :class:`ShardIndex`)."""
    index = ShardIndex(output_path, bundle_dir, shards, executable)
    index.begin()
    for name in index.shards:
        index.update(name)
    return index.end()


def serve_index_requests(config: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The indexing process: a :class:`ShardIndex` of ``config``, updating each shard named in
    ``names`` (read as they come), two Pagefind processes at a time; returns the years indexed."""
    index = ShardIndex(config["output"], config["bundle_dir"], config["shards"])
    index.begin()
    futures = []
    # Two Pagefind processes at a time: one alone leaves part of the second core idle.
    with concurrent.futures.ThreadPoolExecutor(max_workers=PAGEFIND_PROCESSES) as pool:
        for name in names:
            futures.append(pool.submit(index.update, name))
    for future in futures:
        future.result()
    return index.end()


# Run by the indexing process (``python -c``): its first line of input is the job, then one
# shard name per line; it answers with the years indexed, as JSON, on its output.
_WORKER = """\
import json, logging, sys
config = json.loads(sys.stdin.readline())
sys.path[:0] = config["sys_path"]
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
module = __import__(config["module"], fromlist=["serve_index_requests"])
names = (line.strip() for line in sys.stdin if line.strip())
print(json.dumps(module.serve_index_requests(config, names)))
"""


class IndexJob(threading.Thread):
    """The search index brought up to date beside the build, fed shard by shard as their pages
    are written.

    Article pages are written one year after another (Pelican writes them newest first), so
    a year can be indexed while Pelican writes the older ones and the rest of the site.
    :meth:`page_written` counts each year's pages down; a year is queued when all of its pages
    are on disk, and :meth:`close` queues whatever is left. The indexing itself (checking
    page digests, linking pages, Pagefind, making its bundle reproducible) runs in a process
    of its own, :func:`serve_index_requests`: as a thread it held Python's lock for over a
    second of a one-article build, time the build's own thread waited for. This thread only
    passes the names on.
    """

    def __init__(self, output_path: str, bundle_dir: str, shards: Mapping[str, Iterable[str]]) -> None:
        # A daemon: a build that fails before closing the queue must still be able to exit.
        super().__init__(name=f"pagefind {output_path}", daemon=True)
        self.output_path = output_path
        self.bundle_dir = bundle_dir
        self.shards = {name: list(pages) for name, pages in shards.items()}
        self.closed = False
        self.pending = {name: set(pages) for name, pages in self.shards.items()}
        self.shard_of = {page: name for name, pages in self.shards.items() for page in pages}
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.indexed: list[str] = []
        self.error: BaseException | None = None

    def page_written(self, page: str) -> None:
        name = self.shard_of.get(page)
        if name is None or name not in self.pending:
            return
        self.pending[name].discard(page)
        if not self.pending[name]:
            del self.pending[name]
            self.queue.put(name)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for name in list(self.pending):
            del self.pending[name]
            self.queue.put(name)
        self.queue.put(None)

    def run(self) -> None:
        # Pelican imports plugins from PLUGIN_PATHS without leaving them on sys.path.
        plugin_folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        config = {
            "sys_path": [plugin_folder, *filter(None, sys.path)],
            "module": __name__,
            "output": self.output_path,
            "bundle_dir": self.bundle_dir,
            "shards": self.shards,
        }
        try:
            with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
                worker = subprocess.Popen(
                    [sys.executable, "-c", _WORKER],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,  # a file, not a pipe: a chatty worker can never block on it
                    text=True,
                    encoding="utf-8",
                )
                assert worker.stdin is not None and worker.stdout is not None
                try:
                    worker.stdin.write(json.dumps(config) + "\n")
                    worker.stdin.flush()
                    while (name := self.queue.get()) is not None:
                        worker.stdin.write(name + "\n")
                        worker.stdin.flush()
                except BrokenPipeError:
                    while self.queue.get() is not None:  # the worker died: drain, then report it
                        pass
                finally:
                    with contextlib.suppress(BrokenPipeError):
                        worker.stdin.close()
                answer = worker.stdout.read()
                code = worker.wait()
                log.seek(0)
                messages = log.read().splitlines()
            for line in messages:
                level, _, message = line.partition(" ")
                if level not in _LEVELS:
                    level, message = "WARNING", line  # not a log line: Python's own report
                logger.log(logging.getLevelName(level), "%s", message)
            if code != 0:
                detail = " ".join(messages)[-2000:]
                raise RuntimeError(f"the search indexing process failed (exit {code}): {detail}")
            self.indexed = list(json.loads(answer.strip().splitlines()[-1]))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the build's thread by finish()
            self.error = exc

    def finish(self) -> list[str]:
        self.join()
        if self.error is not None:
            raise self.error
        return self.indexed


_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


# --------------------------------------------------------------------------
# Pelican wiring
# --------------------------------------------------------------------------
def site_path(settings: Mapping[str, Any]) -> str:
    """The site's path on its host, for Pagefind's ``baseUrl``: "/sub/" or "/"."""
    siteurl = str(settings.get("SITEURL") or "")
    path = (
        siteurl.split("://", 1)[1].split("/", 1)[1]
        if "://" in siteurl and "/" in siteurl.split("://", 1)[1]
        else ""
    )
    return "/" + (path.strip("/") + "/" if path.strip("/") else "")


class SearchGenerator(Generator):
    def generate_context(self) -> None:
        place_index = self.context.get("place_index")
        if place_index is not None and self.settings.get("DIGEST_SEARCH_SPELLINGS", True):
            attach_spellings(p for places in place_index.by_kind.values() for p in places)
        self.context["search_base_path"] = site_path(self.settings)

    def generate_output(self, writer: Any) -> None:
        save_as = self.settings["DIGEST_SEARCH_SAVE_AS"]
        if not save_as:
            return
        url = self.settings["DIGEST_SEARCH_URL"]
        articles = [*self.context.get("articles", []), *self.context.get("hidden_articles", [])]
        writer.write_file(
            save_as,
            self.get_template("search"),
            self.context,
            relative_urls=bool(self.settings.get("RELATIVE_URLS")),
            page_url=url,
            url=url,
            # The page loads these bundles; a keyword, so the incremental writer sees it change.
            search_shards=shard_names(articles, self.settings),
        )


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


# Indexing started once every context is built, fed as article pages are written, waited for
# when the build ends.
_RUNNING: dict[str, IndexJob] = {}
# The page whose writing was announced last, per output: written once the next is announced.
_ANNOUNCED: dict[str, str] = {}


def _on_generators_ready(generators: Any) -> None:
    """Start indexing once every context is built, just before pages are written: not
    earlier, so that the background jobs forked while contexts are built (the feeds, the
    exports) neither inherit this job's thread nor hold its worker's input open."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            _start_indexing(generator)


def _start_indexing(generator: Any) -> None:
    settings = generator.settings
    if not settings.get("DIGEST_SEARCH_PAGEFIND"):
        return
    output_path = os.path.abspath(generator.output_path)
    articles = [*generator.articles, *getattr(generator, "hidden_articles", [])]
    shards = plan_shards(article_pages(articles, article_prefix(settings)))
    job = IndexJob(output_path, settings["DIGEST_SEARCH_BUNDLE_DIR"], shards)
    _RUNNING[output_path] = job
    _ANNOUNCED.pop(output_path, None)
    job.start()


@functools.cache
def _absolute(path: str) -> str:
    return os.path.abspath(path)


def _output_of(generator: Any) -> str:
    return _absolute(str(generator.output_path))  # asked once per article page


def _previous_page_written(generator: Any) -> IndexJob | None:
    """The running job of this output, told that the page announced last is on disk (Pelican
    writes a page before announcing the next)."""
    output_path = _output_of(generator)
    job = _RUNNING.get(output_path)
    previous = _ANNOUNCED.pop(output_path, None)
    if job is not None and previous is not None:
        job.page_written(previous)
    return job


def _on_article_to_write(generator: Any, content: Any = None) -> None:
    if _previous_page_written(generator) is not None:
        _ANNOUNCED[_output_of(generator)] = str(getattr(content, "save_as", "") or "")


def _on_articles_written(generator: Any, writer: Any = None) -> None:
    job = _previous_page_written(generator)
    if job is not None:
        job.close()


def _on_finalized(pelican_obj: Any) -> None:
    if not pelican_obj.settings.get("DIGEST_SEARCH_PAGEFIND"):
        return
    job = _RUNNING.pop(os.path.abspath(pelican_obj.output_path), None)
    if job is None:
        logger.warning("pagefind: the article pages were never written; the search index is unchanged")
        return
    started = time.perf_counter()
    job.close()  # already closed when the article pages were written; this is a safety net
    job.finish()
    logger.info("pagefind: the build waited %.1f s for the index", time.perf_counter() - started)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return SearchGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
    signals.all_generators_finalized.connect(_on_generators_ready)
    signals.article_generator_write_article.connect(_on_article_to_write)
    signals.article_writer_finalized.connect(_on_articles_written)
    signals.finalized.connect(_on_finalized)
