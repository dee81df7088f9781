"""Building the site safely: render into a staging folder, then move only changed files into place."""

from __future__ import annotations
