"""Converting a folder of raw articles, incrementally and safely.

State lives in ``<dest>/.convert-manifest.json``: for each Markdown file we
wrote, the raw file it came from, the raw bytes' hash, the converter version
and the hash of the bytes we wrote. That is enough to tell three cases apart
on the next run: unchanged (skip, output stays byte-identical), changed (redo),
and edited by hand (never overwrite; say so).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from slugify import slugify

from . import __version__
from .article import convert_file, file_sha256, render_markdown
from .reading import RAW_SUFFIXES, RawFileError

log = logging.getLogger("digest_converter")
MANIFEST = ".convert-manifest.json"
LOCK = ".convert.lock"


class ConvertLockedError(RuntimeError):
    """Another conversion is writing to the same folder."""


@dataclass(slots=True)
class Outcome:
    raw: str
    status: str  # "written", "unchanged", "skipped-edited", "error"
    output: str | None = None
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def discover(source: Path) -> list[Path]:
    """Raw files under ``source``, sorted; symlinks leading outside it are not followed."""
    root = source.resolve()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or path.suffix.lower() not in RAW_SUFFIXES:
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    log.warning("%s: symlink to outside the source folder; skipped", path)
                    continue
            found.append(path)
    return found


def output_names(paths: list[Path], source: Path) -> dict[Path, str]:
    """Stable Markdown file names from raw paths ("dir/a b.txt" -> "dir-a-b.md")."""
    stems: dict[str, list[Path]] = {}
    for path in paths:
        rel = path.relative_to(source).with_suffix("").as_posix()
        stem = slugify(rel.replace("/", "-"), max_length=120) or "article"
        stems.setdefault(stem, []).append(path)
    names: dict[Path, str] = {}
    for stem, group in stems.items():
        for path in group:
            suffix = "" if len(group) == 1 else "-" + path.suffix.lower().lstrip(".")
            names[path] = f"{stem}{suffix}.md"
    return names


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def conversion_lock(dest: Path) -> Iterator[None]:
    """One conversion per destination folder at a time."""
    dest.mkdir(parents=True, exist_ok=True)
    lock = dest / LOCK
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pid = lock.read_text(encoding="utf-8", errors="replace").strip()
        if pid.isdigit() and not _alive(int(pid)):
            lock.unlink(missing_ok=True)  # left by a conversion that was killed
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        else:
            raise ConvertLockedError(
                f"another conversion (pid {pid or '?'}) is writing to {dest}; wait for it to finish, "
                f"or delete {lock} if no conversion is running"
            ) from None
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load_manifest(dest: Path) -> dict[str, dict[str, str]]:
    path = dest / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("%s: unreadable manifest; every article will be checked again", path)
        return {}
    return data if isinstance(data, dict) else {}


def convert_tree(
    source: Path, dest: Path, *, force: bool = False, today: date | None = None, progress: bool = True
) -> RunReport:
    """Convert every raw file under ``source`` into Markdown under ``dest``."""
    from tqdm import tqdm

    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    report = RunReport()
    with conversion_lock(dest):
        manifest = load_manifest(dest)
        paths = discover(source)
        names = output_names(paths, source)
        seen_outputs: set[str] = set()
        bar = tqdm(paths, unit="article", disable=not progress or len(paths) < 50, leave=False)
        for path in bar:
            name = names[path]
            seen_outputs.add(name)
            outcome = _convert_one(path, source, dest / name, manifest, force, today)
            report.outcomes.append(outcome)
        for name in sorted(set(manifest) - seen_outputs):
            entry = manifest.pop(name)
            target = dest / name
            if target.exists() and sha256_bytes(target.read_bytes()) == entry.get("output_sha256"):
                target.unlink()
                report.removed.append(name)
        _assign_unique_slugs(dest, manifest)
        write_atomic(dest / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    return report


def _convert_one(
    path: Path,
    source: Path,
    target: Path,
    manifest: dict[str, dict[str, str]],
    force: bool,
    today: date | None,
) -> Outcome:
    rel = path.relative_to(source).as_posix()
    entry = manifest.get(target.name, {})
    sidecar = path.with_suffix(".json")
    try:
        raw_sha = file_sha256(path, sidecar if sidecar.exists() else None)
    except OSError as exc:
        return Outcome(rel, "error", reason=f"unreadable: {exc.strerror or exc}")
    existing = target.read_bytes() if target.exists() else None
    if existing is not None and not force:
        current = sha256_bytes(existing)
        if entry and current != entry.get("output_sha256"):
            note = "edited by hand; not overwritten (use --force to redo it)"
            if raw_sha != entry.get("raw_sha256"):
                note += f"; its raw file {rel} has changed since"
            return Outcome(rel, "skipped-edited", target.name, note)
        if entry and raw_sha == entry.get("raw_sha256") and entry.get("converter") == __version__:
            return Outcome(rel, "unchanged", target.name)
    try:
        article = convert_file(path, source, today=today)
    except RawFileError as exc:
        return Outcome(rel, "error", reason=str(exc))
    except OSError as exc:
        return Outcome(rel, "error", reason=f"unreadable: {exc.strerror or exc}")
    data = render_markdown(article).encode("utf-8")
    if existing != data:
        write_atomic(target, data)
        status = "written"
    else:
        status = "unchanged"
    manifest[target.name] = {
        "raw": rel,
        "raw_sha256": article.raw_sha256,
        "output_sha256": sha256_bytes(data),
        "converter": __version__,
    }
    return Outcome(rel, status, target.name, warnings=article.warnings)


def _assign_unique_slugs(dest: Path, manifest: dict[str, dict[str, str]]) -> None:
    """Two articles with one headline get distinct slugs: the later raw path gets a suffix."""
    by_slug: dict[str, list[str]] = {}
    edited: set[str] = set()
    for name in sorted(manifest, key=lambda n: manifest[n].get("raw", n)):
        path = dest / name
        if not path.exists():
            continue
        if sha256_bytes(path.read_bytes()) != manifest[name].get("output_sha256"):
            edited.add(name)  # an editor's file keeps its slug; others move aside
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break
            if line.startswith("slug: "):
                by_slug.setdefault(line[6:].strip(), []).append(name)
                break
    for slug, names in by_slug.items():
        # A hand-edited article keeps its slug, else the first raw path does.
        names.sort(key=lambda n: (n not in edited, manifest[n].get("raw", n)))
        for name in names[1:]:
            if name in edited:
                log.warning("%s: slug %r is shared with another hand-edited article", name, slug)
                continue
            path = dest / name
            suffix = hashlib.sha256(manifest[name]["raw"].encode()).hexdigest()[:6]
            text = path.read_text(encoding="utf-8").replace(f"slug: {slug}\n", f"slug: {slug}-{suffix}\n", 1)
            data = text.encode("utf-8")
            write_atomic(path, data)
            manifest[name]["output_sha256"] = sha256_bytes(data)
            log.info("%s: slug %r already used; now %r", name, slug, f"{slug}-{suffix}")
