"""plugins/snippets: an article's list entry is rendered once per build and SITEURL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import snippets
from jinja2 import DictLoader, Environment


def make_env(renders: list[str]) -> Environment:
    env = Environment(
        loader=DictLoader(
            {
                "snippets/entry.html": '{{ count(article.slug) }}<a href="{{ SITEURL }}/{{ article.url }}">'
                "{{ article.title }}</a>",
                "page.html": "{% for a in articles %}{{ a|snippet('entry') }};{% endfor %}",
            }
        ),
        autoescape=True,
    )
    env.globals["count"] = lambda slug: renders.append(slug) or ""
    env.filters["snippet"] = snippets.snippet_filter
    return env


def test_an_entry_is_rendered_once_and_reused_per_siteurl() -> None:
    snippets._on_initialized(None)
    renders: list[str] = []
    env = make_env(renders)
    a = SimpleNamespace(slug="a", url="articles/a/", title="Harbin & Hamburg")
    b = SimpleNamespace(slug="b", url="articles/b/", title="B")
    page = env.get_template("page.html")
    first = page.render(articles=[a, b], SITEURL="https://x.org")
    again = page.render(articles=[b, a], SITEURL="https://x.org")
    assert first == '<a href="https://x.org/articles/a/">Harbin &amp; Hamburg</a>;<a href="https://x.org/articles/b/">B</a>;'
    assert again.split(";")[1] == first.split(";")[0]
    assert renders == ["a", "b"]  # two pages, two articles: each rendered once
    # Relative URLs give every page its own SITEURL: entries are not shared across them.
    assert page.render(articles=[a], SITEURL="..") == '<a href="../articles/a/">Harbin &amp; Hamburg</a>;'
    assert renders == ["a", "b", "a"]
    snippets._on_finalized(None)  # a new build starts from nothing
    page.render(articles=[a], SITEURL="https://x.org")
    assert renders == ["a", "b", "a", "a"]


def test_snippet_names_are_plain_words() -> None:
    env = make_env([])
    with pytest.raises(ValueError, match="snippet names"):
        snippets.render_snippet(env, "../page", SimpleNamespace(), "")
