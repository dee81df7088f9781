"""Sanitise every article's rendered HTML with nh3 (the Ammonia sanitiser) before any template sees it.

The converter writes article bodies as escaped text, so its output carries no
HTML; but editors may edit the Markdown by hand, and Markdown passes raw HTML
through. Whatever reaches a reader's page goes through an allow-list: no
scripts, no event-handler attributes, no ``javascript:`` or ``data:`` links.

The sanitiser sits in the readers (Pelican's ``readers_init`` signal wraps
every reader class), so what Pelican keeps in its content cache is already
clean: an unchanged article is not sanitised again on the next build (0.4 s
at 10,000 articles). ``digest_build.site`` empties that cache when the
plugins or the settings change, so a changed allow-list reaches every page.
"""

from __future__ import annotations

from typing import Any

import nh3
from pelican import signals

URL_SCHEMES = frozenset({"http", "https", "mailto"})
DEFAULTS: dict[str, Any] = {"DIGEST_SANITIZE": True}


def sanitise_html(html: str) -> str:
    """The allow-listed subset of ``html`` (nh3's safe default tags, http(s) and mailto links)."""
    return nh3.clean(html, url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")


def sanitise_enabled(settings: Any) -> bool:
    enabled = settings.get("DIGEST_SANITIZE", DEFAULTS["DIGEST_SANITIZE"])
    if not isinstance(enabled, bool):
        raise ValueError(f"DIGEST_SANITIZE must be True or False, got {enabled!r}")
    return enabled


def sanitising_reader(reader_class: type) -> type:
    """``reader_class`` whose ``read`` returns sanitised HTML; same name (Pelican derives the
    ``reader`` metadata from it), same extensions."""
    if getattr(reader_class, "_digest_sanitising", False):
        return reader_class

    def read(self: Any, source_path: str) -> tuple[str, dict[str, Any]]:
        content, metadata = reader_class.read(self, source_path)
        return (sanitise_html(content) if content else content), metadata

    namespace = {"read": read, "_digest_sanitising": True, "__module__": reader_class.__module__}
    return type(reader_class.__name__, (reader_class,), namespace)


def wrap_readers(readers: Any) -> None:
    """``readers_init``: every enabled reader class replaced by its sanitising subclass."""
    if not sanitise_enabled(readers.settings):
        return
    for extension, reader_class in list(readers.reader_classes.items()):
        if reader_class:
            readers.reader_classes[extension] = sanitising_reader(reader_class)


def _on_initialized(pelican_obj: Any) -> None:
    sanitise_enabled(pelican_obj.settings)  # a bad value stops the run before anything is read


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.readers_init.connect(wrap_readers)
