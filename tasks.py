"""Tasks for the diplomacy digest: ``invoke --list`` shows them, ``invoke --help TASK`` explains one."""

from __future__ import annotations

import shutil
import sys
import threading
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
    staging = STAGING / ("publish" if publish else "dev")
    if staging.exists():
        shutil.rmtree(staging)  # a build killed earlier left it half-written
    with c.cd(str(ROOT)):
        c.run(f'"{PY}" -m pelican --settings "{conf}" --output "{staging}" "{ROOT / "content"}"', pty=False)
    from digest_build.sync import sync_tree

    result = sync_tree(staging, Path(output))
    shutil.rmtree(staging, ignore_errors=True)
    print(f"output: {len(result.written)} files written, {result.unchanged} unchanged, "
          f"{len(result.removed)} removed")


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
    try:
        c.run(
            f'"{PY}" -m pelican --settings "{ROOT / "pelicanconf.py"}" --output "{OUTPUT}" '
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
    """Delete the built site and caches (converted Markdown in content/articles is kept)."""
    for path in (OUTPUT, ROOT / ".pytest_cache", ROOT / "__pycache__"):
        if path.exists():
            shutil.rmtree(path)
    for cache in ROOT.rglob("__pycache__"):
        if ".venv" not in cache.parts:
            shutil.rmtree(cache, ignore_errors=True)
    print("removed output/ and caches")


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
