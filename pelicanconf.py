"""Pelican settings for the diplomacy news digest (development build).

Every setting is declared exactly once, here. ``publishconf.py`` imports this
module and overrides only what differs for the published site (SITEURL,
RELATIVE_URLS, CNAME).

Settings prefixed ``DIGEST_`` belong to this project's plugins in ``plugins/``;
the plugins validate them at start-up (Pelican's ``initialized`` signal) and
stop the build with a clear message on a bad value.
"""

from __future__ import annotations

from pathlib import Path

# --------------------------------------------------------------------------
# Site identity
# --------------------------------------------------------------------------
SITENAME = "Diplomacy News Digest"
SITESUBTITLE = "Chinese provinces and cities abroad: sister cities, delegations, trade fairs"
DIGEST_SITE_DESCRIPTION = (
    "A digest of news about Chinese provinces and cities dealing with foreign "
    "countries and cities: sister-city ties, delegations, trade fairs."
)
AUTHOR = "Diplomacy News Digest"
DEFAULT_LANG = "en"
# Development: links are root-relative ("/countries/"). publishconf.py sets the
# absolute published address from the SITEURL environment variable.
SITEURL = ""
RELATIVE_URLS = False
TIMEZONE = "UTC"
# A fixed locale so that month names (and thus the output) do not depend on
# the machine that builds the site.
LOCALE = ("C.UTF-8", "C")
DEFAULT_DATE_FORMAT = "%d %B %Y"

# --------------------------------------------------------------------------
# Content: only Markdown articles under content/articles. content/raw holds the
# converter's raw HTML input and must never be read as content or copied.
# --------------------------------------------------------------------------
PATH = "content"
ARTICLE_PATHS = ["articles"]
ARTICLE_EXCLUDES = ["raw"]
PAGE_PATHS = ["pages"]
PAGE_EXCLUDES = ["raw"]
STATIC_PATHS: list[str] = []
STATIC_EXCLUDES = ["raw"]
IGNORE_FILES = ["**/.*", ".*", "raw"]
# No HTML reader at all: raw .html files can never become articles.
READERS = {"html": None, "htm": None}
# The summary is plain text by contract; keep it that way (no Markdown pass).
FORMATTED_FIELDS: list[str] = []
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "news"
DELETE_OUTPUT_DIRECTORY = False
# Pelican's content cache: an unchanged Markdown file is not parsed again (reading is a
# fifth of a full build). Kept beside the staging folder, never in the output. The
# "generator" layer keeps whole articles, not the readers' output: making 10,000 Article
# objects again from cached text took a second of every build. (digest_site points cached
# articles at the current build's context; digest_build empties the cache when settings,
# plugins or reading libraries change.)
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "generator"
CACHE_PATH = str(Path(__file__).resolve().parent / ".build" / "pelican-cache")
# Uncompressed: compressing and uncompressing 10,000 articles' cache cost seconds a build.
GZIP_CACHE = False

# --------------------------------------------------------------------------
# Theme and plugins
# --------------------------------------------------------------------------
THEME = "./theme"
THEME_STATIC_DIR = "theme"
PLUGIN_PATHS = ["./plugins"]
# Order matters: digest_site normalises article metadata first, place_pages
# builds the country/city/region taxonomies, digest_partnerships resolves the
# partnerships to those places, digest_charts and digest_map draw the monthly
# charts and maps, digest_feeds writes the feeds, digest_export the data
# export, and digest_search indexes the finished site with Pagefind.
PLUGINS = [
    # First: article HTML is cut down to an allow-list before anything else reads it.
    "sanitize",
    # Article entries in lists rendered once per build (the "snippet" template filter).
    "snippets",
    "digest_site",
    "place_pages",
    "digest_partnerships",
    "digest_charts",
    "digest_map",
    "digest_feeds",
    "digest_export",
    # Last of the digest's plugins: Pagefind indexes the finished output (finalized signal).
    "digest_search",
    # Supplies the Writer: article pages whose inputs did not change are not rendered again.
    "incremental",
]
DIGEST_INCREMENTAL = True
DIGEST_SANITIZE = True
# Autoescape everything; templates mark the rendered article body as safe.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "extensions": [],
}

