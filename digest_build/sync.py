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
"""

from __future__ import annotations

import filecmp
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from digest_converter.files import beside, write_atomic


@dataclass(slots=True)
class SyncReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


SYNC_STATE_SUFFIX = ".sync-state.json"

# rel -> [size, staging mtime_ns, output mtime_ns] as the last sync left them.
Record = dict[str, list[int]]


def _load_record(path: Path) -> Record:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sync_tree(staging: Path, output: Path, *, keep: frozenset[str] = frozenset({".git"})) -> SyncReport:
    """Make ``output`` byte-identical to ``staging``; names in ``keep`` at the top are left alone."""
    report = SyncReport()
    output.mkdir(parents=True, exist_ok=True)
    record_file = beside(output, SYNC_STATE_SUFFIX)
    previous = _load_record(record_file)
    record_file.unlink(missing_ok=True)
    record: Record = {}
    wanted: set[str] = set()
    out_root = str(output)
    for dirpath, _dirnames, filenames in os.walk(staging):
        rel_dir = os.path.relpath(dirpath, staging).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in sorted(filenames):
            rel = prefix + name
            wanted.add(rel)
            source = os.path.join(dirpath, name)
            target = os.path.join(out_root, rel)
            source_stat = os.stat(source)
            try:
                target_stat = os.lstat(target)
            except FileNotFoundError:
                target_stat = None
            if (
                target_stat is not None
                and previous.get(rel)
                == [source_stat.st_size, source_stat.st_mtime_ns, target_stat.st_mtime_ns]
                and target_stat.st_size == source_stat.st_size
            ):
                report.unchanged += 1  # neither copy changed since the last sync
            elif (
                target_stat is not None
                and os.path.isfile(target)
                and not os.path.islink(target)
                and filecmp.cmp(source, target, shallow=False)
            ):
                report.unchanged += 1
            else:
                write_atomic(Path(target), Path(source).read_bytes())
                report.written.append(rel)
            record[rel] = [source_stat.st_size, source_stat.st_mtime_ns, os.lstat(target).st_mtime_ns]
    emptied: set[str] = set()  # folders that lost a file: removed below if nothing is left
    for dirpath, dirnames, filenames in os.walk(output, topdown=True):
        if dirpath == out_root:
            dirnames[:] = [d for d in dirnames if d not in keep]
            filenames = [f for f in filenames if f not in keep]
        rel_dir = os.path.relpath(dirpath, output).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            rel = prefix + name
            if rel not in wanted:  # gone from the build, or a copy killed half-way (.name.tmp)
                os.unlink(os.path.join(dirpath, name))
                emptied.add(dirpath)
                if not (name.startswith(".") and name.endswith(".tmp")):
                    report.removed.append(rel)
    for folder in sorted(emptied, key=len, reverse=True):
        while folder != out_root and os.path.commonpath([folder, out_root]) == out_root:
            try:
                os.rmdir(folder)  # only succeeds when empty
            except OSError:
                break
            folder = os.path.dirname(folder)
    write_atomic(record_file, json.dumps(record, sort_keys=True).encode())
    return report
