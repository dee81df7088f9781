"""Converting a folder of raw articles, incrementally and safely.

State lives in ``<dest>/.convert-manifest.json``: for each Markdown file we
wrote, the raw file it came from, the raw bytes' hash, the converter version
and the hash of the bytes we wrote. That is enough to tell three cases apart
on the next run: unchanged (skip, output stays byte-identical), changed (redo),
and edited by hand (never overwrite; say so).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring_ascii as _json_string
from pathlib import Path
from typing import NamedTuple

from slugify import slugify

from . import __version__
from .article import Article, convert_file, file_sha256, render_markdown
from .duplicates import DuplicateIndex, Fingerprint, fingerprint
from .files import write_atomic
from .reading import RAW_SUFFIXES, SIDECAR_SUFFIX, RawFileError

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


class RawFile(NamedTuple):
    """A raw article under the source folder, as strings: 10,000 Path objects cost 0.3 s a run."""

    path: str  # the source folder joined with ``rel``, as os.walk joins it
    rel: str  # relative to the source folder, with "/" separators
    sidecar: str | None  # its .json sidecar, when the folder lists one


def discover(source: Path) -> list[RawFile]:
    """Raw files under ``source``, in folder order; symlinks leading outside it are not followed.

    Folders are visited as ``os.walk`` would (top-down, sub-folders sorted, hidden ones
    skipped, linked folders not entered), with the symlink test from each folder listing
    instead of one lstat per file.
    """
    root = source.resolve()
    found: list[RawFile] = []
    stack: list[tuple[str, str]] = [(os.fspath(source), "")]
    while stack:
        top, prefix = stack.pop()
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError:
            continue  # as os.walk: an unreadable folder is passed over
        listed = {entry.name for entry in entries}
        files: list[os.DirEntry[str]] = []
        folders: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (folders if is_dir else files).append(entry)
        for entry in sorted(files, key=lambda e: e.name):
            name = entry.name
            dot = name.rfind(".")
            if name.startswith(".") or dot <= 0 or name[dot:].lower() not in RAW_SUFFIXES:
                continue
            path = os.path.join(top, name)
            if _is_symlink(entry) and not Path(path).resolve().is_relative_to(root):
                log.warning("%s: symlink to outside the source folder; skipped", Path(path))
                continue
            sidecar = name[:dot] + SIDECAR_SUFFIX
            found.append(
                RawFile(path, prefix + name, os.path.join(top, sidecar) if sidecar in listed else None)
            )
        folders = sorted((e for e in folders if not e.name.startswith(".")), key=lambda e: e.name)
        for entry in reversed(folders):
            if not _is_symlink(entry):
                stack.append((os.path.join(top, entry.name), f"{prefix}{entry.name}/"))
    return found


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


# A file name that python-slugify's (frozen) legacy pipeline returns unchanged: lower-case
# ASCII words joined by single hyphens. Slugifying 10,000 names took 0.2 s a run.
_PLAIN_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_NAME_CHARS = 120


def _name_stem(text: str) -> str:
    if len(text) <= MAX_NAME_CHARS and _PLAIN_SLUG.fullmatch(text):
        return text
    return slugify(text, max_length=MAX_NAME_CHARS)


def output_names(raws: list[RawFile]) -> list[str]:
    """Stable Markdown file names from raw paths ("dir/a b.txt" -> "dir-a-b.md"), in order."""
    stems: list[str] = []
    counts: dict[str, int] = {}
    for raw in raws:
        dot = raw.rel.rfind(".")
        stem = _name_stem(raw.rel[:dot].replace("/", "-")) or "article"
        if stem.split(".")[0].upper() in WINDOWS_RESERVED:
            stem = f"{stem}-article"  # "con.md" cannot be checked out on Windows
        stems.append(stem)
        counts[stem] = counts.get(stem, 0) + 1
    names: list[str] = []
    for raw, stem in zip(raws, stems, strict=True):
        suffix = "" if counts[stem] == 1 else "-" + raw.rel[raw.rel.rfind(".") + 1 :].lower()
        names.append(f"{stem}{suffix}.md")
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
    return _read_manifest(dest)[1]


def _read_manifest(dest: Path) -> tuple[bytes | None, dict[str, dict[str, str]]]:
    """The manifest's bytes as found (None when there is none) and its entries."""
    path = dest / MANIFEST
    try:
        raw = path.read_bytes()
    except OSError as exc:
        if exc.errno in _MISSING_ERRNOS:  # as Path.exists() says "no manifest"
            return None, {}
        raise
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("%s: unreadable manifest; every article will be checked again", path)
        return raw, {}
    return raw, data if isinstance(data, dict) else {}


