"""A machine-readable export of the whole digest: one JSON file and one CSV file.

* ``DIGEST_EXPORT_JSON`` (default ``data/digest.json``): every article (newest
  first) with its date, source, original URL, digest URL and places (ISO 3166
  codes, GeoNames-based city ids, city coordinates when known), its stated
  partnerships, and every partnership with its first and latest evidence.
* ``DIGEST_EXPORT_CSV`` (default ``data/digest.csv``): one row per article,
  list cells joined with ``"; "`` in the same order across columns (so the
  n-th city id goes with the n-th city name and the n-th coordinate pair).

Both are reproducible: no build time, stable order, UTF-8. URLs are absolute
(SITEURL, or ``DIGEST_FEED_DEV_SITEURL`` in development builds). "" switches a
file off. Runs after place_pages and digest_partnerships; written in a background
process (digest_build.background) while the rest of the site is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator
from pelican.utils import sanitised_join

from digest_build import background
from digest_converter.files import write_atomic

DEFAULTS: dict[str, Any] = {
    "DIGEST_EXPORT_JSON": "data/digest.json",
    "DIGEST_EXPORT_CSV": "data/digest.csv",
}
EXPORT_FORMAT_VERSION = 1
CSV_COLUMNS = [
    "slug",
    "title",
    "date",
    "date_source",
    "date_precision",
    "source",
    "source_url",
    "url",
    "summary",
    "countries",
    "country_codes",
    "cities",
    "city_ids",
    "city_coordinates",
    "regions",
    "region_codes",
    "partnerships",
]


class DigestExportSettingsError(ValueError):
    """A digest_export setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    for key, suffix in (("DIGEST_EXPORT_JSON", ".json"), ("DIGEST_EXPORT_CSV", ".csv")):
        value = settings[key]
        if not isinstance(value, str) or (
            value and (value.startswith("/") or ".." in value.split("/") or not value.endswith(suffix))
        ):
            raise DigestExportSettingsError(
                f"{key} must be a relative path ending in {suffix!r} ('' to disable), got {value!r}"
            )


def export_siteurl(settings: Mapping[str, Any]) -> str:
    base = settings.get("SITEURL") or settings.get("DIGEST_FEED_DEV_SITEURL") or ""
    return str(base).rstrip("/")


def _newest_first(article: Any) -> tuple[float, str]:
    return (-article.date.timestamp(), str(getattr(article, "slug", "")))


def _code(place: Any) -> str:
    return "" if place.code.startswith("~") else place.code


def place_record(place: Any, siteurl: str) -> dict[str, Any]:
    record: dict[str, Any] = {"name": place.name}
    if place.kind == "country":
        record["code"] = _code(place)
    elif place.kind == "city":
        record["id"] = _code(place)
        record["country_code"] = place.country_code
        coordinates = getattr(place, "coordinates", None)
        record["latitude"] = coordinates[0] if coordinates else None
        record["longitude"] = coordinates[1] if coordinates else None
    else:
        record["code"] = _code(place)
        record["country_code"] = place.country_code
    record["url"] = f"{siteurl}/{place.url}"
    return record


def _partnership_ref(partnership: Any) -> dict[str, str]:
    return {
        "chinese": partnership.chinese.code,
        "foreign": partnership.foreign.code,
        "kind": partnership.kind,
    }


def _evidence(article: Any, siteurl: str) -> dict[str, str]:
    return {"date": article.date.isoformat(), "title": str(article.title), "url": f"{siteurl}/{article.url}"}


