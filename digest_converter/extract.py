"""From a raw page's text to its parts: headline, byline facts, body and captions.

Text copied from a page (``.txt``) is split into lines and each line is
classified by the patterns in ``data/clutter.yaml``. Saved pages (``.html``)
go through trafilatura for the main text and through BeautifulSoup for the
page's own metadata (Open Graph, JSON-LD, ``<time>``, visible bylines); the
text then passes the same line rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from .datafiles import load_patterns, load_yaml

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

CLUTTER = "clutter.yaml"
MAX_HEADLINE_CHARS = 250

# "China News Service, Taiyuan, December 1st (Gao Yuqing and Hu Jian)",
# "Tangshan, May 9 (Correspondent Li Na, Reporter Gao Peng)", "NANNING, July 5 (Xinhua) --"
DATELINE = re.compile(
    r"^(?:(?P<outlet>[A-Z][\w.' ]{2,40}?),\s+)?(?P<place>[A-Z][A-Za-z' -]{1,30}?),\s+"
    r"(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?)"
    r"(?:,\s*\d{4})?\s*(?:\((?P<paren>[^)]{1,120})\))?\s*(?:--|—|–|-)?\s*",
)
SOURCE_FIELD = re.compile(
    r"(?:source|来源|from)\s*[:：]\s*(.+?)(?=\s{2,}|\s*\||\s+\[|\s+(?:editor|views|date|time|author|"
    r"clicks|hits|font|updated|big|large)\b|\s*\(|$)",
    re.I,
)
BODY_SOURCE = re.compile(r"^[(（]?\s*(?:source|来源)\s*[:：].{1,100}$", re.I)
DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:com|cn|net|org|gov|info)(?:\.cn)?)\b", re.I)
AUTHOR_ROLES = re.compile(r"^(reporters?|correspondents?|intern|by|journalists?|photographers?)\s+", re.I)


@dataclass(slots=True)
class Dateline:
    outlet: str | None
    place: str | None
    month_day: str
    authors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Extracted:
    """What a raw page says about itself, before any interpretation of places."""

    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    page_dates: list[str] = field(default_factory=list)
    source: str | None = None
    site_name: str | None = None
    url: str | None = None
    dateline: Dateline | None = None
    description: str | None = None

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)


# ---------------------------------------------------------------------- outlets


@cache
def _outlet_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, names in (load_yaml("outlets.yaml").get("outlets") or {}).items():
        for name in [canonical, *(names or [])]:
            index[str(name).lower()] = str(canonical)
    return index


def outlet_names() -> list[str]:
    """Every known outlet name and domain, longest first (for masking)."""
    return sorted(_outlet_index(), key=len, reverse=True)


def canonical_outlet(name: str) -> str:
    """ "chinadaily.com.cn" -> "China Daily"; unknown names come back tidied."""
    cleaned = re.sub(r"\s+", " ", name).strip(" |:-–—()[]\t")
    index = _outlet_index()
    key = cleaned.lower()
    if key in index:
        return index[key]
    domain = DOMAIN.search(cleaned)
    if domain:
        host = domain.group(1).lower()
        parts = host.split(".")
        for i in range(len(parts) - 1):
            candidate = ".".join(parts[i:])
            if candidate in index:
                return index[candidate]
        return host
    return cleaned


# ---------------------------------------------------------------------- lines


@cache
def _combined(key: str) -> re.Pattern[str]:
    """One alternation of a clutter list: one regex pass per line instead of one per pattern.

    Every pattern in clutter.yaml starts with ``^`` or ``.*``, so ``match`` (tried at the
    start of the line only) finds what ``search`` would, without trying every position.
    """
    return re.compile("|".join(f"(?:{p.pattern})" for p in load_patterns(CLUTTER, key)), re.I)


def is_clutter(line: str) -> bool:
    return _combined("drop_lines").match(line) is not None


def is_caption(line: str) -> bool:
    return _combined("caption_lines").match(line) is not None


def is_meta(line: str) -> bool:
    return len(line) < 260 and _combined("meta_lines").match(line) is not None


def is_site_line(line: str) -> bool:
    return len(line) < 90 and _combined("site_lines").match(line) is not None


def strip_inline(line: str) -> str:
    for pattern in load_patterns(CLUTTER, "inline"):
        line = pattern.sub("", line)
    return re.sub(r"[ \t\u3000\xa0]+", " ", line).strip()


def is_sentence(line: str) -> bool:
    """A body paragraph rather than a heading: ends like a sentence or is long."""
    return bool(re.search(r"[.!?。”\"')\]]$", line)) or len(line.split()) > 30


def parse_dateline(paragraph: str) -> tuple[Dateline | None, str]:
    """Split a leading dateline off a paragraph. Returns (dateline, rest)."""
    found = DATELINE.match(paragraph)
    if not found:
        return None, paragraph
    outlet = found.group("outlet")
    paren = (found.group("paren") or "").strip()
    authors: list[str] = []
    if paren:
        if paren.lower() in _outlet_index():
            outlet = outlet or paren
        else:
            for part in re.split(r",|;| and |、", paren):
                part = AUTHOR_ROLES.sub("", part.strip()).strip()
                if part and len(part.split()) <= 4 and part.lower() not in {"reporter", "reporters"}:
                    authors.append(part)
    place = found.group("place").strip()
    if place.isupper():
        place = place.title()
    rest = paragraph[found.end() :].strip()
    return Dateline(outlet, place, found.group("date"), authors), rest


def _read_meta_line(line: str, extracted: Extracted) -> None:
    extracted.page_dates.append(line)
    source = SOURCE_FIELD.search(line)
    if source and not extracted.source:
        value = source.group(1).strip(" |")
        if value and len(value) < 100 and not re.fullmatch(r"[\d\s:-]+", value):
            extracted.source = canonical_outlet(value)
    paren = re.search(r"\(\s*([A-Z][\w .']{1,40})\s*\)", line)
    if paren and not extracted.source and paren.group(1).strip().lower() in _outlet_index():
        extracted.source = canonical_outlet(paren.group(1))
    if not extracted.source:
        domain = DOMAIN.search(line)
        if domain:
            extracted.source = canonical_outlet(domain.group(1))


def split_lines(text: str) -> list[str]:
    return [re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.split("\n")]


def parse_text(text: str) -> Extracted:
    """Classify the lines of text copied from a page."""
    extracted = Extracted()
    in_head = True
    unplaced: list[str] = []  # heading-like lines after the headline
    for line in split_lines(text):
        if not line or is_clutter(line):
            continue
        if is_caption(line):  # before inline stripping: "[Photo/Xinhua]" marks a caption
            caption = strip_inline(line)
            if caption:
                extracted.captions.append(caption)
            continue
        line = strip_inline(line)
        if not line:
            continue
        if (in_head and is_meta(line)) or (not in_head and BODY_SOURCE.match(line)):
            _read_meta_line(line, extracted)  # "(Source: Xinhua)" closing an article, too
            continue
        if in_head and not is_sentence(line) and DATELINE.match(line) is None:
            if is_site_line(line) and extracted.title is None:
                if extracted.site_name is None:
                    extracted.site_name = line
                continue
            if extracted.title is None and len(line.split()) >= 3 and len(line) <= MAX_HEADLINE_CHARS:
                extracted.title = line
            elif extracted.title is not None:
                unplaced.append(line)
            continue
        in_head = False
        if not extracted.paragraphs:
            dateline, rest = parse_dateline(line)
            if dateline:
                extracted.dateline = dateline
                line = rest or line
        extracted.paragraphs.append(line)
    if not extracted.paragraphs:
        # No line read like a sentence: the lines under the headline are the body.
        extracted.paragraphs = unplaced
    if not extracted.source and extracted.dateline and extracted.dateline.outlet:
        extracted.source = canonical_outlet(extracted.dateline.outlet)
    if not extracted.source and extracted.site_name:
        extracted.source = canonical_outlet(extracted.site_name)
    return extracted


# ---------------------------------------------------------------------- html


def _json_ld(soup: BeautifulSoup) -> list[dict]:
    found: list[dict] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return found


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content") and str(tag["content"]).strip():
            return str(tag["content"]).strip()
    return None


def strip_site_suffix(title: str, site_names: list[str]) -> tuple[str, str | None]:
    """ "Headline - Shaanxi Provincial People's Government" -> ("Headline", "Shaanxi ...").

    Suffixes are peeled one at a time ("Headline_Wenzhou News_English").
    """
    title = re.sub(r"\s+", " ", title).strip()
    sites = [s.lower() for s in site_names if s]
    removed: str | None = None
    while True:
        for sep in (" - ", " | ", " _ ", " – ", " — ", "_", "|"):
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            tail, tail_l = tail.strip(), tail.strip().lower()
            site_like = any(tail_l in s or s in tail_l for s in sites) or is_site_line(tail)
            if head.strip() and (site_like or len(tail.split()) <= 3 < len(head.split())):
                title = head.strip()
                removed = removed or tail
                break
        else:
            return title, removed


def parse_html(html: str) -> Extracted:
    """Main text with trafilatura; metadata from the page's own tags."""
    # Imported here, not at the top: 0.1 s that a run converting no HTML page need not pay.
    import trafilatura
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    ld = _json_ld(soup)
    extracted = Extracted()
    site = _meta(soup, "og:site_name")
    for item in ld:
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and publisher.get("name") and not site:
            site = str(publisher["name"])
    document = trafilatura.bare_extraction(
        html,
        # Our own metadata reading below is enough; trafilatura's (htmldate with
        # dateparser) costs seconds per process for nothing we use.
        with_metadata=False,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
    )
    doc = document.as_dict() if document is not None and hasattr(document, "as_dict") else (document or {})
    extracted.site_name = site

    for item in ld:
        if str(item.get("@type", "")).lower() in {
            "newsarticle",
            "article",
            "reportagenewsarticle",
            "blogposting",
        }:
            for key in ("datePublished", "dateCreated", "dateModified"):
                if item.get(key):
                    extracted.page_dates.append(str(item[key]))
            if item.get("headline") and not extracted.title:
                extracted.title = str(item["headline"]).strip()
    published = _meta(
        soup,
        "article:published_time",
        "og:article:published_time",
        "pubdate",
        "publishdate",
        "PubDate",
        "publish_date",
        "date",
        "dc.date",
        "DC.date.issued",
    )
    if published:
        extracted.page_dates.append(published)
    for time_tag in soup.find_all("time"):
        if time_tag.get("datetime"):
            extracted.page_dates.append(str(time_tag["datetime"]))
    if not extracted.page_dates:
        from htmldate import find_date

        found = find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
        if found:
            extracted.page_dates.append(found)

    h1 = soup.find("h1")
    og_title = _meta(soup, "og:title", "twitter:title")
    head_title = soup.title.get_text(" ", strip=True) if soup.title else None
    title = (
        extracted.title
        or og_title
        or (h1.get_text(" ", strip=True) if h1 else None)
        or doc.get("title")
        or head_title
    )
    title_site: str | None = None
    if title:
        extracted.title, title_site = strip_site_suffix(title, [site or ""])
        if head_title and head_title != title:
            title_site = strip_site_suffix(head_title, [site or ""])[1] or title_site
    extracted.url = _meta(soup, "og:url") or next(
        (str(link["href"]) for link in soup.find_all("link", rel="canonical") if link.get("href")), None
    )
    extracted.description = _meta(soup, "description", "og:description")

    # A visible byline ("2023-04-05 10:22 Source: Xinhua") names the outlet best.
    for node in soup.find_all(string=SOURCE_FIELD):
        line = re.sub(r"\s+", " ", node.parent.get_text(" ", strip=True) if node.parent else str(node))
        if len(line) < 260:
            _read_meta_line(line, extracted)
            break
    text = doc.get("text") or ""
    body = parse_text(text)
    extracted.paragraphs = [p for p in body.paragraphs if p != extracted.title]
    extracted.captions = body.captions
    extracted.dateline = body.dateline
    extracted.page_dates.extend(body.page_dates)
    if not extracted.source:
        extracted.source = body.source if body.source and body.source != body.site_name else None
    if not extracted.source and extracted.dateline and extracted.dateline.outlet:
        extracted.source = canonical_outlet(extracted.dateline.outlet)
    for candidate in (site, title_site, doc.get("sitename")):
        if not extracted.source and candidate:
            extracted.source = canonical_outlet(candidate)
    if not extracted.source and extracted.url:
        domain = DOMAIN.search(extracted.url)
        extracted.source = canonical_outlet(domain.group(1)) if domain else None
    return extracted