def manifest_text(manifest: dict[str, dict[str, str]]) -> str:
    """``json.dumps(manifest, indent=1, sort_keys=True)`` and a line break, built directly.

    The json module drops to its pure-Python encoder whenever ``indent`` is set (0.25 s
    for 10,000 entries); entries of strings only (all the converter writes) are laid out
    here with the C string encoder instead, to the same bytes. Anything else goes
    through json.dumps.
    """
    parts: list[str] = []
    for name in sorted(manifest):
        entry = manifest[name]
        if type(name) is not str or type(entry) is not dict:
            return json.dumps(manifest, indent=1, sort_keys=True) + "\n"
        fields: list[str] = []
        for key, value in sorted(entry.items()):
            if type(key) is not str or type(value) is not str:
                return json.dumps(manifest, indent=1, sort_keys=True) + "\n"
            fields.append(f"{_json_string(key)}: {_json_string(value)}")
        body = "{\n  " + ",\n  ".join(fields) + "\n }" if fields else "{}"
        parts.append(f" {_json_string(name)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}\n" if parts else "{}\n"


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
        found_manifest, manifest = _read_manifest(dest)
        raws = discover(source)
        names = output_names(raws)
        folder = os.fspath(dest)
        index = DuplicateIndex()
        todo: list[Path] = []
        todo_names: dict[Path, str] = {}
        for raw, name in zip(raws, names, strict=True):
            outcome = _classify(raw, os.path.join(folder, name), name, manifest, force)
            if outcome is None:
                path = Path(raw.path)
                todo.append(path)
                todo_names[path] = name
                continue
            report.outcomes.append(outcome)
            entry = manifest.get(name, {})
            if outcome.status in ("unchanged", "skipped-edited") and entry.get("text_sha256"):
                index.add(name, _entry_print(entry))
        for path, result in _convert_many(todo, source, today, workers, progress):
            report.outcomes.append(_publish(path, source, dest / todo_names[path], result, manifest, index))
        seen_outputs = set(names)
        for name in sorted(set(manifest) - seen_outputs):
            entry = manifest.pop(name)
            target = dest / name
            if target.exists() and sha256_bytes(target.read_bytes()) == entry.get("output_sha256"):
                target.unlink()
                report.removed.append(name)
        _assign_unique_slugs(dest, manifest)
        data = manifest_text(manifest).encode()
        if data != found_manifest:  # a run that changed nothing leaves the file alone
            write_atomic(dest / MANIFEST, data)
    report.outcomes.sort(key=lambda o: o.raw)
    return report


def _entry_print(entry: dict[str, str]) -> Fingerprint:
    return Fingerprint(
        entry["text_sha256"], Fingerprint.decode_sketch(entry.get("sketch", "")), int(entry.get("words", 0))
    )


def _classify(
    raw: RawFile, target: str, name: str, manifest: dict[str, dict[str, str]], force: bool
) -> Outcome | None:
    """The outcome of a raw file that needs no conversion, or None when it does."""
    entry = manifest.get(name, {})
    try:
        raw_stat = _stat_key(raw.path, raw.sidecar)
        # Same size and modification time as when it was converted: the bytes are not read again.
        if entry and raw_stat == entry.get("raw_stat"):
            raw_sha = entry.get("raw_sha256", "")
        else:
            path = Path(raw.path)
            sidecar = path.with_suffix(".json")
            raw_sha = file_sha256(path, sidecar if sidecar.exists() else None)
    except OSError as exc:
        return Outcome(raw.rel, "error", reason=f"unreadable: {exc.strerror or exc}")
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
        return Outcome(raw.rel, "duplicate", reason=f"same story as {manifest[duplicate_of].get('raw')}")
    target_stat = _file_stat(target)
    if target_stat is None:
        return None
    if (
        entry
        and target_stat != entry.get("output_stat")
        and sha256_bytes(Path(target).read_bytes()) != entry.get("output_sha256")
    ):
        note = "edited by hand; not overwritten (use --force to redo it)"
        if raw_sha != entry.get("raw_sha256"):
            note += f"; its raw file {raw.rel} has changed since"
        return Outcome(raw.rel, "skipped-edited", name, note)
    if entry and current_version and not duplicate_of:
        return Outcome(raw.rel, "unchanged", name)
    return None


# What Path.exists() treats as "no such file" rather than an error.
_MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _file_stat(path: str) -> str | None:
    """Size and modification time ("size:mtime_ns") of a file; None when there is none.

    One stat call, where exists() and stat() made two."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        if exc.errno in _MISSING_ERRNOS:
            return None
        raise
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _stat_key(path: str, sidecar: str | None = None) -> str:
    """Size and modification time (ns) of a file and its sidecar: cheap evidence of no change."""
    parts = []
    for item in (path, sidecar):
        if item is not None:
            stat = _file_stat(item)
            if stat is not None:
                parts.append(stat)
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
        "raw_stat": _stat_key(str(path), str(path.with_suffix(".json"))),
        "slug": article.slug,
        "output_stat": _stat_key(str(target)),
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


def _current_slug(path: str, entry: dict[str, str], edited: bool) -> str | None:
    if entry.get("slug") and not edited:
        return entry["slug"]
    with open(path, encoding="utf-8") as handle:
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
    folder = os.fspath(dest)
    for name in sorted(manifest, key=lambda n: manifest[n].get("raw", n)):
        path, entry = os.path.join(folder, name), manifest[name]
        if entry.get("duplicate_of"):
            continue
        stat = _file_stat(path)
        if stat is None:
            continue
        if stat != entry.get("output_stat") and sha256_bytes(Path(path).read_bytes()) != entry.get(
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
                output_sha256=sha256_bytes(data), output_stat=_stat_key(str(path)), slug=f"{slug}-{suffix}"
            )
            log.info("%s: slug %r already used; now %r", name, slug, f"{slug}-{suffix}")
