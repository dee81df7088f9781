"""Pelican settings for the published site (GitHub Pages).

Usage: ``SITEURL=https://example.github.io/digest pelican -s publishconf.py``.
SITEURL is required (feeds, canonical links and the 404 page need absolute
URLs); CNAME is optional (a custom domain, written to the output's CNAME file).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: F403


def _siteurl_from_env() -> str:
    value = os.environ.get("SITEURL", "").strip().rstrip("/")
    if not value:
        raise RuntimeError(
            "publishconf.py: the SITEURL environment variable is required for a "
            "published build, e.g. SITEURL=https://example.github.io/digest"
        )
    if not value.startswith(("https://", "http://")):
        raise RuntimeError(
            f"publishconf.py: SITEURL must be an absolute http(s) URL, got {value!r}"
        )
    return value


SITEURL = _siteurl_from_env()
RELATIVE_URLS = False
DIGEST_CNAME = os.environ.get("CNAME", "").strip()
DELETE_OUTPUT_DIRECTORY = True
