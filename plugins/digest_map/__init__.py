"""Maps drawn at build time as static SVG from Natural Earth boundaries.

* The map page (``DIGEST_MAP_SAVE_AS``, template ``map``): the world in the
  Robinson projection, countries with news tinted and linking to their pages,
  one marker per city (area in proportion to its number of articles) linking
  to the city's page, and an arc for each partnership between two cities. It
  needs no script, tile server or outside file; a list of the cities mapped
  follows it as its text alternative.
* A locator map on every country page (the country highlighted) and city page
  (a dot on the city, its country highlighted): ``place.locator_map``, a small
  equirectangular view clipped to the place's surroundings, so it weighs a few
  kilobytes.

Boundaries: ``data/countries-110m.json`` (Natural Earth 1:110m via the npm
package world-atlas; public domain, see ``data/README.md``). Output is
deterministic: coordinates are rounded to one decimal and written in a fixed
order. City coordinates come from place_pages (the project's gazetteer).
Runs after place_pages and digest_partnerships. ``DIGEST_MAP_SAVE_AS = ""``
switches the map page off, ``DIGEST_LOCATOR_MAPS = False`` the locator maps.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from pelican import signals
from pelican.generators import Generator

from digest_converter.files import read_record, write_atomic

DATA_FILE = Path(__file__).resolve().parent / "data" / "countries-110m.json"

DEFAULTS: dict[str, Any] = {
    "DIGEST_MAP_URL": "map/",
    "DIGEST_MAP_SAVE_AS": "map/index.html",
    "DIGEST_LOCATOR_MAPS": True,
}

# Natural Earth features without an ISO numeric code.
UNCODED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
SKIPPED = {"010"}  # Antarctica: no news, a third of the map's height

Ring = list[tuple[float, float]]  # (longitude, latitude)


class DigestMapSettingsError(ValueError):
    """A digest_map setting has a bad value."""


def validate_settings(settings: MutableMapping[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    for key in ("DIGEST_MAP_URL", "DIGEST_MAP_SAVE_AS"):
        value = settings[key]
        if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
            raise DigestMapSettingsError(f"{key} must be a relative path, got {value!r}")
    if settings["DIGEST_MAP_SAVE_AS"] and not settings["DIGEST_MAP_SAVE_AS"].endswith(".html"):
        raise DigestMapSettingsError(
            "DIGEST_MAP_SAVE_AS must end with '.html' ('' = no map page), "
            f"got {settings['DIGEST_MAP_SAVE_AS']!r}"
        )
    if not isinstance(settings["DIGEST_LOCATOR_MAPS"], bool):
        raise DigestMapSettingsError(
            f"DIGEST_LOCATOR_MAPS must be True or False, got {settings['DIGEST_LOCATOR_MAPS']!r}"
        )


# --------------------------------------------------------------------------
# Boundaries
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2 ("" when unknown)
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes

    @property
    def largest(self) -> tuple[Ring, ...]:
        """The polygon with the largest bounding box (the mainland, for locators)."""

        def extent(polygon: tuple[Ring, ...]) -> float:
            lons = [p[0] for p in polygon[0]]
            lats = [p[1] for p in polygon[0]]
            return (max(lons) - min(lons)) * (max(lats) - min(lats))

        return max(self.polygons, key=extent)


def _decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: Ring = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arc_indexes: Sequence[int], arcs: Sequence[Ring]) -> Ring:
    points: Ring = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def unwrap(ring: Ring) -> Ring:
    """Make longitudes continuous: a ring crossing the date line jumps from 180 to -180 in the
    data; here it goes on past 180 instead (and is clipped, or drawn shifted, when projected)."""
    out: Ring = []
    offset = 0.0
    previous = None
    for lon, lat in ring:
        if previous is not None:
            step = lon + offset - previous
            if step > 180:
                offset -= 360
            elif step < -180:
                offset += 360
        out.append((lon + offset, lat))
        previous = lon + offset
    return out


def world_pieces(ring: Ring) -> list[Ring]:
    """The parts of an (unwrapped) ring inside -180..180, shifted copies included."""
    lons = [p[0] for p in ring]
    if min(lons) >= -180 and max(lons) <= 180:
        return [ring]
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        moved = [(lon + shift, lat) for lon, lat in ring]
        clipped = clip_ring(moved, (-180.0, -90.0, 180.0, 90.0))
        if len(clipped) >= 3:
            pieces.append(clipped)
    return pieces


def _alpha2(numeric: str | None, name: str) -> str:
    if numeric is None:
        return UNCODED.get(name, "")
    import pycountry

    country = pycountry.countries.get(numeric=numeric)
    return country.alpha_2 if country is not None else UNCODED.get(name, "")


@cache
def load_countries(path: str = str(DATA_FILE)) -> tuple[Country, ...]:
    """Every country of the boundary file (Antarctica left out), in the file's order."""
    with open(path, encoding="utf-8") as handle:
        topology = json.load(handle)
    arcs = _decode_arcs(topology)
    countries: list[Country] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") in SKIPPED:
            continue
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = tuple(tuple(unwrap(_ring(r, arcs)) for r in polygon) for polygon in polygons)
        name = geometry.get("properties", {}).get("name", "")
        countries.append(Country(_alpha2(geometry.get("id"), name), name, rings))
    return tuple(countries)


