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
* When Pelican has finished (``finalized`` signal) and ``DIGEST_SEARCH_PAGEFIND``
  is on, the Pagefind binary from the ``pagefind-bin`` package indexes the
  output folder into ``<output>/<DIGEST_SEARCH_BUNDLE_DIR>/`` (an old bundle
  is removed first; Pagefind's ready-made UIs, unused, are left out). Tests of
  other things switch it off to stay fast.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from pelican import signals
from pelican.generators import Generator

from .canonical import canonicalise_bundle

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DIGEST_SEARCH_URL": "search/",
    "DIGEST_SEARCH_SAVE_AS": "search/index.html",
    "DIGEST_SEARCH_PAGEFIND": True,
    "DIGEST_SEARCH_BUNDLE_DIR": "pagefind",
    "DIGEST_SEARCH_SPELLINGS": True,
}
# Most spellings kept per place (GeoNames lists dozens for big cities).
MAX_SPELLINGS = 40
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
STRENGTH_ORDER = {"name": 0, "alias": 1, "demonym": 2, "garble": 3}


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
    if not isinstance(bundle, str) or not bundle or bundle.startswith("/") or ".." in bundle.split("/"):
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
    """Every spelling the gazetteer knows for each place code, read-only.

    The gazetteer maps folded names to places; it is inverted once, for the
    wanted codes only (one pass over its names). Spellings are folded
    (lower-case, no accents, no punctuation), shown capitalised, ordered by
    how much the gazetteer trusts them, then alphabetically; at most
    ``MAX_SPELLINGS`` per place. Unknown codes get no entry.
    """
    wanted = {code for code in codes if code and not code.startswith("~")}
    if not wanted:
        return {}
    if gazetteer is None:
        try:
            from digest_converter.gazetteer import load_gazetteer
        except ImportError:
            return {}
        gazetteer = load_gazetteer()
    found: dict[str, dict[str, int]] = {}
    for key, hits in gazetteer.names.items():
        for hit in hits:
            code = hit.place.key
            if code in wanted:
                rank = STRENGTH_ORDER.get(hit.strength, 9)
                names = found.setdefault(code, {})
                names[key] = min(rank, names.get(key, 9))
    result: dict[str, list[str]] = {}
    for code, names in found.items():
        ordered = sorted(names, key=lambda k: (names[k], len(k), k))[:MAX_SPELLINGS]
        result[code] = [_display(k) for k in ordered]
    return result


def attach_spellings(places: Iterable[Any], gazetteer: Any = None) -> None:
    """Give each place ``spellings``: its other spellings, as one space-separated string."""
    places = list(places)
    spellings = place_spellings((p.code for p in places), gazetteer)
    for place in places:
        own = {place.name.casefold()}
        others = [s for s in spellings.get(place.code, []) if s.casefold() not in own]
        place.spellings = " ".join(others)


# --------------------------------------------------------------------------
# Pagefind
# --------------------------------------------------------------------------
def pagefind_executable() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:
        raise RuntimeError(
            "DIGEST_SEARCH_PAGEFIND is on but the pagefind-bin package is not installed "
            "(pip install -e .); or set DIGEST_SEARCH_PAGEFIND = False"
        ) from exc
    return str(get_executable())


def article_glob(settings: Mapping[str, Any]) -> str:
    """The article pages, from ARTICLE_SAVE_AS ("articles/{slug}/index.html" -> "articles/**/*.html")."""
    prefix = str(settings.get("ARTICLE_SAVE_AS") or "").split("{", 1)[0]
    return f"{prefix}**/*.html"


def pagefind_command(output_path: str, bundle_dir: str, glob: str = "**/*.html") -> list[str]:
    # Only article pages carry data-pagefind-body, so only they are read (the same index,
    # and Pagefind can start as soon as the article pages are written).
    return [
        pagefind_executable(),
        "--site",
        output_path,
        "--output-subdir",
        bundle_dir,
        "--glob",
        glob,
        "--quiet",
    ]


def start_pagefind(output_path: str, bundle_dir: str, glob: str = "**/*.html") -> subprocess.Popen[str]:
    """Start indexing in the background; the rest of the build goes on on the other core."""
    target = os.path.join(output_path, bundle_dir)
    if os.path.isdir(target):
        shutil.rmtree(target)
    return subprocess.Popen(
        pagefind_command(output_path, bundle_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_pagefind(process: subprocess.Popen[str], output_path: str, bundle_dir: str) -> None:
    _out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"pagefind failed (exit {process.returncode}): {err.strip()[-2000:]}")
    if err.strip():
        logger.warning("pagefind: %s", err.strip()[-2000:])
    target = os.path.join(output_path, bundle_dir)
    canonicalise_bundle(target)  # Pagefind's filter indexes come out in hash-map order
    for name in UNUSED_BUNDLE_FILES:  # the ready-made UIs: the theme has its own search page
        path = os.path.join(target, name)
        if os.path.isfile(path):
            os.remove(path)


def run_pagefind(output_path: str, bundle_dir: str, glob: str = "**/*.html") -> None:
    """Index the built site: ``pagefind --site OUTPUT --output-subdir BUNDLE``."""
    finish_pagefind(start_pagefind(output_path, bundle_dir, glob), output_path, bundle_dir)


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
        writer.write_file(
            save_as,
            self.get_template("search"),
            self.context,
            relative_urls=bool(self.settings.get("RELATIVE_URLS")),
            page_url=url,
            url=url,
            content_token=self.context.get("content_token"),  # see digest_site.content_token
        )


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


# Pagefind started when the article pages were written, waited for when the build ends.
_RUNNING: dict[str, subprocess.Popen[str]] = {}


def _on_articles_written(generator: Any, writer: Any = None) -> None:
    settings = generator.settings
    if settings.get("DIGEST_SEARCH_PAGEFIND"):
        output_path = os.path.abspath(generator.output_path)
        _RUNNING[output_path] = start_pagefind(
            output_path, settings["DIGEST_SEARCH_BUNDLE_DIR"], article_glob(settings)
        )


def _on_finalized(pelican_obj: Any) -> None:
    settings = pelican_obj.settings
    if not settings.get("DIGEST_SEARCH_PAGEFIND"):
        return
    output_path = os.path.abspath(pelican_obj.output_path)
    bundle_dir = settings["DIGEST_SEARCH_BUNDLE_DIR"]
    process = _RUNNING.pop(output_path, None)
    if process is None:
        run_pagefind(output_path, bundle_dir, article_glob(settings))
    else:
        finish_pagefind(process, output_path, bundle_dir)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return SearchGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
    signals.article_writer_finalized.connect(_on_articles_written)
    signals.finalized.connect(_on_finalized)