# --------------------------------------------------------------------------
# URLs: clean, directory-style URLs that work on GitHub Pages.
# --------------------------------------------------------------------------
ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
ARTICLE_LANG_URL = "articles/{slug}-{lang}/"
ARTICLE_LANG_SAVE_AS = "articles/{slug}-{lang}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
INDEX_URL = ""
INDEX_SAVE_AS = "index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
ABOUT_URL = "about/"
ABOUT_SAVE_AS = "about/index.html"
# "404" is written to 404.html at the root (Pelican's default for a direct
# template), which is the page GitHub Pages serves for unknown paths. The home
# page ("index") is written by plugins/place_pages: the newest DIGEST_LATEST.
DIRECT_TEMPLATES = ["archives", "about", "404"]

# Pelican's own taxonomies and per-period archives are not used: places are
# this site's taxonomy (plugins/place_pages), and plugins/digest_site writes
# the archives by year and month (DIGEST_*_ARCHIVE_* below).
CATEGORY_URL = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_URL = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_URL = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""

# --------------------------------------------------------------------------
# Lists: the home page and each place's page show the newest DIGEST_LATEST
# articles in full; a place with more also gets a page per year, and the
# archives list every article by year and month. Nothing is paginated by
# count: numbered pages would all shift with every new article (rewritten
# and re-uploaded on every build), and a page's address would not keep its
# articles.
# --------------------------------------------------------------------------
DIGEST_LATEST = 20
PAGINATED_TEMPLATES: dict[str, int | None] = {}

# --------------------------------------------------------------------------
# Pelican's own feeds: all off. plugins/digest_feeds writes the feeds.
# --------------------------------------------------------------------------
FEED_DOMAIN = None
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
# The digest is in one language. Pelican's search for translations compares every article
# with every other (0.4 s at 10,000 articles, on every build); the converter gives each
# article its own slug, and Pelican still warns when two pages would share a file.
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None

# --------------------------------------------------------------------------
# plugins/place_pages: country, city and region pages.
# *_URL and *_SAVE_AS patterns take {slug}; feeds sit beside their page.
# --------------------------------------------------------------------------
DIGEST_COUNTRY_INDEX_URL = "countries/"
DIGEST_COUNTRY_INDEX_SAVE_AS = "countries/index.html"
DIGEST_COUNTRY_URL = "countries/{slug}/"
DIGEST_COUNTRY_SAVE_AS = "countries/{slug}/index.html"
DIGEST_COUNTRY_FEED_SAVE_AS = "countries/{slug}/feed.xml"
DIGEST_COUNTRY_YEAR_URL = "countries/{slug}/{year}/"
DIGEST_COUNTRY_YEAR_SAVE_AS = "countries/{slug}/{year}/index.html"
DIGEST_CITY_INDEX_URL = "cities/"
DIGEST_CITY_INDEX_SAVE_AS = "cities/index.html"
DIGEST_CITY_URL = "cities/{slug}/"
DIGEST_CITY_SAVE_AS = "cities/{slug}/index.html"
DIGEST_CITY_FEED_SAVE_AS = "cities/{slug}/feed.xml"
DIGEST_CITY_YEAR_URL = "cities/{slug}/{year}/"
DIGEST_CITY_YEAR_SAVE_AS = "cities/{slug}/{year}/index.html"
DIGEST_REGION_INDEX_URL = "regions/"
DIGEST_REGION_INDEX_SAVE_AS = "regions/index.html"
DIGEST_REGION_URL = "regions/{slug}/"
DIGEST_REGION_SAVE_AS = "regions/{slug}/index.html"
DIGEST_REGION_FEED_SAVE_AS = "regions/{slug}/feed.xml"
DIGEST_REGION_YEAR_URL = "regions/{slug}/{year}/"
DIGEST_REGION_YEAR_SAVE_AS = "regions/{slug}/{year}/index.html"
# Article pages list up to this many related articles (sharing places); 0 = off.
DIGEST_RELATED_MAX = 5
# Look up city coordinates in the gazetteer (GeoRSS points in the city feeds).
DIGEST_CITY_COORDINATES = True