def article_record(
    article: Any, siteurl: str, places: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One article's record; ``places`` caches each place's record (the same on every article)."""
    meta = article.metadata
    places = {} if places is None else places

    def record_of(place: Any) -> dict[str, Any]:
        record = places.get(id(place))
        if record is None:
            record = places[id(place)] = place_record(place, siteurl)
        return record

    return {
        "slug": str(article.slug),
        "title": str(article.title),
        "url": f"{siteurl}/{article.url}",
        "date": article.date.isoformat(),
        "date_source": str(meta.get("date_source") or ""),
        "date_precision": str(meta.get("date_precision") or ""),
        "source": str(meta.get("source") or ""),
        "source_url": str(meta.get("source_url") or ""),
        "summary": str(meta.get("summary") or ""),
        "countries": [record_of(p) for p in getattr(article, "country_places", None) or []],
        "cities": [record_of(p) for p in getattr(article, "city_places", None) or []],
        "regions": [record_of(p) for p in getattr(article, "region_places", None) or []],
        "partnerships": [_partnership_ref(p) for p in getattr(article, "partnerships", None) or []],
    }


def partnership_record(partnership: Any, siteurl: str) -> dict[str, Any]:
    return {
        "chinese": {"kind": partnership.chinese.kind, **place_record(partnership.chinese, siteurl)},
        "foreign": {"kind": partnership.foreign.kind, **place_record(partnership.foreign, siteurl)},
        "kind": partnership.kind,
        "first": _evidence(partnership.first, siteurl),
        "latest": _evidence(partnership.latest, siteurl),
        "articles": [f"{siteurl}/{a.url}" for a in partnership.articles],
    }


def export_document(
    settings: Mapping[str, Any], articles: Sequence[Any], partnerships: Sequence[Any]
) -> dict[str, Any]:
    siteurl = export_siteurl(settings)
    places: dict[int, dict[str, Any]] = {}
    records = [article_record(a, siteurl, places) for a in sorted(articles, key=_newest_first)]
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "title": str(settings.get("SITENAME", "")),
        "description": str(settings.get("DIGEST_SITE_DESCRIPTION") or ""),
        "home_page_url": f"{siteurl}/",
        "article_count": len(records),
        "partnership_count": len(partnerships),
        "articles": records,
        "partnerships": [partnership_record(p, siteurl) for p in partnerships],
    }


def _coordinates_cell(city: Mapping[str, Any]) -> str:
    if city.get("latitude") is None or city.get("longitude") is None:
        return ""
    return f"{city['latitude']} {city['longitude']}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> str:
    """A cell a spreadsheet will show as text: titles from the web can start with "=" (OWASP
    "CSV injection"); such a cell gets a leading apostrophe."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(document: Mapping[str, Any]) -> str:
    """One row per article (CSV, RFC 4180 quoting, CRLF line ends as the RFC says)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in document["articles"]:
        cities = record["cities"]
        row = [
            record["slug"],
            record["title"],
            record["date"],
            record["date_source"],
            record["date_precision"],
            record["source"],
            record["source_url"],
            record["url"],
            record["summary"],
            "; ".join(p["name"] for p in record["countries"]),
            "; ".join(p["code"] for p in record["countries"]),
            "; ".join(p["name"] for p in cities),
            "; ".join(p["id"] for p in cities),
            "; ".join(_coordinates_cell(p) for p in cities)
            if any(_coordinates_cell(p) for p in cities)
            else "",
            "; ".join(p["name"] for p in record["regions"]),
            "; ".join(p["code"] for p in record["regions"]),
            "; ".join(f"{p['chinese']}/{p['foreign']}/{p['kind']}" for p in record["partnerships"]),
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


# One encoder for every line: json.dumps with options builds a new one per call.
_line_json = json.JSONEncoder(ensure_ascii=False).encode


def json_text(document: Mapping[str, Any]) -> str:
    """The document as JSON with one article or partnership per line.

    Readable in a text editor and diff-friendly like an indented file, but
    written by the json module's C encoder, which ``indent`` turns off (an
    indented 10,000-article export took seconds on every build).
    """
    lines = ["{"]
    keys = list(document)
    for position, key in enumerate(keys):
        value = document[key]
        comma = "," if position + 1 < len(keys) else ""
        if isinstance(value, list) and value:
            items = ",\n".join(map(_line_json, value))
            lines.append(f"{json.dumps(key)}: [\n{items}\n]{comma}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_exports(
    output_path: str, settings: Mapping[str, Any], articles: Sequence[Any], partnerships: Sequence[Any]
) -> None:
    json_path, csv_path = settings["DIGEST_EXPORT_JSON"], settings["DIGEST_EXPORT_CSV"]
    if not json_path and not csv_path:
        return
    document = export_document(settings, articles, partnerships)
    for rel, text in (
        (json_path, json_text(document) if json_path else ""),
        (csv_path, csv_text(document) if csv_path else ""),
    ):
        if not rel:
            continue
        target = sanitised_join(output_path, rel)
        write_atomic(Path(target), text.encode("utf-8"))


class DigestExportGenerator(Generator):
    """Writes the exports in a background process as soon as everything they show is known
    (the articles, their places, the partnerships: the generators before this one)."""

    def generate_context(self) -> None:
        index = self.context.get("partnership_index")
        articles = self.context.get("articles") or []
        partnerships = getattr(index, "partnerships", []) if index is not None else []
        background.start(
            "digest_export",
            lambda: write_exports(self.output_path, self.settings, articles, partnerships),
        )


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return DigestExportGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
    # A job left by an earlier run in this process that failed before waiting for it: killed.
    signals.initialized.connect(background.stop_all)
    signals.finalized.connect(background.wait_for_all)
