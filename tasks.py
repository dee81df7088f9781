"""Tasks for the diplomacy digest: ``invoke --list`` shows them, ``invoke --help TASK`` explains one."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import threading
import time
from pathlib import Path

from invoke import Context, task

ROOT = Path(__file__).resolve().parent
RAW = ROOT / "content" / "raw"
ARTICLES = ROOT / "content" / "articles"
OUTPUT = ROOT / "output"
# Pelican renders here first; only changed files then move into output/ (digest_build.sync).
STAGING = ROOT / ".build"
PY = sys.executable


def _convert(source: Path, dest: Path, force: bool = False, quiet: bool = False) -> int:
    from digest_converter.cli import main as convert_main

    args = ["convert", "--source", str(source), "--dest", str(dest)]
    if force:
        args.append("--force")
    if quiet:
        args.append("--quiet")
    return convert_main(args)


@task(
    help={
        "source": "folder of raw articles (.txt, .html, .json sidecars); default content/raw",
        "dest": "folder for the Markdown articles; default content/articles",
        "force": "redo every article, even unchanged and hand-edited ones",
    }
)
def convert(c: Context, source: str = str(RAW), dest: str = str(ARTICLES), force: bool = False) -> None:
    """Convert raw articles to tagged Markdown, printing a warning line per article that needs one."""
    code = _convert(Path(source), Path(dest), force=force)
    if code:
        sys.exit(code)


@task(help={"dest": "folder of converted Markdown; default content/articles"})
def report(c: Context, dest: str = str(ARTICLES)) -> None:
    """List the converted articles an editor should review (no date, few places, weak matches)."""
    from digest_converter.cli import main as convert_main

    convert_main(["report", "--dest", dest])


@task(
    help={
        "publish": "build for the web with publishconf.py (SITEURL from the environment)",
        "output": "folder for the built site; default output/",
    }
)
def build(c: Context, publish: bool = False, output: str = str(OUTPUT)) -> None:
    """Convert new or changed raw articles, then build the site with Pelican into output/."""
    code = _convert(RAW, ARTICLES, quiet=True)
    if code:
        sys.exit(code)
    conf = ROOT / ("publishconf.py" if publish else "pelicanconf.py")
    from digest_build.site import build_site

    started = time.perf_counter()
    result = build_site(
        ROOT, conf, ROOT / "content", STAGING / ("publish" if publish else "dev"), Path(output)
    )
    took = time.perf_counter() - started
    if result.skipped:
        print(f"site: nothing changed since the last build ({took:.1f} s)")
    elif result.sync is not None:
        print(
            f"site: {'full' if result.full else 'incremental'} build in {took:.1f} s; output: "
            f"{len(result.sync.written)} files written, {result.sync.unchanged} unchanged, "
            f"{len(result.sync.removed)} removed"
        )


def _watch_raw(stop: threading.Event, interval: float = 2.0) -> None:
    """Re-run the converter whenever a raw file changes; Pelican's autoreload does the rest."""

    def snapshot() -> dict[str, float]:
        return {str(p): p.stat().st_mtime for p in RAW.rglob("*") if p.is_file()}

    seen = snapshot()
    while not stop.wait(interval):
        now = snapshot()
        if now != seen:
            seen = now
            _convert(RAW, ARTICLES, quiet=True)


@task(help={"port": "port on localhost; default 8000"})
def serve(c: Context, port: int = 8000) -> None:
    """Build, then serve the site on http://localhost:PORT, rebuilding when raw or Markdown files change."""
    build(c)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_raw, args=(stop,), daemon=True)
    watcher.start()
    # Pelican's reader layer, and a cache of its own emptied now: Pelican re-reads the settings
    # while it serves, and articles cached whole (the build's layer) would keep the old ones.
    cache = ROOT / ".build" / "serve-cache"
    if cache.exists():
        shutil.rmtree(cache)
    try:
        c.run(
            f'"{PY}" -m pelican --settings "{ROOT / "pelicanconf.py"}" --output "{OUTPUT}" '
            f"--extra-settings CONTENT_CACHING_LAYER='\"reader\"' "
            f"CACHE_PATH={shlex.quote(json.dumps(str(cache)))} "
            f'--autoreload --listen --port {port} --bind 127.0.0.1 "{ROOT / "content"}"',
            pty=False,
        )
    finally:
        stop.set()


@task(help={"args": "extra arguments for pytest, e.g. '-k feeds -x'"})
def test(c: Context, args: str = "") -> None:
    """Run the test suite (unit, accuracy floor, site build, feeds)."""
    c.run(f'"{PY}" -m pytest {args}', pty=False)


@task
def clean(c: Context) -> None:
    """Delete the built site, the build folder and records, and caches (content/articles is kept)."""
    for path in (OUTPUT, ROOT / ".build", ROOT / ".pytest_cache", ROOT / "__pycache__"):
        if path.exists():
            shutil.rmtree(path)
    for record in OUTPUT.parent.glob(f"{OUTPUT.name}.*-state.json"):
        record.unlink()  # what the last build kept beside output/
    for cache in ROOT.rglob("__pycache__"):
        if ".venv" not in cache.parts:
            shutil.rmtree(cache, ignore_errors=True)
    print("removed output/, .build/ and caches")