def countries_by_code() -> dict[str, list[Country]]:
    found: dict[str, list[Country]] = {}
    for country in load_countries():
        if country.code:
            found.setdefault(country.code, []).append(country)
    return found


# --------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------
# Robinson's table: latitude -> (X, Y), every 5 degrees.
_ROBINSON = [
    (1.0000, 0.0000), (0.9986, 0.0620), (0.9954, 0.1240), (0.9900, 0.1860), (0.9822, 0.2480),
    (0.9730, 0.3100), (0.9600, 0.3720), (0.9427, 0.4340), (0.9216, 0.4958), (0.8962, 0.5571),
    (0.8679, 0.6176), (0.8350, 0.6769), (0.7986, 0.7346), (0.7597, 0.7903), (0.7186, 0.8435),
    (0.6732, 0.8936), (0.6213, 0.9394), (0.5722, 0.9761), (0.5322, 1.0000),
]  # fmt: skip


def robinson(lon: float, lat: float) -> tuple[float, float]:
    """Robinson projection (linear interpolation of the table), unit sphere: x in ±2.666, y in ±1.352."""
    a = min(abs(lat), 90.0) / 5.0
    i = min(int(a), 17)
    f = a - i
    x0, y0 = _ROBINSON[i]
    x1, y1 = _ROBINSON[i + 1]
    big_x = x0 + (x1 - x0) * f
    big_y = y0 + (y1 - y0) * f
    x = 0.8487 * big_x * math.radians(lon)
    y = 1.3523 * big_y * (1 if lat >= 0 else -1)
    return x, -y  # SVG y grows downwards


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _round_ring(ring: Sequence[tuple[float, float]], min_step: float) -> list[tuple[int, int]]:
    """Points in tenths, consecutive near-duplicates dropped."""
    kept: list[tuple[int, int]] = []
    step = round(min_step * 10)
    for x, y in ring:
        p = (round(x * 10), round(y * 10))
        if kept and abs(p[0] - kept[-1][0]) < step and abs(p[1] - kept[-1][1]) < step:
            continue
        kept.append(p)
    if len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    return kept


