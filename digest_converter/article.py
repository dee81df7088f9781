"""One raw article to one converted article: facts read, places tagged, Markdown out."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from slugify import slugify

from . import __version__
from .dates import (
    CHINA_TZ,
    DatePrecision,
    ReadDate,
    assume_year,
    fallback_date,
    find_month_day,
    infer_year,
    parse_date_string,
)
from .extract import Extracted, canonical_outlet, parse_html, parse_text
from .gazetteer import Place, load_gazetteer
from .places import tag_places
from .reading import RawFileError, Sidecar, read_raw_text, read_sidecar
from .relations import Relation, find_relations

MAX_TITLE_CHARS = 120
MAX_SUMMARY_CHARS = 300
MAX_SLUG_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LEAD_DATE = re.compile(
    r"^(?:On|From|Since|As of)\s+(?:the\s+(?:morning|afternoon|evening)\s+of\s+)?"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[A-Z\"“])")


@dataclass(slots=True)
class Article:
    """A converted article: the metadata contract of docs/markdown-contract.md and a body."""

    raw: str
    raw_sha256: str
    title: str
    date: ReadDate
    source: str | None
    url: str | None
    countries: list[Place]
    regions: list[Place]
    cities: list[Place]
    summary: str
    slug: str
    body: list[str]
    captions: list[str]
    authors: list[str] = field(default_factory=list)
    dateline: str | None = None
    warnings: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


def clean_value(text: str) -> str:
    """One metadata line: no control characters, no line breaks, no leading/trailing space."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def headline_from_lead(paragraphs: list[str]) -> str | None:
    """A short factual headline from the lead's first sentence (at most 120 characters)."""
    for paragraph in paragraphs:
        for sentence in sentences(paragraph)[:2]:
            sentence = re.sub(r"^(On|In) [^,]{0,40}, ", "", sentence).strip()
            sentence = sentence.rstrip(" .")
            if len(sentence.split()) < 4:
                continue
            if len(sentence) > MAX_TITLE_CHARS:
                sentence = _shorten(sentence)
            return sentence[:1].upper() + sentence[1:]
    return None


def _shorten(sentence: str) -> str:
    """Cut a long lead sentence at the last clause boundary that fits, else at a word."""
    cut = sentence[: MAX_TITLE_CHARS + 1]
    boundaries = [m.start() for m in re.finditer(r",\s|\s(?:which|who|where|as|after|during|to)\s", cut)]
    for end in reversed(boundaries):
        clause = sentence[:end].strip()
        if len(clause.split()) >= 8:
            return clause
    return cut.rsplit(" ", 1)[0].rstrip(",;: ")


