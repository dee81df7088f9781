"""Reading a raw page's parts: clutter, captions, headline, dateline, source (extract.py)."""

from __future__ import annotations

import pytest

from digest_converter.extract import (
    canonical_outlet,
    parse_dateline,
    parse_html,
    parse_text,
    strip_site_suffix,
)

LEAD = (
    "A delegation from Harbin arrived in Yekaterinburg, Russia, on Monday for talks on trade "
    "and education."
)
SECOND = "Both sides agreed to expand student exchanges next year."

PAGE = f"""Harbin Government English Portal
Home > News > Exchanges
Harbin delegation visits Yekaterinburg to deepen city ties
Updated: 2024-08-30 10:15  Source: chinadaily.com.cn
Share - WeChat
[Print] [Close]
{LEAD}
Photo shows the signing ceremony in Yekaterinburg.
{SECOND}
Editor: Wang Li
Copyright \u00a9 1995-2024 China Daily. All rights reserved.
\u4eacICP\u590712345678\u53f7
"""


# ---------------------------------------------------------------------- text pages


@pytest.fixture(scope="module")
def page():
    return parse_text(PAGE)


def test_body_keeps_only_article_paragraphs(page) -> None:
    assert page.paragraphs == [LEAD, SECOND]


@pytest.mark.parametrize("clutter", [
    "Share - WeChat",
    "[Print] [Close]",
    "Copyright \u00a9 1995-2024 China Daily. All rights reserved.",
    "\u4eacICP\u590712345678\u53f7",
    "Editor: Wang Li",
])
def test_clutter_line_is_dropped(clutter: str) -> None:
    extracted = parse_text(f"{LEAD}\n{clutter}\n{SECOND}\n")
    assert extracted.paragraphs == [LEAD, SECOND]
    assert extracted.captions == []
    everything = " ".join([*extracted.paragraphs, *extracted.captions, *extracted.page_dates])
    assert clutter not in everything


def test_caption_goes_to_captions_not_paragraphs(page) -> None:
    assert page.captions == ["Photo shows the signing ceremony in Yekaterinburg."]
    assert not any("Photo" in p for p in page.paragraphs)


def test_caption_with_photo_by_credit() -> None:
    caption = "Students from Harbin visit the Ural Federal University. (Photo by Wang Li)"
    extracted = parse_text(f"{LEAD}\n{caption}\n{SECOND}\n")
    assert extracted.captions == [caption]
    assert extracted.paragraphs == [LEAD, SECOND]


@pytest.mark.parametrize("credit", ["[Photo provided to China Daily]", "[Photo/Xinhua]"])
def test_bracketed_photo_credit_line_is_a_caption(credit: str) -> None:
    caption = f"Delegates tour the port of Yekaterinburg. {credit}"
    extracted = parse_text(f"{LEAD}\n{caption}\n{SECOND}\n")
    assert extracted.paragraphs == [LEAD, SECOND]
    assert len(extracted.captions) == 1
    assert extracted.captions[0].startswith("Delegates tour the port of Yekaterinburg.")


def test_headline_below_site_name_and_breadcrumb(page) -> None:
    assert page.title == "Harbin delegation visits Yekaterinburg to deepen city ties"
    assert page.site_name == "Harbin Government English Portal"


def test_meta_line_gives_date_and_source(page) -> None:
    assert page.page_dates == ["Updated: 2024-08-30 10:15 Source: chinadaily.com.cn"]
    assert page.source == "China Daily"
    assert page.dateline is None


def test_no_headline_when_text_starts_with_dateline() -> None:
    extracted = parse_text(
        "China News Service, Harbin, March 3rd (Reporter Wang Li) Officials from Harbin met a "
        "delegation from Yekaterinburg, Russia.\nMore talks followed on Tuesday.\n"
    )
    assert extracted.title is None
    assert extracted.paragraphs == [
        "Officials from Harbin met a delegation from Yekaterinburg, Russia.",
        "More talks followed on Tuesday.",
    ]
    assert extracted.dateline is not None
    assert extracted.dateline.place == "Harbin"
    assert extracted.source == "China News Service"


def test_source_meta_line_maps_to_outlet() -> None:
    extracted = parse_text(f"Source: Xinhua News Agency\n{LEAD}\n")
    assert extracted.source == "Xinhua"
    assert extracted.paragraphs == [LEAD]
    assert extracted.page_dates == ["Source: Xinhua News Agency"]


def test_source_meta_line_unknown_outlet_kept_as_written() -> None:
    extracted = parse_text(f"Source: Harbin Evening Post\n{LEAD}\n")
    assert extracted.source == "Harbin Evening Post"


def test_domain_in_byline_maps_to_outlet() -> None:
    extracted = parse_text(f"By Wang Li | chinadaily.com.cn | Updated: 2024-08-30 10:15\n{LEAD}\n")
    assert extracted.source == "China Daily"
    assert extracted.paragraphs == [LEAD]
    assert extracted.title is None


# ---------------------------------------------------------------------- datelines


def test_dateline_with_outlet_place_date_and_reporter() -> None:
    dateline, rest = parse_dateline(
        "China News Service, Harbin, March 3rd (Reporter Wang Li) The Harbin delegation arrived."
    )
    assert dateline is not None
    assert dateline.outlet == "China News Service"
    assert dateline.place == "Harbin"
    assert dateline.month_day == "March 3rd"
    assert dateline.authors == ["Wang Li"]
    assert rest == "The Harbin delegation arrived."


