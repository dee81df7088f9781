"""Small charts of articles per month, drawn as static, accessible SVG.

Every country, city and region page gets ``place.month_chart`` and the
archives index gets ``archive_chart``: a bar per month over the whole
digest's span (so charts of different places compare), drawn at build time
as inline SVG with no script. Each chart is an image with a title and a
description (``role="img"``, ``aria-labelledby``) and comes with a table of
the months that have articles, as its text alternative.

Articles whose date is a placeholder (``date_source: fallback`` or
``date_precision: none``) are not drawn; the description says how many.
Runs after place_pages. ``DIGEST_MONTH_CHARTS = False`` switches charts off.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from pelican import signals
from pelican.generators import Generator

DEFAULTS: dict[str, Any] = {"DIGEST_MONTH_CHARTS": True}

WIDTH = 400
HEIGHT = 120
TOP = 18  # room for the maximum's label
BOTTOM = 22  # room for the year labels
LEFT = 4
RIGHT = 4


class DigestChartsSettingsError(ValueError):
    """A digest_charts setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    if not isinstance(settings["DIGEST_MONTH_CHARTS"], bool):
        raise DigestChartsSettingsError(
            f"DIGEST_MONTH_CHARTS must be True or False, got {settings['DIGEST_MONTH_CHARTS']!r}"
        )


Month = tuple[int, int]


def has_real_date(article: Any) -> bool:
    meta = getattr(article, "metadata", {}) or {}
    return meta.get("date_source") != "fallback" and meta.get("date_precision") != "none"


def month_of(article: Any) -> Month:
    return (article.date.year, article.date.month)


def month_span(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included."""
    months: list[Month] = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_name(month: Month) -> str:
    return f"{calendar.month_name[month[1]]} {month[0]}"


@dataclass
class MonthCounts:
    counts: Counter[Month]
    undated: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def count_months(articles: Iterable[Any]) -> MonthCounts:
    counts: Counter[Month] = Counter()
    undated = 0
    for article in articles:
        if has_real_date(article):
            counts[month_of(article)] += 1
        else:
            undated += 1
    return MonthCounts(counts, undated)


def _num(value: float) -> str:
    """Short, stable number text for SVG attributes."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def describe(subject: str, data: MonthCounts) -> str:
    """One or two plain sentences saying what the chart shows."""
    about = f" about {subject}" if subject else ""
    if not data.total:
        text = f"No dated articles{about}."
    else:
        months = sorted(data.counts)
        peak = max(data.counts.values())
        busiest = [m for m in months if data.counts[m] == peak]
        text = (
            f"{data.total} dated article{'' if data.total == 1 else 's'}{about}, "
            f"from {month_name(months[0])} to {month_name(months[-1])}"
        )
        if len(months) == 1:
            text += "."
        elif len(busiest) == 1:
            text += f"; the most in {month_name(busiest[0])} ({peak})."
        else:
            text += f"; at most {peak} in a month."
    if data.undated:
        text += f" {data.undated} article{'' if data.undated == 1 else 's'} with an uncertain date not shown."
    return text


def chart_svg(data: MonthCounts, span: Sequence[Month], title: str, ident: str) -> Markup:
    """The chart: one bar per month of ``span``, a year label under each January (and the first month)."""
    n = max(len(span), 1)
    peak = max(data.counts.values(), default=0) or 1
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    slot = inner_w / n
    bar_w = min(max(slot * 0.8, 0.5), 24)
    parts = [
        f'<svg class="month-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-caption">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}"/>',
        f'<text class="label" x="{LEFT}" y="12">{peak} article{"" if peak == 1 else "s"} at most</text>',
    ]
    for i, month in enumerate(span):
        count = data.counts.get(month, 0)
        x = LEFT + i * slot + (slot - bar_w) / 2
        if count:
            h = inner_h * count / peak
            parts.append(
                f'<rect class="bar" x="{_num(x)}" y="{_num(TOP + inner_h - h)}" width="{_num(bar_w)}" '
                f'height="{_num(h)}"><title>{escape(month_name(month))}: {count}</title></rect>'
            )
        label_x = LEFT + i * slot
        if i == 0:
            label = str(month[0]) if month[1] == 1 else f"{calendar.month_abbr[month[1]]} {month[0]}"
        elif month[1] == 1 and label_x - LEFT >= 60:  # clear of the first label
            label = str(month[0])
        else:
            continue
        parts.append(
            f'<line class="tick" x1="{_num(label_x)}" y1="{TOP + inner_h}" '
            f'x2="{_num(label_x)}" y2="{TOP + inner_h + 4}"/>'
            f'<text class="label" x="{_num(label_x)}" y="{HEIGHT - 6}">{label}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_block(data: MonthCounts, span: Sequence[Month], subject: str = "", ident: str = "chart") -> Markup:
    """The figure: the SVG, a caption describing it, and the months with articles as a table.

    The caption and the table are the chart's text alternative.
    """
    title = "Articles per month" + (f" about {subject}" if subject else "")
    description = describe(subject, data)
    rows = "".join(
        f'<tr><th scope="row">{escape(month_name(m))}</th><td>{data.counts[m]}</td></tr>'
        for m in sorted(data.counts, reverse=True)
    )
    table = (
        f'<details class="chart-table"><summary>Articles per month, as a table</summary>'
        f'<table><caption class="visually-hidden">{escape(title)}</caption>'
        f'<thead><tr><th scope="col">Month</th><th scope="col">Articles</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
        if rows
        else ""
    )
    return Markup(
        f'<div class="chart"><figure>{chart_svg(data, span, title, ident)}'
        f'<figcaption id="{ident}-caption">{escape(description)}</figcaption></figure>{table}</div>'
    )


class MonthChart:
    """A place's chart, drawn when a page shows it (most builds render few place pages).

    Templates print it like markup; a caching writer keys a page on what the chart is
    drawn from (``page_key_description``), not on the drawing.
    """

    def __init__(self, data: MonthCounts, span: Sequence[Month], subject: str = "") -> None:
        self.data = data
        self.span = list(span)
        self.subject = subject
        self._markup: Markup | None = None

    def __html__(self) -> str:
        if self._markup is None:
            self._markup = chart_block(self.data, self.span, self.subject)
        return str(self._markup)

    def __str__(self) -> str:
        return self.__html__()

    def page_key_description(self) -> list[Any]:
        counts = sorted(self.data.counts.items())
        return [
            self.subject,
            [list(m) for m in self.span[:1] + self.span[-1:]],
            len(self.span),
            counts,
            self.data.undated,
        ]


def digest_span(articles: Iterable[Any]) -> list[Month]:
    months = [month_of(a) for a in articles if has_real_date(a)]
    if not months:
        return []
    return month_span(min(months), max(months))


class ChartsGenerator(Generator):
    def generate_context(self) -> None:
        if not self.settings.get("DIGEST_MONTH_CHARTS", True):
            return
        articles = self.context.get("articles") or []
        span = digest_span(articles)
        if not span:
            return
        place_index = self.context.get("place_index")
        if place_index is not None:
            for places in place_index.by_kind.values():
                for place in places:
                    place.month_chart = MonthChart(count_months(place.articles), span, place.name)
        self.context["archive_chart"] = chart_block(count_months(articles), span)


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return ChartsGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