def summarise(paragraphs: list[str], description: str | None) -> str:
    if description and 20 <= len(description) <= MAX_SUMMARY_CHARS * 2:
        text = description
    else:
        text = " ".join(paragraphs[:1])
    summary = ""
    for sentence in sentences(text):
        if summary and len(summary) + len(sentence) > MAX_SUMMARY_CHARS:
            break
        summary = f"{summary} {sentence}".strip()
    if len(summary) > MAX_SUMMARY_CHARS * 2:
        summary = summary[:MAX_SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"
    return clean_value(summary)


def read_date(
    extracted: Extracted, sidecar: Sidecar | None, mtime: float, today: date, rejected: list[str]
) -> ReadDate:
    """Sidecar, then the page's own date, then the dateline (year inferred), then fallback.

    Values that are not plausible dates (the year 1900 or 2100) are skipped and
    reported in ``rejected``.
    """
    if sidecar and sidecar.date:
        parsed = parse_date_string(sidecar.date, today)
        if parsed:
            return ReadDate(parsed[0], "sidecar", parsed[1])
        rejected.append(f"sidecar date {sidecar.date!r} ignored: not a plausible publication date")
    for candidate in extracted.page_dates:
        parsed = parse_date_string(candidate, today)
        if parsed:
            return ReadDate(parsed[0], "page", parsed[1])
    month_day = None
    if extracted.dateline:
        month_day = find_month_day(extracted.dateline.month_day)
    if month_day is None and extracted.paragraphs:
        # A lead that opens with its date: "On May 13, a video conference was held ..."
        lead = LEAD_DATE.match(extracted.paragraphs[0])
        month_day = find_month_day(lead.group(0)) if lead else None
    if month_day:
        month, day = month_day
        inferred = infer_year(extracted.body_text, month, day, today)
        if inferred:
            year, reason = inferred
            precision: DatePrecision = "year-inferred"
            note = f"year {year} inferred from {reason}"
        else:
            year = assume_year(month, day, mtime)
            precision = "year-assumed"
            note = f"the text gives no year; {year} assumed from the file's date"
        try:
            return ReadDate(datetime(year, month, day, tzinfo=CHINA_TZ), "text", precision, note)
        except ValueError:
            pass
    return fallback_date(mtime)


def _order(places: list[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (p.country != "CN", p.name.lower()))


def _order_countries(places: list[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (p.key != "CN", p.name.lower()))


def file_sha256(path: Path, sidecar: Path | None) -> str:
    digest = hashlib.sha256(path.read_bytes())
    if sidecar is not None and sidecar.exists():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def convert_file(path: Path, source_root: Path, today: date | None = None) -> Article:
    """Convert one raw file. Raises RawFileError with a one-line reason."""
    today = today or datetime.now(UTC).date()
    relative = path.relative_to(source_root).as_posix()
    sidecar_path = path.with_suffix(".json")
    sidecar, warnings = read_sidecar(sidecar_path)
    text, _encoding = read_raw_text(path)
    extracted = parse_html(text) if path.suffix.lower() in (".html", ".htm") else parse_text(text)
    if not extracted.paragraphs:
        raise RawFileError("no article text found")

    title = (sidecar.title if sidecar and sidecar.title else None) or extracted.title
    if not title:
        title = headline_from_lead(extracted.paragraphs)
        warnings.append("no headline; one was written from the lead")
    if not title:
        raise RawFileError("no headline and no sentence to make one from")
    title = clean_value(title)

    read = read_date(extracted, sidecar, path.stat().st_mtime, today, warnings)
    if read.source == "fallback":
        warnings.append("no date found; the file's date stands in (date_source: fallback)")
    elif read.note:
        warnings.append(read.note)

    source = (canonical_outlet(sidecar.source) if sidecar and sidecar.source else None) or extracted.source
    url = (sidecar.url if sidecar and sidecar.url else None) or extracted.url
    if url and not re.match(r"^https?://[^\s<>\"']+$", url):
        warnings.append("url dropped: only http(s) links are kept")
        url = None

    gaz = load_gazetteer()
    # Captions count: "... held on Sept 6 in Samarkand, Uzbekistan" may be the only mention.
    tags = tag_places("\n\n".join([title, *extracted.paragraphs, *extracted.captions]), gaz)
    if not tags.countries and not tags.cities and not tags.regions:
        warnings.append("no place found")
    relations = find_relations("\n".join([title, *extracted.paragraphs]), [*tags.cities, *tags.regions], gaz)
    for weak in tags.weak:
        warnings.append(f"weak match: {weak}")

    slug = slugify(title, max_length=MAX_SLUG_CHARS, word_boundary=True) or slugify(path.stem) or "article"
    return Article(
        raw=relative,
        raw_sha256=file_sha256(path, sidecar_path if sidecar else None),
        title=title,
        date=read,
        source=clean_value(source) if source else None,
        url=url,
        countries=_order_countries(tags.countries),
        regions=_order(tags.regions),
        cities=_order(tags.cities),
        summary=summarise(extracted.paragraphs, extracted.description),
        slug=slug,
        body=extracted.paragraphs,
        captions=extracted.captions,
        authors=extracted.dateline.authors if extracted.dateline else [],
        dateline=extracted.dateline.place if extracted.dateline else None,
        warnings=warnings,
        relations=relations,
    )


def _names(places: list[Place]) -> str:
    return ", ".join(p.name.replace(",", "") for p in places)


def _escape_markdown(paragraph: str) -> str:
    """Body text is text: Markdown/HTML syntax in it must not become markup."""
    paragraph = paragraph.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")
    paragraph = re.sub(r"^(\s*)([#>*+\-=|]|\d+[.)])", r"\1\\\2", paragraph)
    return re.sub(r"([`*_\[\]])", r"\\\1", paragraph)


def render_markdown(article: Article) -> str:
    """The Markdown file: the metadata header of the contract, a blank line, the body."""
    meta: list[tuple[str, str]] = [
        ("title", article.title),
        ("date", article.date.value.isoformat()),
        ("date_source", article.date.source),
        ("date_precision", article.date.precision),
    ]
    if article.source:
        meta.append(("source", article.source))
    if article.url:
        meta.append(("url", article.url))
    if article.authors:
        meta.append(("authors", ", ".join(a.replace(",", "") for a in article.authors)))
    if article.dateline:
        meta.append(("dateline", article.dateline))
    meta += [
        ("countries", _names(article.countries)),
        ("country_codes", ", ".join(p.key for p in article.countries)),
        ("cities", _names(article.cities)),
        ("city_ids", ", ".join(p.key for p in article.cities)),
        ("regions", _names(article.regions)),
        ("region_codes", ", ".join(p.key for p in article.regions)),
        ("partnerships", "; ".join(r.encode() for r in article.relations)),
        ("summary", article.summary),
        ("slug", article.slug),
        ("raw", article.raw),
        ("raw_sha256", article.raw_sha256),
        ("converter", __version__),
    ]
    if article.warnings:
        meta.append(("warnings", "; ".join(w.replace(";", ",") for w in article.warnings)))
    header = "\n".join(f"{key}: {clean_value(value)}".rstrip() for key, value in meta)
    body = [_escape_markdown(clean_value(p)) for p in article.body]
    body += [f"*Photo:* {_escape_markdown(clean_value(c))}" for c in article.captions]
    return header + "\n\n" + "\n\n".join(body) + "\n"