# --------------------------------------------------------------------------
# plugins/digest_feeds
# --------------------------------------------------------------------------
DIGEST_FEED_ALL_RSS = "feeds/all.rss.xml"
DIGEST_FEED_ALL_ATOM = "feeds/all.atom.xml"
# JSON Feed 1.1 with the same items as the RSS and Atom feeds ("" = off).
DIGEST_FEED_ALL_JSON = "feeds/all.json"
DIGEST_FEED_MAX_ITEMS = 50
# Feeds need absolute links; used when SITEURL is "" (development builds).
DIGEST_FEED_DEV_SITEURL = "http://localhost:8000"

# --------------------------------------------------------------------------
# plugins/digest_site
# --------------------------------------------------------------------------
# Custom domain for GitHub Pages; when set, a CNAME file is written at the
# output root. publishconf.py reads it from the CNAME environment variable.
DIGEST_CNAME = ""
# Write an empty .nojekyll so GitHub Pages serves the output as is.
DIGEST_NOJEKYLL = True
# Archives: one page per year and per month ({year}, {month:02d} placeholders).
DIGEST_YEAR_ARCHIVE_URL = "archives/{year}/"
DIGEST_YEAR_ARCHIVE_SAVE_AS = "archives/{year}/index.html"
DIGEST_MONTH_ARCHIVE_URL = "archives/{year}/{month:02d}/"
DIGEST_MONTH_ARCHIVE_SAVE_AS = "archives/{year}/{month:02d}/index.html"
# sitemap.xml and robots.txt at the output root ("" switches either off).
# On a project site (/<repo>/) crawlers only read the domain's own robots.txt;
# submit the sitemap's address to search engines instead.
DIGEST_SITEMAP = "sitemap.xml"
DIGEST_ROBOTS = "robots.txt"

# --------------------------------------------------------------------------
# plugins/digest_partnerships: the page listing every stated partnership
# ("" as SAVE_AS switches the page off; place pages still list partners).
# --------------------------------------------------------------------------
DIGEST_PARTNERSHIPS_URL = "partnerships/"
DIGEST_PARTNERSHIPS_SAVE_AS = "partnerships/index.html"

# --------------------------------------------------------------------------
# plugins/digest_charts: articles per month on every place page and the
# archives index (static SVG with a table as its text alternative).
# --------------------------------------------------------------------------
DIGEST_MONTH_CHARTS = True

# --------------------------------------------------------------------------
# plugins/digest_map: the world map page and the locator maps on country and
# city pages (static SVG from plugins/digest_map/data, Natural Earth 1:110m).
# --------------------------------------------------------------------------
DIGEST_MAP_URL = "map/"
DIGEST_MAP_SAVE_AS = "map/index.html"
DIGEST_LOCATOR_MAPS = True

# --------------------------------------------------------------------------
# plugins/digest_search: full-text search with Pagefind (the pagefind-bin
# package), indexing article pages after Pelican; every spelling the gazetteer
# knows for a place is indexed. DIGEST_SEARCH_PAGEFIND = False skips indexing
# (the search page then says the index is missing).
# --------------------------------------------------------------------------
DIGEST_SEARCH_URL = "search/"
DIGEST_SEARCH_SAVE_AS = "search/index.html"
DIGEST_SEARCH_PAGEFIND = True
DIGEST_SEARCH_BUNDLE_DIR = "pagefind"
DIGEST_SEARCH_SPELLINGS = True

# --------------------------------------------------------------------------
# plugins/digest_export: the whole digest as data, linked from the about page
# ("" switches a file off).
# --------------------------------------------------------------------------
DIGEST_EXPORT_JSON = "data/digest.json"
DIGEST_EXPORT_CSV = "data/digest.csv"
