"""Render only the pages whose inputs changed since the last build into the same folder.

Pelican renders every page on every build; at 10,000 articles most of that work
reproduces files that are already there, byte for byte. This plugin supplies a
Writer (Pelican's ``get_writer`` signal) that computes, for every page it is
asked to write, a key from everything the page shows (its template and the
variables passed for it: the article, the place and its articles, the archive
month) and from everything that shapes every page (the theme, the plugins, the
settings, Pelican's version). When the key matches the one recorded by the
previous build and the files are still there, the page is not rendered again.
Adding one article re-renders its own page, its related articles' pages, its
places' pages and their page for its year, its month and year in the archives,
the home page and the place indexes; the thousands of others stay as they are.
Files other plugins write themselves are theirs to skip (the feeds, the search
index); the state file lists every file of every page under "keep" so that the
build's staging step does not delete the pages left as they were.

Safety: the state file is removed when a build starts and written back only
when it finishes, so a build killed half-way renders everything next time;
files that the previous build wrote and this one did not are deleted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections import ChainMap
from pathlib import Path
from typing import Any

from digest_site import CONTENT_LISTS
from pelican import signals
from pelican.writers import FileOverwriteFailedError, Writer

from digest_build.site import RENDER_STATE_SUFFIX, digest_tree
from digest_converter.files import AtomicTextFile, beside, read_record, write_atomic

log = logging.getLogger(__name__)
DEFAULTS: dict[str, Any] = {"DIGEST_INCREMENTAL": True}


def state_path(output_path: str | os.PathLike[str]) -> Path:
    """Beside the output folder, never inside it (it would be published)."""
    output = Path(output_path).resolve()
    return beside(output, RENDER_STATE_SUFFIX)


def _plain(value: Any) -> Any:
    """Settings as plain data: sets sorted (their order changes between runs), objects skipped
    (a function's or a module's repr carries a memory address that changes every run)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(repr(_plain(v)) for v in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return type(value).__name__


def site_key(settings: dict[str, Any]) -> str:
    """What shapes every page: theme, plugins, settings and Pelican itself."""
    import pelican

    digest = hashlib.sha256(pelican.__version__.encode())
    items = {k: _plain(v) for k, v in settings.items() if k.isupper()}
    digest.update(json.dumps(items, sort_keys=True, default=str).encode())
    digest_tree(digest, Path(settings["THEME"]))
    for plugin_dir in settings.get("PLUGIN_PATHS", []):
        digest_tree(digest, Path(plugin_dir))
    return digest.hexdigest()


# One encoder for every description: json.dumps with options builds a new one per call.
_key_json = json.JSONEncoder(sort_keys=True, default=str).encode

# id(object), depth -> (the object, the digest of its description). The object is kept so
# that its id cannot be reused by a later object (a page's temporary link, say) while
# the memo lives.
Memo = dict[tuple[int, int], tuple[Any, str]]


# Lists at least this long are described once per build (by identity, like articles).
LONG_LIST = 32


def _is_content(value: Any) -> bool:
    return hasattr(value, "metadata") and hasattr(value, "slug")  # a Pelican article or page


def _shown_text(content: Any) -> str:
    """An article's text as its page shows it: the source text, unless it links to other
    content (Pelican's ``{filename}`` links), which is resolved against this build's
    articles; such a link starts working when its target is added."""
    if _links_to_content(content):
        return str(content.content)
    return str(getattr(content, "_content", "") or "")


def _links_to_content(content: Any) -> bool:
    text = str(getattr(content, "_content", "") or "")
    # Cheap test first: Pelican's link markers are "{...}" or "|...|".
    return bool(
        ("{" in text or "|" in text)
        and hasattr(content, "_get_intrasite_link_regex")
        and content._get_intrasite_link_regex().search(text)
    )


def _content_description(content: Any) -> list[str]:
    """What lists and pages show of an article: slug, title, date, text (by digest), metadata.

    The slug, not the url: Pelican recomputes a url from the settings at every access.
    The text by its digest, not through Pelican's ``summary`` (worked out anew from the
    text at every access), which lists show when the metadata has no summary.
    """
    text = _shown_text(content).encode("utf-8", "surrogatepass")
    return [
        str(getattr(content, "slug", "")),
        str(getattr(content, "title", "")),
        str(getattr(content, "date", "")),
        hashlib.sha256(text).hexdigest(),
        *sorted(f"{k}={v}" for k, v in content.metadata.items()),
    ]


def _digest(described: Any) -> str:
    return hashlib.sha256(_key_json(described).encode()).hexdigest()


# The attribute an article keeps the digest of its description in: set as it is read, it is
# saved with it in Pelican's content cache ("generator" layer), so an unchanged article is not
# described again on every build.
STORED_DIGEST = "digest_page_description"


def store_content_digests(generator: Any) -> None:
    """Give every article read anew the digest of its description (``STORED_DIGEST``).

    Everything described is set by the time Pelican's ``article_generator_pretaxonomy``
    fires, and Pelican saves its cache after it. Articles linking to other content
    (``{filename}``) are left out: their text is resolved against each build's articles.
    """
    for attr in CONTENT_LISTS:
        for content in getattr(generator, attr, None) or []:
            if getattr(content, STORED_DIGEST, None) is not None or _links_to_content(content):
                continue
            setattr(content, STORED_DIGEST, _digest(_content_description(content)))


def _describe(value: Any, depth: int = 1, memo: Memo | None = None) -> Any:
    """What a template can show of a value, as plain data (stable between runs), in linear time.

    An article inside any value is described by what lists print of it (slug,
    title, date, summary, metadata); a place or other dataclass by its fields,
    and one level further down by its ``ref()`` when it has one (a place: name,
    links, coordinates) or else only by kind, name, link and size, so that
    describing China does not describe every article of every place of every
    article. A page that lists the articles of a nested object must therefore
    pass that list as a variable of its own.

    With ``memo`` (one per build: objects do not change while pages are
    written), each article, each place and each long list inside a page is
    described once and then stands in every page's description as the digest
    of its own.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return {str(k): _describe(v, depth, memo) for k, v in items}
    if isinstance(value, list | tuple):
        if memo is None:
            return [_describe(v, depth, memo) for v in value]
        known = memo.get((id(value), depth))
        if known is not None:
            return known[1]
        described_items = []
        for item in value:
            # The common cases first: an article already described (a place's list, a month's),
            # a place already described at this depth (an article's places).
            hit = memo.get((id(item), 0)) or memo.get((id(item), depth))
            described_items.append(hit[1] if hit is not None else _describe(item, depth, memo))
        if len(described_items) < LONG_LIST:
            return described_items
        # A long list (a place's articles) is shown on many pages: each of its year pages,
        # its own page. Described once, it stands in all of them as one digest.
        digest = _digest(described_items)
        memo[(id(value), depth)] = (value, digest)
        return digest
    is_content = _is_content(value)
    if not is_content:
        by_inputs = getattr(value, "page_key_description", None)
        if callable(by_inputs):  # an object that says what its page shows of it (a chart, the map)
            return _describe(by_inputs(), depth, memo)
    is_record = not is_content and dataclasses.is_dataclass(value) and not isinstance(value, type)
    if not (is_content or is_record):
        text = str(value)
        return type(value).__name__ if " at 0x" in text else text
    key = (id(value), depth if is_record else 0)
    if memo is not None and key in memo:
        return memo[key][1]
    described: Any
    if is_content:
        stored = getattr(value, STORED_DIGEST, None)
        if stored is not None and memo is not None:  # kept with the article in Pelican's cache
            memo[key] = (value, stored)
            return stored
        described = _content_description(value)
    elif depth >= 2 and callable(getattr(value, "ref", None)):
        # A place inside another page's variables: what such pages show of it (its ref),
        # not its articles, which change whenever one of them is added.
        described = _describe(value.ref(), 1, None)
    elif depth >= 2:
        # Four short fields: cheaper to give as they are than to digest and remember.
        size = len(getattr(value, "articles", []) or [])
        return [str(getattr(value, a, "")) for a in ("kind", "name", "url")] + [size]
    else:
        # A page's own record (its place, its year, its neighbours) is described on that page
        # only: remembering its digest would cost more than it saves.
        fields = dataclasses.fields(value)
        return {f.name: _describe(getattr(value, f.name), depth + 1, memo) for f in fields}
    if memo is None:
        return described
    digest = _digest(described)
    memo[key] = (value, digest)
    return digest


def _article_description(article: Any, memo: Memo | None = None) -> Any:
    """An article page shows all of its article: text, metadata, places, related articles.

    The article itself as lists describe it (its text by digest, every metadata field),
    which the place and archive pages have usually worked out already in the memo.
    """
    described: dict[str, Any] = {"article": _describe(article, 1, memo)}
    for attr in ("country_places", "city_places", "region_places", "related_articles", "partners"):
        described[attr] = _describe(getattr(article, attr, []), 2, memo)
    return described


def page_key(
    site: str,
    name: str,
    template_name: str,
    kwargs: dict[str, Any],
    memo: Memo | None = None,
) -> str:
    """Everything a page shows: its template, its own variables, and the site key."""
    digest = hashlib.sha256(f"{site}\0{name}\0{template_name}\0".encode())
    described = {
        k: _article_description(v, memo) if k == "article" else _describe(v, 1, memo)
        for k, v in kwargs.items()
        if k not in ("paginated", "relative_urls")
    }
    if kwargs.get("paginated"):
        described["paginated"] = {k: _describe(v, 1, memo) for k, v in kwargs["paginated"].items()}
    digest.update(_key_json(described).encode())
    return digest.hexdigest()


class AtomicWriter(Writer):
    """Pelican's Writer with every page written beside its place and renamed over it.

    A reader, or the output folder's hard link to a built page (``digest_build.sync``),
    never sees a page half-written; a build killed half-way leaves the old page whole.
    """

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        # Pelican's own checks against writing one file twice, then a renamed file.
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time')
            log.info('Skipping "%s", not overwriting', filename)
            return open(os.devnull, "w", encoding=encoding)  # closed by the caller
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it previously'
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return AtomicTextFile(filename, encoding=encoding)


class IncrementalWriter(AtomicWriter):
    """Pelican's Writer, skipping pages whose key is unchanged.

    A page's key covers its template and every variable passed for it (the
    article, the place and its articles, the page of a paginated list), plus the
    site key. Templates must therefore show only those and the settings, never
    other parts of the global context; ``tests/test_incremental.py`` compares an
    incremental build with a full one, byte for byte, to hold them to it.
    """

    def __init__(self, output_path: str, settings: dict[str, Any]) -> None:
        super().__init__(output_path, settings=settings)
        self._state_file = state_path(output_path)
        self._site = site_key(settings)
        self._previous: dict[str, dict[str, Any]] = {}
        data = read_record(self._state_file)
        pages = data.get("pages") if data.get("site") == self._site else None
        if isinstance(pages, dict):
            self._previous = dict(pages)
        # Removed now: if this build dies, the next one renders everything.
        self._state_file.unlink(missing_ok=True)
        self.pages: dict[str, dict[str, Any]] = {}
        self.skipped = 0
        self._capture: list[str] | None = None
        self._memo: Memo = {}
        # A writer left by an earlier run in this process that failed before finishing is not
        # finished now: that run removed the state file, so everything is rendered again.
        _WRITERS.clear()
        _WRITERS.append(self)

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        if self._capture is not None:
            self._capture.append(
                Path(filename).resolve().relative_to(Path(self.output_path).resolve()).as_posix()
            )
        return super()._open_w(filename, encoding, override)

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any) -> None:
        if not name:
            super().write_file(name, template, context, *args, **kwargs)
            return
        name = str(name)
        key = page_key(self._site, name, getattr(template, "name", ""), kwargs, self._memo)
        before = self._previous.get(name)
        output = str(self.output_path)
        if (
            before is not None
            and before.get("key") == key
            and all(os.path.isfile(os.path.join(output, f)) for f in before["files"])
        ):
            self.pages[name] = before
            self.skipped += 1
            # Listeners (the sitemap) still hear of the page, as if it had been written.
            for produced in before["files"]:
                localcontext = ChainMap({"output_file": produced}, kwargs, context)
                signals.content_written.send(os.path.join(output, produced), context=localcontext)
            return
        self._capture = []
        try:
            super().write_file(name, template, context, *args, **kwargs)
            self.pages[name] = {"key": key, "files": sorted(set(self._capture))}
        finally:
            self._capture = None

    def finish(self) -> None:
        current = {f for entry in self.pages.values() for f in entry["files"]}
        previous = {f for entry in self._previous.values() for f in entry.get("files", [])}
        for stale in sorted(previous - current):
            path = Path(self.output_path) / stale
            if path.is_file():
                path.unlink()  # a page this build no longer makes (a place's page 3, say)
        # "keep": every file of every page, rendered or skipped (digest_build.site deletes from
        # its staging folder what a build neither wrote nor listed as kept).
        state = {"site": self._site, "pages": self.pages, "keep": sorted(current)}
        write_atomic(self._state_file, json.dumps(state, sort_keys=True).encode())
        log.info("incremental: %d pages unchanged, %d rendered", self.skipped, len(self.pages) - self.skipped)


_WRITERS: list[IncrementalWriter] = []


def get_writer(pelican_object: Any) -> type[Writer] | None:
    settings = pelican_object.settings
    value = settings.get("DIGEST_INCREMENTAL", DEFAULTS["DIGEST_INCREMENTAL"])
    if not isinstance(value, bool):
        raise ValueError(f"DIGEST_INCREMENTAL must be True or False, got {value!r}")
    return IncrementalWriter if value else AtomicWriter


def finalized(pelican_object: Any) -> None:
    while _WRITERS:
        _WRITERS.pop().finish()


def register() -> None:
    signals.get_writer.connect(get_writer)
    signals.article_generator_pretaxonomy.connect(store_content_digests)
    signals.finalized.connect(finalized)
