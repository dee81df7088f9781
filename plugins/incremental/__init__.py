"""Render only the article pages whose inputs changed since the last build into the same folder.

Pelican renders every page on every build; at 10,000 articles most of that work
reproduces files that are already there, byte for byte. This plugin supplies a
Writer (Pelican's ``get_writer`` signal) that, for an article page, computes a
key from everything the page shows (the article's text and metadata, its
places, its related articles) and from everything that shapes every page (the
theme, the plugins, the settings, Pelican's version). When the key matches the
one recorded for that file by the previous build and the file is still there,
the page is not rendered again. Index, place, archive and feed pages are always
rendered: adding one article changes them.

Safety: the state file is removed when a build starts and written back only
when it finishes, so a build killed half-way renders everything next time;
article pages that the previous build wrote and this one did not are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.writers import Writer

log = logging.getLogger(__name__)
STATE_SUFFIX = ".render-state.json"
DEFAULTS: dict[str, Any] = {"DIGEST_INCREMENTAL": True}


def state_path(output_path: str | os.PathLike[str]) -> Path:
    """Beside the output folder, never inside it (it would be published)."""
    output = Path(output_path).resolve()
    return output.with_name(output.name + STATE_SUFFIX)


def _tree_digest(digest: Any, root: Path) -> None:
    if not root.exists():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())


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
    _tree_digest(digest, Path(settings["THEME"]))
    for plugin_dir in settings.get("PLUGIN_PATHS", []):
        _tree_digest(digest, Path(plugin_dir))
    return digest.hexdigest()


def _describe(value: Any) -> Any:
    """A stable description of what a template shows of a related object."""
    if isinstance(value, list | tuple):
        return [_describe(v) for v in value]
    for attrs in (("url", "title", "date"), ("url", "name")):
        if all(hasattr(value, a) for a in attrs):
            return [str(getattr(value, a)) for a in attrs]
    return str(value)


def article_key(site: str, name: str, template_name: str, article: Any) -> str:
    digest = hashlib.sha256(f"{site}\0{name}\0{template_name}\0".encode())
    digest.update(getattr(article, "_content", "").encode())
    digest.update(repr(sorted((k, str(v)) for k, v in article.metadata.items())).encode())
    for attr in ("country_places", "city_places", "region_places", "related_articles", "partners"):
        digest.update(json.dumps(_describe(getattr(article, attr, [])), sort_keys=True).encode())
    return digest.hexdigest()


class IncrementalWriter(Writer):
    """Pelican's Writer, skipping article pages whose key is unchanged."""

    def __init__(self, output_path: str, settings: dict[str, Any]) -> None:
        super().__init__(output_path, settings=settings)
        self._state_file = state_path(output_path)
        self._site = site_key(settings)
        self._previous: dict[str, str] = {}
        if self._state_file.exists():
            try:
                data = json.loads(self._state_file.read_text(encoding="utf-8"))
                if data.get("site") == self._site:
                    self._previous = dict(data.get("pages", {}))
            except (json.JSONDecodeError, OSError, AttributeError):
                self._previous = {}
            # Removed now: if this build dies, the next one renders everything.
            self._state_file.unlink(missing_ok=True)
        self.pages: dict[str, str] = {}
        self.skipped = 0
        _WRITERS.append(self)

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any) -> None:
        article = kwargs.get("article")
        if article is None or not name or kwargs.get("paginated"):
            super().write_file(name, template, context, *args, **kwargs)
            return
        key = article_key(self._site, str(name), getattr(template, "name", ""), article)
        self.pages[str(name)] = key
        if self._previous.get(str(name)) == key and (Path(self.output_path) / name).is_file():
            self.skipped += 1
            return
        super().write_file(name, template, context, *args, **kwargs)

    def finish(self) -> None:
        for stale in sorted(set(self._previous) - set(self.pages)):
            path = Path(self.output_path) / stale
            if path.is_file():
                path.unlink()
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"site": self._site, "pages": self.pages}, sort_keys=True), encoding="utf-8"
        )
        os.replace(tmp, self._state_file)
        log.info(
            "incremental: %d article pages unchanged, %d rendered",
            self.skipped,
            len(self.pages) - self.skipped,
        )


_WRITERS: list[IncrementalWriter] = []


def get_writer(pelican_object: Any) -> type[Writer] | None:
    settings = pelican_object.settings
    value = settings.get("DIGEST_INCREMENTAL", DEFAULTS["DIGEST_INCREMENTAL"])
    if not isinstance(value, bool):
        raise ValueError(f"DIGEST_INCREMENTAL must be True or False, got {value!r}")
    return IncrementalWriter if value else None


def finalized(pelican_object: Any) -> None:
    while _WRITERS:
        _WRITERS.pop().finish()


def register() -> None:
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(finalized)
