"""Move a freshly built site into the output folder, file by file, atomically, only where bytes changed.

Pelican writes every page on every build, in place. Building into a staging
folder and syncing from it gives three things: a build killed at any moment
leaves the published folder as it was (the staging copy is simply redone);
each output file is replaced by a rename, so no reader or upload ever sees
half a file; and files whose bytes did not change keep their timestamps, so a
deploy uploads only what changed.
"""

from __future__ import annotations

import filecmp
import os
from dataclasses import dataclass, field
from pathlib import Path

from digest_converter.files import write_atomic


@dataclass(slots=True)
class SyncReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def sync_tree(staging: Path, output: Path, *, keep: frozenset[str] = frozenset({".git"})) -> SyncReport:
    """Make ``output`` byte-identical to ``staging``; names in ``keep`` at the top are left alone."""
    report = SyncReport()
    output.mkdir(parents=True, exist_ok=True)
    for leftover in output.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)  # from a sync that was killed mid-copy
    wanted: set[str] = set()
    for dirpath, _dirnames, filenames in os.walk(staging):
        for name in sorted(filenames):
            source = Path(dirpath) / name
            rel = source.relative_to(staging).as_posix()
            wanted.add(rel)
            target = output / rel
            if target.is_file() and not target.is_symlink() and filecmp.cmp(source, target, shallow=False):
                report.unchanged += 1
                continue
            write_atomic(target, source.read_bytes())
            report.written.append(rel)
    for dirpath, dirnames, filenames in os.walk(output, topdown=True):
        here = Path(dirpath)
        if here == output:
            dirnames[:] = [d for d in dirnames if d not in keep]
            filenames = [f for f in filenames if f not in keep]
        for name in filenames:
            rel = (here / name).relative_to(output).as_posix()
            if rel not in wanted:
                (here / name).unlink()
                report.removed.append(rel)
    for dirpath, _dirnames, _filenames in sorted(os.walk(output), key=lambda w: -len(w[0])):
        here = Path(dirpath)
        if here != output and not any(here.iterdir()) and here.name not in keep:
            here.rmdir()
    return report
