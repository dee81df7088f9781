"""Publishing: publishconf.py builds, `invoke publish` (ghp-import) and the Pages workflow.

The builds here run Pelican on the fixture articles (never content/), the way
`invoke build --publish` runs it: ``pelican --settings publishconf.py`` with
SITEURL (and optionally CNAME) in the environment. `invoke publish` is run as
a command against a throw-away git repository whose ``origin`` is a local
bare repository, so nothing here touches this project's own git repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SITE_FIXTURES
from test_site import check_every_reference

PROJECT_SITEURL = "https://example.github.io/digest"
USER_SITEURL = "https://example.github.io"


def publish_build_cli(output: Path, siteurl: str, cname: str = "") -> Path:
    """`pelican --settings publishconf.py` on the fixtures, as `invoke build --publish` runs it."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITEURL", "CNAME"}}
    env["SITEURL"] = siteurl
    if cname:
        env["CNAME"] = cname
    cmd = [sys.executable, "-m", "pelican", "--settings", str(ROOT / "publishconf.py")]
    cmd += ["--output", str(output), str(SITE_FIXTURES), "--quiet"]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def publish_build(output: Path, siteurl: str, cname: str = "") -> Path:
    """The same build in this process (faster: the gazetteer is loaded once)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    saved = {key: os.environ.get(key) for key in ("SITEURL", "CNAME")}
    os.environ["SITEURL"] = siteurl
    os.environ.pop("CNAME", None)
    if cname:
        os.environ["CNAME"] = cname
    try:
        settings = read_settings(
            path=str(ROOT / "publishconf.py"),
            override={"PATH": str(SITE_FIXTURES), "OUTPUT_PATH": str(output)},
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    Pelican(settings).run()
    return output


def git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd))
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def invoke(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "invoke", "--search-root", str(ROOT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="module")
def project_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "out"
    return publish_build_cli(out, PROJECT_SITEURL, "digest.example.org")


# --------------------------------------------------------------------------
# publishconf.py
# --------------------------------------------------------------------------
def test_publish_build_for_a_project_site(project_build: Path) -> None:
    assert (project_build / ".nojekyll").is_file()
    assert (project_build / ".nojekyll").read_bytes() == b""
    assert (project_build / "CNAME").read_text() == "digest.example.org\n"
    assert check_every_reference(project_build, PROJECT_SITEURL) > 800
    robots = (project_build / "robots.txt").read_text()
    assert f"Sitemap: {PROJECT_SITEURL}/sitemap.xml" in robots


def test_publish_build_for_a_user_site(tmp_path: Path) -> None:
    out = publish_build(tmp_path / "out", USER_SITEURL + "/")  # a trailing slash is dropped
    assert (out / ".nojekyll").is_file()
    assert not (out / "CNAME").exists()  # no CNAME in the environment: no file
    assert check_every_reference(out, USER_SITEURL) > 800


def test_publish_build_replaces_stale_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.html").write_text("old")
    publish_build(out, PROJECT_SITEURL)
    assert not (out / "stale.html").exists()


def test_publishconf_reads_cname(monkeypatch: pytest.MonkeyPatch) -> None:
    from pelican.settings import read_settings

    monkeypatch.setenv("SITEURL", PROJECT_SITEURL)
    monkeypatch.setenv("CNAME", " digest.example.org ")
    settings = read_settings(path=str(ROOT / "publishconf.py"))
    assert settings["DIGEST_CNAME"] == "digest.example.org"
    monkeypatch.setenv("SITEURL", "example.github.io/digest")
    with pytest.raises(RuntimeError, match="absolute"):
        read_settings(path=str(ROOT / "publishconf.py"))


# --------------------------------------------------------------------------
# invoke publish (ghp-import) against a local bare repository
# --------------------------------------------------------------------------
@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    """(work repository with origin -> bare, bare repository)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("ghp_import", reason="ghp-import is not installed (pip install -e '.[test]')")
    bare, work = tmp_path / "remote.git", tmp_path / "work"
    git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    git("init", "--quiet", str(work), cwd=tmp_path)
    git("config", "user.name", "Test Publisher", cwd=work)
    git("config", "user.email", "publisher@example.org", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    return work, bare


def test_invoke_publish_pushes_the_site_to_gh_pages(
    project_build: Path, repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    result = invoke("publish", "--output", str(project_build), "--repo", str(work), "--message", "first")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "published" in result.stdout
    files = set(git("ls-tree", "-r", "--name-only", "gh-pages", cwd=bare).split())
    built = {p.relative_to(project_build).as_posix() for p in project_build.rglob("*") if p.is_file()}
    assert files == built
    assert {".nojekyll", "CNAME", "index.html", "feeds/all.rss.xml", "sitemap.xml"} <= files
    assert git("show", "gh-pages:index.html", cwd=bare) == (project_build / "index.html").read_text()

    # A second publish continues the branch's history (a fast-forward push).
    second = publish_build(tmp_path / "second", PROJECT_SITEURL, "other.example.org")
    result = invoke("publish", "--output", str(second), "--repo", str(work), "--message", "second")
    assert result.returncode == 0, result.stdout + result.stderr
    log = git("log", "--format=%s", "gh-pages", cwd=bare).split("\n")
    assert log[:2] == ["second", "first"]
    assert git("show", "gh-pages:CNAME", cwd=bare) == "other.example.org\n"
    # The work repository's own branches are untouched.
    assert git("branch", "--list", cwd=work).split() == ["gh-pages"]


def test_invoke_publish_refuses_a_development_build(repos: tuple[Path, Path], tmp_path: Path) -> None:
    from conftest import build_site

    work, bare = repos
    dev = build_site(tmp_path / "dev", SITEURL="")
    result = invoke("publish", "--output", str(dev), "--repo", str(work))
    assert result.returncode != 0
    assert "development build" in result.stdout + result.stderr
    assert git("branch", "--list", cwd=bare).strip() == ""
    missing = invoke("publish", "--output", str(tmp_path / "nothing"), "--repo", str(work))
    assert missing.returncode != 0 and "no built site" in missing.stdout + missing.stderr


def test_invoke_lists_the_publish_task() -> None:
    result = invoke("--help", "publish")
    assert result.returncode == 0
    for option in ("--output", "--remote", "--branch", "--cname", "--build"):
        assert option in result.stdout


# --------------------------------------------------------------------------
# The GitHub Actions workflow
# --------------------------------------------------------------------------
def test_pages_workflow_converts_builds_and_deploys() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = [step.get("uses", "").split("@")[0] for step in build["steps"]]
    assert "actions/configure-pages" in uses and "actions/upload-pages-artifact" in uses
    pages_step = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/configure-pages"))
    build_step = next(s for s in build["steps"] if "invoke build --publish" in s.get("run", ""))
    assert build_step["env"]["SITEURL"] == "${{ steps." + pages_step["id"] + ".outputs.base_url }}"
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "output"
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
