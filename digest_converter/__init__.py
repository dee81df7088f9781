"""digest_converter: raw diplomacy news articles (.txt, .html, .json sidecars) to tagged Markdown."""

from __future__ import annotations

__version__ = "0.9.0"
