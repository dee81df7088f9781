"""Move a freshly built site into the output folder, file by file, atomically, only where bytes changed.

Pelican writes every page on every build, in place. Building into a staging
folder and syncing from it gives three things: a build killed at any moment
leaves the published folder as it was (the staging copy is simply redone);
each output file is replaced by a rename, so no reader or upload ever sees
half a file; and files whose bytes did not change keep their timestamps, so a
deploy uploads only what changed.

Comparing every file's bytes costs seconds at 10,000 articles (400 MB), so
the sync keeps a record, beside the output folder, of each file's size and
times as it left them. A file whose staging copy and output copy both still
match the record is the same as last time and is not read; anything else
(a page the build wrote again, an output file touched by hand, no record)
is compared byte for byte. The record is written after the sync finishes,
so a sync killed half-way compares everything it touched next time.

Copying a whole site (400 MB at 10,000 articles) cost seconds on every full
build. A file the caller calls ``linkable`` (one its writer replaces by a
rename, never rewrites in place) is hard-linked into the output instead: the
two folders then share that file until a later build writes a new one over
the staging copy, which leaves the output's copy as it was until the sync.
"""

from __future__ import annotations

import errno
import filecmp
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest_converter.files import beside, read_record, write_atomic


@dataclass(slots=True)
class SyncReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


SYNC_STATE_SUFFIX = ".sync-state.json"

# rel -> [size, staging mtime_ns, output mtime_ns] as the last sync left them.
Record = dict[str, list[int]]
# rel -> (size, mtime_ns) of every file in a folder.
Listing = dict[str, tuple[int, int]]


def _link_atomic(source: str, target: str) -> bool:
    """Replace ``target`` by a hard link to ``source`` in one rename; False where links fail."""
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    try:
        os.link(source, tmp)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False  # another file system, or one without hard links: copy instead
        raise
    try:
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def scan_tree(folder: Path, skip_top: frozenset[str] = frozenset()) -> Listing:
    """Every file under ``folder`` (symlinks included, not followed): its size and modification
    time (ns), by its path relative to ``folder``; names in ``skip_top`` at the top left out."""
    listing: Listing = {}

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not prefix and entry.name in skip_top:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    stat = entry.stat(follow_symlinks=False)
                    listing[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)

    if folder.is_dir():
        walk(str(folder), "")
    return listing


KEEP = frozenset({".git"})


@dataclass(slots=True)
class OutputState:
    """What the output folder holds and what the last sync recorded of it."""

    present: Listing
    recorded: Record


def output_state(output: Path, keep: frozenset[str] = KEEP) -> OutputState:
    """Read before the sync, while the build runs: nothing but the sync changes ``output``."""
    return OutputState(scan_tree(output, skip_top=keep), read_record(beside(output, SYNC_STATE_SUFFIX)))


def sync_tree(
    staging: Path,
    output: Path,
    *,
    keep: frozenset[str] = KEEP,
    listing: Listing | None = None,
    linkable: Callable[[str], bool] | None = None,
    state: OutputState | None = None,
) -> SyncReport:
    """Make ``output`` byte-identical to ``staging``; names in ``keep`` at the top are left alone.

    ``listing`` is :func:`scan_tree` of ``staging`` and ``state`` :func:`output_state` of
    ``output`` when the caller has them already; files for which ``linkable`` says yes are
    hard-linked rather than copied.
    """
    report = SyncReport()
    output.mkdir(parents=True, exist_ok=True)
    state = state if state is not None else output_state(output, keep)
    record_file = beside(output, SYNC_STATE_SUFFIX)
    previous, present = state.recorded, state.present
    record_file.unlink(missing_ok=True)
    record: Record = {}
    wanted = scan_tree(staging) if listing is None else listing
    out_root = str(output)
    for rel in sorted(wanted):
        size, mtime = wanted[rel]
        source = os.path.join(staging, rel)
        target = os.path.join(out_root, rel)
        target_stat = present.get(rel)
        same_as_recorded = target_stat is not None and previous.get(rel) == [size, mtime, target_stat[1]]
        if same_as_recorded and target_stat is not None and target_stat[0] == size:
            report.unchanged += 1  # neither copy changed since the last sync
        elif (
            target_stat is not None
            and os.path.isfile(target)
            and not os.path.islink(target)
            and filecmp.cmp(source, target, shallow=False)
        ):
            report.unchanged += 1
        else:
            if not (linkable is not None and linkable(rel) and _link_atomic(source, target)):
                write_atomic(Path(target), Path(source).read_bytes())
            report.written.append(rel)
            target_stat = (size, os.lstat(target).st_mtime_ns)
        record[rel] = [size, mtime, target_stat[1]]
    emptied: set[str] = set()  # folders that lost a file: removed below if nothing is left
    for rel in present.keys() - wanted.keys():
        # Gone from the build, or a copy killed half-way (.name.tmp).
        path = os.path.join(out_root, rel)
        os.unlink(path)
        emptied.add(os.path.dirname(path))
        name = os.path.basename(rel)
        if not (name.startswith(".") and name.endswith(".tmp")):
            report.removed.append(rel)
    report.removed.sort()
    for folder in sorted(emptied, key=len, reverse=True):
        while folder != out_root and os.path.commonpath([folder, out_root]) == out_root:
            try:
                os.rmdir(folder)  # only succeeds when empty
            except OSError:
                break
            folder = os.path.dirname(folder)
    write_atomic(record_file, json.dumps(record, sort_keys=True).encode())
    return report