def _tenths(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10)
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def svg_path(rings: Iterable[Sequence[tuple[float, float]]], min_step: float = 0.5) -> str:
    """Path data for projected rings, exact in tenths (relative steps from integer tenths never drift)."""
    parts: list[str] = []
    for ring in rings:
        points = _round_ring(ring, min_step)
        if len(points) < 3:
            continue
        text = [f"M{_tenths(points[0][0])} {_tenths(points[0][1])}"]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            dx, dy = x1 - x0, y1 - y0
            text.append(
                f"l{_tenths(dx)} {_tenths(dy)}" if len(text) == 1 else f" {_tenths(dx)} {_tenths(dy)}"
            )
        text.append("z")
        parts.append("".join(text))
    return "".join(parts)


# --------------------------------------------------------------------------
# The world map
# --------------------------------------------------------------------------
WORLD_WIDTH = 960.0
_X_SCALE = WORLD_WIDTH / (2 * robinson(180, 0)[0])
WORLD_TOP_LAT, WORLD_BOTTOM_LAT = 84.0, -58.0


def world_xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = robinson(lon, lat)
    top = robinson(0, WORLD_TOP_LAT)[1]
    return (x * _X_SCALE + WORLD_WIDTH / 2, (y - top) * _X_SCALE)


WORLD_HEIGHT = round(world_xy(0, WORLD_BOTTOM_LAT)[1])


@dataclass
class MapCity:
    place: Any
    x: float
    y: float
    r: float


@dataclass
class MapTie:
    partnership: Any
    d: str  # path data of the arc


def marker_radius(count: int, largest: int) -> float:
    """Area in proportion to the number of articles: 3 px for one, 14 px for the most."""
    if largest <= 1:
        return 4.0
    return round(3.0 + 11.0 * math.sqrt((count - 1) / (largest - 1)), 1)