@task(help={"gold": "gold labels (JSON)", "source": "raw articles of that gold file"})
def accuracy(
    c: Context, gold: str = str(ROOT.parent / "shared" / "corpus" / "dev" / "gold.json"), source: str = ""
) -> None:
    """Convert a labelled corpus into a temporary folder and print its accuracy figures."""
    import tempfile

    gold_path = Path(gold)
    raw = Path(source) if source else gold_path.parent
    scorer = ROOT.parent / "shared" / "tools" / "score.py"
    with tempfile.TemporaryDirectory() as tmp:
        _convert(raw, Path(tmp), quiet=True)
        c.run(f'"{PY}" "{scorer}" --gold "{gold_path}" --converted "{tmp}" -v', pty=False)


# --------------------------------------------------------------------------
# Publishing to a gh-pages branch
# --------------------------------------------------------------------------
def _published_siteurl(output: Path) -> str | None:
    """The SITEURL a built site was made for, from its home page's canonical link (None: no site)."""
    import re

    index = output / "index.html"
    if not index.is_file():
        return None
    found = re.search(r'<link rel="canonical" href="([^"]*)"', index.read_text(encoding="utf-8"))
    return found.group(1).rstrip("/") if found else ""


@task(
    help={
        "output": "the built site to publish; default output/",
        "remote": "git remote to push to; default origin",
        "branch": "branch that holds the site; default gh-pages",
        "repo": "git repository whose branch is written (default: this one)",
        "message": "commit message on the branch",
        "cname": "custom domain: write a CNAME file on the branch",
        "build": "first run `invoke build --publish` (needs SITEURL in the environment)",
        "push": "push the branch (--no-push only commits it locally)",
    }
)
def publish(
    c: Context,
    output: str = str(OUTPUT),
    remote: str = "origin",
    branch: str = "gh-pages",
    repo: str = str(ROOT),
    message: str = "Publish the digest",
    cname: str = "",
    build: bool = False,  # the option's name; the build task is reached through globals()
    push: bool = True,
) -> None:
    """Push a site built with `invoke build --publish` to the gh-pages branch with ghp-import."""
    import os
    import subprocess

    out = Path(output)
    if build:
        if not os.environ.get("SITEURL"):
            sys.exit("publish --build: set SITEURL, e.g. SITEURL=https://USER.github.io/REPO")
        globals()["build"](c, publish=True, output=str(out))
    siteurl = _published_siteurl(out)
    if siteurl is None:
        sys.exit(f"publish: {out} holds no built site; run `SITEURL=... invoke build --publish` first")
    if not siteurl.startswith(("https://", "http://")) or "//localhost" in siteurl:
        sys.exit(
            f"publish: {out} is a development build (links {siteurl or '/'}...); rebuild it with "
            "`SITEURL=https://USER.github.io/REPO invoke build --publish`"
        )
    try:
        import ghp_import  # noqa: F401
    except ImportError:
        sys.exit("publish: ghp-import is not installed (pip install ghp-import)")
    env = dict(os.environ)
    for key, value in (("NAME", "Diplomacy digest publisher"), ("EMAIL", "digest@localhost")):
        configured = subprocess.run(
            ["git", "config", f"user.{key.lower()}"], cwd=repo, capture_output=True, text=True, check=False
        ).stdout.strip()
        env.setdefault(f"GIT_COMMITTER_{key}", configured or value)
    # ghp-import continues the branch from <remote>/<branch>: fetch it first.
    if push:
        fetch = ["git", "fetch", "--quiet", remote, branch]
        subprocess.run(fetch, cwd=repo, capture_output=True, check=False)
    args = [PY, "-m", "ghp_import", "--no-jekyll", "--message", message]
    args += ["--remote", remote, "--branch", branch]
    if cname:
        args += ["--cname", cname]
    if push:
        args.append("--push")
    result = subprocess.run([*args, str(out.resolve())], cwd=repo, env=env, check=False)
    if result.returncode:
        sys.exit(f"publish: ghp-import failed (exit {result.returncode})")
    print(f"published {out} ({siteurl}/) to branch {branch}" + (f" of {remote}" if push else " (not pushed)"))


@task(
    help={
        "sizes": "comma-separated corpus sizes, e.g. '1000,10000' (the default)",
        "runs": "runs per size; every figure is the median (default 3)",
        "keep": "keep the temporary corpora and built sites (their folder is printed)",
    }
)
def bench(c: Context, sizes: str = "1000,10000", runs: int = 3, keep: bool = False) -> None:
    """Benchmark conversion and site builds on a synthetic corpus of N articles; writes bench/RESULTS.md."""

    args = ["--sizes", sizes, "--runs", str(runs)] + (["--keep"] if keep else [])
    c.run(f'"{PY}" "{ROOT / "bench" / "run.py"}" {shlex.join(args)}', pty=False)
