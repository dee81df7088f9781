"""Site-wide glue for the diplomacy digest.

* Article metadata: the Markdown contract's ``url`` key is the *original*
  article's address, but Pelican treats a ``url`` metadata key as an override
  of the article's own URL. Before the article object is created, the key is
  moved to ``source_url`` (kept only when it is an http(s) URL), so
  ``article.url`` stays the digest's permalink.
* Pelican's tag/category/author lists are emptied when their pages are off
  (their per-term filtering is quadratic in the number of articles).
* GitHub Pages extras at the end of the build: a ``CNAME`` file when
  ``DIGEST_CNAME`` is set, and an empty ``.nojekyll`` when ``DIGEST_NOJEKYLL``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import MutableMapping
from typing import Any

from pelican import signals

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DIGEST_CNAME": "",
    "DIGEST_NOJEKYLL": True,
    "DIGEST_SITE_DESCRIPTION": "",
}

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DigestSiteSettingsError(ValueError):
    """A digest_site setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    """Fill in defaults and check the plugin's settings; raise on a bad value."""
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    cname = settings["DIGEST_CNAME"]
    if not isinstance(cname, str):
        raise DigestSiteSettingsError(f"DIGEST_CNAME must be a string, got {cname!r}")
    if cname and not _HOSTNAME.match(cname.lower()):
        raise DigestSiteSettingsError(
            f"DIGEST_CNAME must be a bare host name such as 'digest.example.org' "
            f"(no scheme, path or port), got {cname!r}"
        )
    if not isinstance(settings["DIGEST_NOJEKYLL"], bool):
        raise DigestSiteSettingsError(
            f"DIGEST_NOJEKYLL must be True or False, got {settings['DIGEST_NOJEKYLL']!r}"
        )
    if not isinstance(settings["DIGEST_SITE_DESCRIPTION"], str):
        raise DigestSiteSettingsError("DIGEST_SITE_DESCRIPTION must be a string")


def normalise_metadata(metadata: MutableMapping[str, Any], source: str = "") -> None:
    """Move the contract's ``url`` (the original article) to ``source_url``."""
    raw = metadata.pop("url", None)
    if raw is None:
        return
    value = str(raw).strip()
    if value.startswith(("http://", "https://")):
        metadata["source_url"] = value
    elif value:
        logger.warning("%s: ignoring url %r (not an http(s) URL)", source or "article", value)


def write_pages_extras(output_path: str, cname: str, nojekyll: bool) -> None:
    """Write the GitHub Pages ``CNAME`` and ``.nojekyll`` files when configured."""
    if cname:
        with open(os.path.join(output_path, "CNAME"), "w", encoding="utf-8") as handle:
            handle.write(cname + "\n")
    if nojekyll:
        with open(os.path.join(output_path, ".nojekyll"), "w", encoding="utf-8"):
            pass


def drop_unwritten_taxonomies(generator: Any) -> None:
    """Empty Pelican's tag/category/author lists when their pages are off.

    Pelican filters ``dates`` per tag, category and author even when it writes
    no page for them, which is quadratic in the number of articles (every
    article shares the one default category). The digest's taxonomies are
    places (plugins/place_pages), so there is nothing to lose.
    """
    settings = generator.settings
    if not settings.get("TAG_SAVE_AS"):
        generator.tags = {}
    if not settings.get("CATEGORY_SAVE_AS"):
        generator.categories = []
    if not settings.get("AUTHOR_SAVE_AS"):
        generator.authors = []


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _on_article_context(generator: Any, metadata: MutableMapping[str, Any]) -> None:
    normalise_metadata(metadata, str(metadata.get("slug", "")))


def _on_finalized(pelican_obj: Any) -> None:
    settings = pelican_obj.settings
    write_pages_extras(
        pelican_obj.output_path, settings["DIGEST_CNAME"], settings["DIGEST_NOJEKYLL"]
    )


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.article_generator_context.connect(_on_article_context)
    signals.article_generator_finalized.connect(drop_unwritten_taxonomies)
    signals.finalized.connect(_on_finalized)