def arc_path(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A gentle quadratic arc from a to b (bulging to the left of a->b; straight if too short)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    if length < 1:
        return ""
    bend = 0.18 * length
    cx, cy = (x0 + x1) / 2 + dy / length * bend, (y0 + y1) / 2 - dx / length * bend
    return f"M{_fmt(x0)} {_fmt(y0)}Q{_fmt(cx)} {_fmt(cy)} {_fmt(x1)} {_fmt(y1)}"


def world_map_svg(
    place_index: Any, partnership_index: Any, siteurl: str
) -> tuple[Markup, list[MapCity], list[MapTie]]:
    """The world map's SVG markup, the cities drawn and the partnerships drawn."""
    news = {place.code: place for place in getattr(place_index, "countries", [])}
    country_parts: list[str] = []
    for country in load_countries():
        rings = [
            [world_xy(lon, lat) for lon, lat in piece]
            for polygon in country.polygons
            for ring in polygon
            for piece in world_pieces(ring)
        ]
        d = svg_path(rings, 0.8)
        if not d:
            continue
        place = news.get(country.code)
        if place is not None:
            label = f"{place.name}: {place.count} article{'' if place.count == 1 else 's'}"
            country_parts.append(
                f'<a href="{escape(siteurl)}/{escape(place.url)}" aria-label="{escape(label)}">'
                f'<path class="land news" d="{d}"><title>{escape(label)}</title></path></a>'
            )
        else:
            country_parts.append(f'<path class="land" d="{d}"/>')
    cities = [c for c in getattr(place_index, "cities", []) if getattr(c, "coordinates", None)]
    largest = max((c.count for c in cities), default=1)
    drawn: list[MapCity] = []
    for city in cities:
        lat, lon = city.coordinates
        x, y = world_xy(lon, lat)
        drawn.append(MapCity(city, x, y, marker_radius(city.count, largest)))
    # Big markers first, so small ones stay on top and clickable.
    drawn.sort(key=lambda c: (-c.r, c.place.name.casefold(), c.place.slug))
    where = {id(c.place): (c.x, c.y) for c in drawn}
    ties: list[MapTie] = []
    for partnership in getattr(partnership_index, "partnerships", []) or []:
        a, b = where.get(id(partnership.chinese)), where.get(id(partnership.foreign))
        if a is None or b is None:
            continue
        d = arc_path(a, b)
        if d:
            ties.append(MapTie(partnership, d))
    tie_parts = [
        f'<path class="tie {escape(t.partnership.kind)}" d="{t.d}">'
        f"<title>{escape(t.partnership.chinese.name)} and "
        f"{escape(t.partnership.foreign.name)}: {escape(t.partnership.kind_label)}</title></path>"
        for t in ties
    ]
    city_parts = []
    for c in drawn:
        label = f"{c.place.name}: {c.place.count} article{'' if c.place.count == 1 else 's'}"
        city_parts.append(
            f'<a href="{escape(siteurl)}/{escape(c.place.url)}" aria-label="{escape(label)}">'
            f'<circle class="city" cx="{_fmt(c.x)}" cy="{_fmt(c.y)}" r="{_fmt(c.r)}">'
            f"<title>{escape(label)}</title></circle></a>"
        )
    svg = (
        f'<svg class="world-map" viewBox="0 0 {int(WORLD_WIDTH)} {WORLD_HEIGHT}" width="{int(WORLD_WIDTH)}" '
        f'height="{WORLD_HEIGHT}" aria-labelledby="world-map-title">'
        f'<title id="world-map-title">World map of the cities in the digest</title>'
        f'<rect class="sea" width="{int(WORLD_WIDTH)}" height="{WORLD_HEIGHT}"/>'
        f'<g class="countries">{"".join(country_parts)}</g>'
        f'<g class="ties">{"".join(tie_parts)}</g>'
        f'<g class="cities">{"".join(city_parts)}</g>'
        "</svg>"
    )
    return Markup(svg), drawn, ties


# --------------------------------------------------------------------------
# Locator maps
# --------------------------------------------------------------------------
LOCATOR_WIDTH, LOCATOR_HEIGHT = 240, 160


def clip_ring(ring: Sequence[tuple[float, float]], box: tuple[float, float, float, float]) -> Ring:
    """Sutherland–Hodgman clipping of a closed ring to an axis-aligned box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda p, q: (x0, p[1] + (q[1] - p[1]) * (x0 - p[0]) / (q[0] - p[0]))),
        (lambda p: p[0] <= x1, lambda p, q: (x1, p[1] + (q[1] - p[1]) * (x1 - p[0]) / (q[0] - p[0]))),
        (lambda p: p[1] >= y0, lambda p, q: (p[0] + (q[0] - p[0]) * (y0 - p[1]) / (q[1] - p[1]), y0)),
        (lambda p: p[1] <= y1, lambda p, q: (p[0] + (q[0] - p[0]) * (y1 - p[1]) / (q[1] - p[1]), y1)),
    )
    points = list(ring)
    for inside, cross in edges:
        if not points:
            break
        result: Ring = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cross(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cross(previous, current))
            previous = current
        points = result
    return points


@dataclass(frozen=True)
class _Indexed:
    code: str
    ring: Ring
    bbox: tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


@cache
def _indexed_rings() -> tuple[_Indexed, ...]:
    """Every ring with its bounding box, also shifted by ±360° so views across the date line work."""
    found: list[_Indexed] = []
    for country in load_countries():
        for polygon in country.polygons:
            for ring in polygon:
                lons = [p[0] for p in ring]
                lats = [p[1] for p in ring]
                for shift in (-360.0, 0.0, 360.0):
                    moved = [(lon + shift, lat) for lon, lat in ring] if shift else ring
                    bbox = (min(lons) + shift, min(lats), max(lons) + shift, max(lats))
                    found.append(_Indexed(country.code, moved, bbox))
    return tuple(found)


def locator_svg(
    center: tuple[float, float],
    span: tuple[float, float],
    highlight: str,
    label: str,
    dot: tuple[float, float] | None = None,
) -> Markup:
    """A small map of a window around ``center`` (lon, lat), ``span`` degrees of longitude/latitude wide.

    Equirectangular with the centre's latitude as standard parallel, so shapes
    look right near the place. ``highlight``: the ISO code of the country to
    tint; ``dot``: (lon, lat) of a city to mark.
    """
    lon_c, lat_c = center
    k = max(math.cos(math.radians(max(min(lat_c, 70.0), -70.0))), 0.35)
    # Window in projected degrees, with the locator's aspect ratio.
    width_deg = max(span[0] * k, span[1] * LOCATOR_WIDTH / LOCATOR_HEIGHT, 12.0)
    height_deg = width_deg * LOCATOR_HEIGHT / LOCATOR_WIDTH
    scale = LOCATOR_WIDTH / width_deg

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return ((lon - lon_c) * k * scale + LOCATOR_WIDTH / 2, (lat_c - lat) * scale + LOCATOR_HEIGHT / 2)

    half_lon = width_deg / k / 2 * 1.1
    half_lat = height_deg / 2 * 1.1
    view = (lon_c - half_lon, lat_c - half_lat, lon_c + half_lon, lat_c + half_lat)
    margin = 4.0
    box = (-margin, -margin, LOCATOR_WIDTH + margin, LOCATOR_HEIGHT + margin)
    land: dict[bool, list[Ring]] = {True: [], False: []}
    tint = "here" if dot is None else "home"
    for item in _indexed_rings():
        b = item.bbox
        if b[2] < view[0] or b[0] > view[2] or b[3] < view[1] or b[1] > view[3]:
            continue
        clipped = clip_ring([xy(lon, lat) for lon, lat in item.ring], box)
        if len(clipped) >= 3:
            land[bool(highlight) and item.code == highlight].append(clipped)
    parts = [
        f'<svg class="locator-map" viewBox="0 0 {LOCATOR_WIDTH} {LOCATOR_HEIGHT}" width="{LOCATOR_WIDTH}" '
        f'height="{LOCATOR_HEIGHT}" role="img" aria-label="{escape(label)}">',
        f'<rect class="sea" width="{LOCATOR_WIDTH}" height="{LOCATOR_HEIGHT}"/>',
    ]
    for here in (False, True):
        d = svg_path(land[here], 0.8)
        if d:
            parts.append(f'<path class="land{" " + tint if here else ""}" d="{d}"/>')
    if dot is not None:
        x, y = xy(*dot)
        parts.append(f'<circle class="dot-ring" cx="{_fmt(x)}" cy="{_fmt(y)}" r="7"/>')
        parts.append(f'<circle class="dot" cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def country_locator(place: Any, boundaries: dict[str, list[Country]]) -> Markup | None:
    """The country on its mainland's surroundings; None when the boundaries lack it (small states)."""
    shapes = boundaries.get(place.code)
    if shapes:
        polygon = max((c.largest for c in shapes), key=lambda p: len(p[0]))
        lons = [p[0] for p in polygon[0]]
        lats = [p[1] for p in polygon[0]]
        center = ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
        span = ((max(lons) - min(lons)) * 1.6, (max(lats) - min(lats)) * 1.6)
        return locator_svg(center, span, place.code, f"Map: where {place.name} is")
    points = [c.coordinates for c in getattr(place, "cities", []) if getattr(c, "coordinates", None)]
    if not points:
        return None
    lat, lon = points[0]
    return locator_svg((lon, lat), (16.0, 10.0), place.code, f"Map: where {place.name} is", dot=(lon, lat))


def city_locator(place: Any) -> Markup | None:
    if not getattr(place, "coordinates", None):
        return None
    lat, lon = place.coordinates
    return locator_svg(
        (lon, lat), (36.0, 24.0), place.country_code, f"Map: where {place.name} is", dot=(lon, lat)
    )


class LocatorCache:
    """City locator maps kept between builds (in Pelican's CACHE_PATH): each is a pure
    function of the city's name, country and coordinates, the boundaries and this code,
    and drawing the few hundred of a digest costs seconds on every build otherwise."""

    def __init__(self, path: Path | None, version: str, entries: dict[str, str]) -> None:
        self.path, self.version, self.entries, self.changed = path, version, entries, False

    @classmethod
    def open(cls, settings: Mapping[str, Any]) -> LocatorCache:
        version = hashlib.sha256(Path(__file__).read_bytes() + DATA_FILE.read_bytes()).hexdigest()
        if not settings.get("CACHE_CONTENT") or not settings.get("CACHE_PATH"):
            return cls(None, version, {})
        path = Path(str(settings["CACHE_PATH"])) / "digest-locators.json"
        data = read_record(path)
        maps = data.get("maps") if data.get("version") == version else None
        return cls(path, version, dict(maps) if isinstance(maps, dict) else {})

    def city(self, place: Any) -> Markup | None:
        if not getattr(place, "coordinates", None):
            return None
        lat, lon = place.coordinates
        key = f"{place.country_code}|{place.name}|{lat!r}|{lon!r}"
        if key not in self.entries:
            drawn = city_locator(place)
            self.entries[key] = str(drawn) if drawn is not None else ""
            self.changed = True
        return Markup(self.entries[key]) if self.entries[key] else None

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        write_atomic(
            self.path, json.dumps({"version": self.version, "maps": self.entries}, sort_keys=True).encode()
        )


# --------------------------------------------------------------------------
# Pelican wiring
# --------------------------------------------------------------------------
@dataclass
class WorldMap:
    svg: Markup
    cities: list[MapCity]
    ties: list[MapTie]
    unmapped: list[Any]  # cities without coordinates
    url: str

    def page_key_description(self) -> list[Any]:
        """What the map page shows, for plugins/incremental (the drawing, and the lists)."""
        return [
            str(self.svg),
            [
                [c.place.name, c.place.url, getattr(c.place.country, "name", ""), c.place.count]
                for c in self.cities
            ],
            [[c.name, c.url] for c in self.unmapped],
            [
                (
                    t.partnership.chinese.name,
                    t.partnership.chinese.url,
                    t.partnership.foreign.name,
                    t.partnership.foreign.url,
                    t.partnership.kind_label,
                )
                for t in self.ties
            ],
            self.url,
        ]


class MapGenerator(Generator):
    def generate_context(self) -> None:
        place_index = self.context.get("place_index")
        if place_index is None:
            return
        if self.settings.get("DIGEST_LOCATOR_MAPS", True):
            boundaries = countries_by_code()
            for place in place_index.countries:
                place.locator_map = country_locator(place, boundaries)
            cache = LocatorCache.open(self.settings)
            for place in place_index.cities:
                place.locator_map = cache.city(place)
            cache.save()
        self.world = None
        if self.settings.get("DIGEST_MAP_SAVE_AS"):
            siteurl = str(self.settings.get("SITEURL") or "")
            svg, cities, ties = world_map_svg(place_index, self.context.get("partnership_index"), siteurl)
            mapped = {id(c.place) for c in cities}
            unmapped = sorted(
                (c for c in place_index.cities if id(c) not in mapped),
                key=lambda p: (p.name.casefold(), p.slug),
            )
            self.world = WorldMap(svg, cities, ties, unmapped, self.settings["DIGEST_MAP_URL"])
            self.context["world_map"] = self.world

    def generate_output(self, writer: Any) -> None:
        if getattr(self, "world", None) is None:
            return
        url = self.settings["DIGEST_MAP_URL"]
        writer.write_file(
            self.settings["DIGEST_MAP_SAVE_AS"],
            self.get_template("map"),
            self.context,
            relative_urls=bool(self.settings.get("RELATIVE_URLS")),
            world_map=self.world,
            page_url=url,
            url=url,
        )


def _on_initialized(pelican_obj: Any) -> None:
    validate_settings(pelican_obj.settings)


def _get_generators(pelican_obj: Any) -> type[Generator]:
    return MapGenerator


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.get_generators.connect(_get_generators)
