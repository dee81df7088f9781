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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from slugify import slugify

from . import __version__
from .article import Article, convert_file, file_sha256, render_markdown
from .duplicates import DuplicateIndex, Fingerprint, fingerprint
from .files import write_atomic
from .reading import RAW_SUFFIXES, RawFileError

log = logging.getLogger("digest_converter")
MANIFEST = ".convert-manifest.json"
LOCK = ".convert.lock"
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
# Below this many articles a process pool costs more (start-up, gazetteer load) than it saves.
POOL_MIN_BATCH = 64


class ConvertLockedError(RuntimeError):
    """Another conversion is writing to the same folder."""


@dataclass(slots=True)
class Outcome:
    raw: str
    status: str  # "written", "unchanged", "skipped-edited", "duplicate", "error"
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
        if stem.split(".")[0].upper() in WINDOWS_RESERVED:
            stem = f"{stem}-article"  # "con.md" cannot be checked out on Windows
        stems.setdefault(stem, []).append(path)
    names: dict[Path, str] = {}
    for stem, group in stems.items():
        for path in group:
            suffix = "" if len(group) == 1 else "-" + path.suffix.lower().lstrip(".")
            names[path] = f"{stem}{suffix}.md"
    return names


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def _remove_leftovers(dest: Path) -> None:
    """Temporary files of a conversion that was killed mid-write (see write_atomic)."""
    for leftover in dest.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)


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
    source: Path,
    dest: Path,
    *,
    force: bool = False,
    today: date | None = None,
    progress: bool = True,
    workers: int | None = None,
) -> RunReport:
    """Convert every raw file under ``source`` into Markdown under ``dest``.

    Unchanged files are classified first (cheap: one hash each), so the articles
    already published are the ones a new near-duplicate is measured against.
    Large batches are converted by a process pool (one worker per core); the
    results are written in raw-path order, so the outcome does not depend on it.
    """
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    report = RunReport()
    with conversion_lock(dest):
        _remove_leftovers(dest)
        manifest = load_manifest(dest)
        paths = discover(source)
        names = output_names(paths, source)
        index = DuplicateIndex()
        todo: list[Path] = []
        for path in paths:
            outcome = _classify(path, source, dest / names[path], manifest, force)
            if outcome is None:
                todo.append(path)
                continue
            report.outcomes.append(outcome)
            entry = manifest.get(names[path], {})
            if outcome.status in ("unchanged", "skipped-edited") and entry.get("text_sha256"):
                index.add(names[path], _entry_print(entry))
        for path, result in _convert_many(todo, source, today, workers, progress):
            report.outcomes.append(_publish(path, source, dest / names[path], result, manifest, index))
        seen_outputs = set(names.values())
        for name in sorted(set(manifest) - seen_outputs):
            entry = manifest.pop(name)
            target = dest / name
            if target.exists() and sha256_bytes(target.read_bytes()) == entry.get("output_sha256"):
                target.unlink()
                report.removed.append(name)
        _assign_unique_slugs(dest, manifest)
        write_atomic(dest / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    report.outcomes.sort(key=lambda o: o.raw)
    return report


def _entry_print(entry: dict[str, str]) -> Fingerprint:
    return Fingerprint(
        entry["text_sha256"], Fingerprint.decode_sketch(entry.get("sketch", "")), int(entry.get("words", 0))
    )


def _classify(
    path: Path, source: Path, target: Path, manifest: dict[str, dict[str, str]], force: bool
) -> Outcome | None:
    """The outcome of a raw file that needs no conversion, or None when it does."""
    rel = path.relative_to(source).as_posix()
    entry = manifest.get(target.name, {})
    sidecar = path.with_suffix(".json")
    try:
        raw_stat = _stat_key(path, sidecar)
        # Same size and modification time as when it was converted: the bytes are not read again.
        if entry and raw_stat == entry.get("raw_stat"):
            raw_sha = entry.get("raw_sha256", "")
        else:
            raw_sha = file_sha256(path, sidecar if sidecar.exists() else None)
    except OSError as exc:
        return Outcome(rel, "error", reason=f"unreadable: {exc.strerror or exc}")
    if force:
        return None
    current_version = entry.get("raw_sha256") == raw_sha and entry.get("converter") == __version__
    duplicate_of = entry.get("duplicate_of")
    if (
        duplicate_of
        and current_version
        and duplicate_of in manifest
        and not manifest[duplicate_of].get("duplicate_of")
    ):
        return Outcome(rel, "duplicate", reason=f"same story as {manifest[duplicate_of].get('raw')}")
    if not target.exists():
        return None
    if (
        entry
        and _stat_key(target) != entry.get("output_stat")
        and sha256_bytes(target.read_bytes()) != entry.get("output_sha256")
    ):
        note = "edited by hand; not overwritten (use --force to redo it)"
        if raw_sha != entry.get("raw_sha256"):
            note += f"; its raw file {rel} has changed since"
        return Outcome(rel, "skipped-edited", target.name, note)
    if entry and current_version and not duplicate_of:
        return Outcome(rel, "unchanged", target.name)
    return None


def _stat_key(path: Path, sidecar: Path | None = None) -> str:
    """Size and modification time (ns) of a file and its sidecar: cheap evidence of no change."""
    parts = []
    for item in (path, sidecar):
        if item is not None and item.exists():
            stat = item.stat()
            parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "/".join(parts)


ConvertResult = Article | str


def _convert_worker(args: tuple[Path, Path, date | None]) -> ConvertResult:
    path, source, today = args
    try:
        return convert_file(path, source, today=today)
    except RawFileError as exc:
        return str(exc)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


def _convert_many(
    paths: list[Path], source: Path, today: date | None, workers: int | None, progress: bool
) -> Iterator[tuple[Path, ConvertResult]]:
    """Convert in order; a process pool for batches big enough to repay starting it."""
    from tqdm import tqdm

    jobs = [(path, source, today) for path in paths]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    bar = tqdm(total=len(jobs), unit="article", disable=not progress or len(jobs) < 50, leave=False)
    try:
        if workers > 1 and len(jobs) >= POOL_MIN_BATCH:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                for path, result in zip(paths, pool.map(_convert_worker, jobs, chunksize=8), strict=True):
                    bar.update()
                    yield path, result
        else:
            for path, job in zip(paths, jobs, strict=True):
                result = _convert_worker(job)
                bar.update()
                yield path, result
    finally:
        bar.close()


def _publish(
    path: Path,
    source: Path,
    target: Path,
    result: ConvertResult,
    manifest: dict[str, dict[str, str]],
    index: DuplicateIndex,
) -> Outcome:
    """Write one converted article, or say why not (an error, or a duplicate)."""
    rel = path.relative_to(source).as_posix()
    if isinstance(result, str):
        return Outcome(rel, "error", reason=result)
    article = result
    print_ = fingerprint("\n".join(article.body))
    original = index.find(print_)
    if original is not None and original != target.name:
        if target.exists() and sha256_bytes(target.read_bytes()) == manifest.get(target.name, {}).get(
            "output_sha256"
        ):
            target.unlink()  # it was published before its twin was found; the twin stays
        manifest[target.name] = {
            "raw": rel,
            "raw_sha256": article.raw_sha256,
            "converter": __version__,
            "duplicate_of": original,
        }
        return Outcome(rel, "duplicate", reason=f"same story as {manifest[original].get('raw', original)}")
    data = render_markdown(article).encode("utf-8")
    existing = target.read_bytes() if target.exists() else None
    if existing != data:
        write_atomic(target, data)
    manifest[target.name] = {
        "raw": rel,
        "raw_sha256": article.raw_sha256,
        "raw_stat": _stat_key(path, path.with_suffix(".json")),
        "slug": article.slug,
        "output_stat": _stat_key(target),
        "output_sha256": sha256_bytes(data),
        "converter": __version__,
        "text_sha256": print_.text_sha256,
        "sketch": print_.encode_sketch(),
        "words": str(print_.words),
    }
    index.add(target.name, print_)
    return Outcome(
        rel, "written" if existing != data else "unchanged", target.name, warnings=article.warnings
    )


def _current_slug(path: Path, entry: dict[str, str], edited: bool) -> str | None:
    if entry.get("slug") and not edited:
        return entry["slug"]
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                return None
            if line.startswith("slug: "):
                return line[6:].strip()
    return None


def _assign_unique_slugs(dest: Path, manifest: dict[str, dict[str, str]]) -> None:
    """Two articles with one headline get distinct slugs: the later raw path gets a suffix.

    Slugs come from the manifest; only hand-edited files (whose slug an editor may
    have changed) are read.
    """
    by_slug: dict[str, list[str]] = {}
    edited: set[str] = set()
    for name in sorted(manifest, key=lambda n: manifest[n].get("raw", n)):
        path, entry = dest / name, manifest[name]
        if entry.get("duplicate_of") or not path.exists():
            continue
        if _stat_key(path) != entry.get("output_stat") and sha256_bytes(path.read_bytes()) != entry.get(
            "output_sha256"
        ):
            edited.add(name)  # an editor's file keeps its slug; others move aside
        slug = _current_slug(path, entry, name in edited)
        if slug:
            by_slug.setdefault(slug, []).append(name)
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
            manifest[name].update(
                output_sha256=sha256_bytes(data), output_stat=_stat_key(path), slug=f"{slug}-{suffix}"
            )
            log.info("%s: slug %r already used; now %r", name, slug, f"{slug}-{suffix}")
