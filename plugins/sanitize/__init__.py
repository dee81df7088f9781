"""Sanitise every article's rendered HTML with nh3 (the Ammonia sanitiser) before any template sees it.

The converter writes article bodies as escaped text, so its output carries no
HTML; but editors may edit the Markdown by hand, and Markdown passes raw HTML
through. Whatever reaches a reader's page goes through an allow-list: no
scripts, no event-handler attributes, no ``javascript:`` or ``data:`` links.
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


def sanitise_content(content: Any) -> None:
    settings = getattr(content, "settings", {}) or {}
    enabled = settings.get("DIGEST_SANITIZE", DEFAULTS["DIGEST_SANITIZE"])
    if not isinstance(enabled, bool):
        raise ValueError(f"DIGEST_SANITIZE must be True or False, got {enabled!r}")
    if enabled and getattr(content, "_content", None):
        content._content = sanitise_html(content._content)


def register() -> None:
    signals.content_object_init.connect(sanitise_content)