def test_dateline_upper_case_place_and_agency_in_parentheses() -> None:
    dateline, rest = parse_dateline("HARBIN, July 5 (Xinhua) -- The Harbin delegation arrived.")
    assert dateline is not None
    assert dateline.place == "Harbin"
    assert dateline.outlet == "Xinhua"
    assert dateline.authors == []
    assert dateline.month_day == "July 5"
    assert rest == "The Harbin delegation arrived."


def test_dateline_with_two_roles() -> None:
    dateline, rest = parse_dateline(
        "Tangshan, May 9 (Correspondent Li Na, Reporter Gao Peng) Tangshan opened a fair."
    )
    assert dateline is not None
    assert dateline.outlet is None
    assert dateline.place == "Tangshan"
    assert dateline.authors == ["Li Na", "Gao Peng"]
    assert rest == "Tangshan opened a fair."


def test_no_dateline() -> None:
    paragraph = "The delegation arrived in Harbin on May 9."
    assert parse_dateline(paragraph) == (None, paragraph)


# ---------------------------------------------------------------------- outlets and titles


@pytest.mark.parametrize(("name", "outlet"), [
    ("chinadaily.com.cn", "China Daily"),
    ("www.chinadaily.com.cn", "China Daily"),
    ("CHINADAILY.COM.CN", "China Daily"),
    ("english.news.cn", "Xinhua"),
    ("China News Network", "China News Service"),
    ("  Harbin   Evening Post | ", "Harbin Evening Post"),
])
def test_canonical_outlet(name: str, outlet: str) -> None:
    assert canonical_outlet(name) == outlet


@pytest.mark.parametrize(("title", "site"), [
    ("Harbin and Yekaterinburg sign trade pact - Shaanxi Provincial People's Government",
     "Shaanxi Provincial People's Government"),
    ("Harbin and Yekaterinburg sign trade pact_Wenzhou News_English", "English"),
    ("Harbin and Yekaterinburg sign trade pact | China Daily", "China Daily"),
])
def test_strip_site_suffix(title: str, site: str) -> None:
    assert strip_site_suffix(title, []) == ("Harbin and Yekaterinburg sign trade pact", site)


def test_strip_site_suffix_leaves_plain_title() -> None:
    assert strip_site_suffix("Harbin  and Yekaterinburg sign trade pact", ["China Daily"]) == (
        "Harbin and Yekaterinburg sign trade pact", None)


# ---------------------------------------------------------------------- html pages

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Harbin and Yekaterinburg sign trade pact - Harbin Daily</title>
<meta property="og:title" content="Harbin and Yekaterinburg sign trade pact - Harbin Daily">
<meta property="og:site_name" content="Harbin Daily">
<meta property="article:published_time" content="2024-08-30T10:15:00+08:00">
<meta property="og:url" content="https://www.example.org/news/harbin-yekaterinburg.html">
<script>var tracker = "SCRIPTMARKER"; function f() { return 1; }</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">NAVMARKER News</a> <a href="/about">About NAVMARKER</a></nav>
<article>
<h1>Harbin and Yekaterinburg sign trade pact</h1>
<p>A delegation from Harbin, capital of Heilongjiang Province, arrived in Yekaterinburg, Russia,
on Monday for three days of talks on trade, education and tourism between the two sister cities.</p>
<p>The two sides signed an agreement to expand direct flights and to open a joint trade office in
Yekaterinburg later this year, officials from both cities said after the meeting.</p>
<p>Students from Harbin Institute of Technology will also join a summer programme at the Ural
Federal University, the mayor of Yekaterinburg told reporters at a press conference.</p>
</article>
<footer><p>Copyright \u00a9 2024 FOOTERMARKER Harbin Daily. All rights reserved.</p>
<p>Contact FOOTERMARKER us</p></footer>
<script>console.log("SCRIPTMARKER2")</script>
</body></html>
"""


@pytest.fixture(scope="module")
def html_page():
    return parse_html(HTML)


def test_html_title_without_site_suffix(html_page) -> None:
    assert html_page.title == "Harbin and Yekaterinburg sign trade pact"


def test_html_published_time_in_page_dates(html_page) -> None:
    assert "2024-08-30T10:15:00+08:00" in html_page.page_dates


def test_html_site_url_and_source(html_page) -> None:
    assert html_page.site_name == "Harbin Daily"
    assert html_page.source == "Harbin Daily"
    assert html_page.url == "https://www.example.org/news/harbin-yekaterinburg.html"


def test_html_body_has_article_text_only(html_page) -> None:
    assert len(html_page.paragraphs) == 3
    assert html_page.paragraphs[0].startswith("A delegation from Harbin, capital of Heilongjiang")
    assert html_page.paragraphs[2].endswith("told reporters at a press conference.")
    body = html_page.body_text
    for marker in ("SCRIPTMARKER", "NAVMARKER", "FOOTERMARKER", "Copyright", "tracker"):
        assert marker not in body
    assert html_page.title not in html_page.paragraphs


def test_government_site_line_publication_line_and_closing_source() -> None:
    text = (
        "Hubei Provincial Government\n\n"
        "Wuhan delegation meets Hubei government partners in Győr\n\n"
        "Published on 12 June 2024 10:31\n\n"
        "Officials from Wuhan visited Győr, Hungary on Tuesday to sign a memorandum on car making.\n\n"
        "The two cities have been friendly cities since 2016.\n\n"
        "(Source: Hubei Daily)\n\n(End)\n"
    )
    extracted = parse_text(text)
    assert extracted.title == "Wuhan delegation meets Hubei government partners in Győr"
    assert extracted.source == "Hubei Daily"
    assert any("12 June 2024" in d for d in extracted.page_dates)
    assert extracted.paragraphs == [
        "Officials from Wuhan visited Győr, Hungary on Tuesday to sign a memorandum on car making.",
        "The two cities have been friendly cities since 2016.",
    ]
