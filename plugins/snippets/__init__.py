"""An article's entry in a list, rendered once per build and reused by every list.

At 10,000 articles the same article is listed on its places' pages, their year
pages, the archives and its related articles' pages: some 100,000 entries,
each a few template macros. Templates ask for an entry with the ``snippet``
filter, ``{{ article|snippet("card") }}``, which renders
``snippets/<name>.html`` with the article and ``SITEURL`` the first time and
returns the same markup afterwards. An entry may therefore show only the
article (and its places) and ``SITEURL``, nothing of the page it is on; the
cache is keyed by ``SITEURL`` too, which differs per page when
``RELATIVE_URLS`` is on. The cache is emptied when a build starts.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from pelican import signals

# (snippet name, id(article), SITEURL) -> (the article, its markup). The article is kept so
# that its id cannot be reused by another object while the cache lives.
_CACHE: dict[tuple[str, int, str], tuple[Any, Markup]] = {}
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def render_snippet(environment: Any, name: str, article: Any, siteurl: str) -> Markup:
    """``snippets/<name>.html`` rendered for ``article``, once per build."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"snippet names are lower-case words, got {name!r}")
    key = (name, id(article), siteurl)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is article:
        return cached[1]
    template = environment.get_template(f"snippets/{name}.html")
    markup = Markup(template.render(article=article, SITEURL=siteurl))
    _CACHE[key] = (article, markup)
    return markup


@pass_context
def snippet_filter(context: Context, article: Any, name: str) -> Markup:
    return render_snippet(context.environment, name, article, str(context.get("SITEURL", "")))


def _on_generator_init(generator: Any) -> None:
    generator.env.filters["snippet"] = snippet_filter


def _on_initialized(pelican_obj: Any) -> None:
    _CACHE.clear()


def _on_finalized(pelican_obj: Any) -> None:
    _CACHE.clear()


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.generator_init.connect(_on_generator_init)
    signals.finalized.connect(_on_finalized)
