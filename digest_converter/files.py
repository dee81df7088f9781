"""Writing files so that no reader, and no run killed half-way, ever sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _default_mode() -> int:
    """The mode ``open()`` gives a new file (0o666 less the umask); read once."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


# mkstemp makes files only their owner can read; a page must be readable by a web server.
FILE_MODE = _default_mode()


def _temporary_beside(path: str) -> tuple[int, str]:
    """A new file in ``path``'s folder (usual mode) for writing, to be renamed over ``path``."""
    folder, name = os.path.split(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder or ".")
    os.fchmod(handle, FILE_MODE)
    return handle, tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file beside ``path`` and a rename.

    No fsync: the rename alone keeps a killed run from leaving half a file, and
    everything written this way (Markdown, caches, built pages) can be made again
    from its sources after a power cut; syncing cost 2 ms a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = _temporary_beside(os.fspath(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_record(path: Path) -> dict[str, Any]:
    """A JSON object written by :func:`write_atomic` (a cache, a build's record), or {} when it
    is missing or unreadable: every such record can be made again."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def beside(folder: Path, suffix: str) -> Path:
    """A record kept next to a folder, never inside it (it would be published): "out" -> "out.x.json"."""
    return folder.with_name(folder.name + suffix)


class AtomicTextFile:
    """A text file written beside ``path`` and renamed over it when closed without an error.

    For writers that expect ``open(path, "w")``; a file another folder links to (the
    output's copy of a built page) is thereby replaced, never changed in place.
    """

    def __init__(self, path: str | os.PathLike[str], encoding: str = "utf-8") -> None:
        self.path = os.fspath(path)
        handle, self.tmp = _temporary_beside(self.path)
        self.handle = os.fdopen(handle, "w", encoding=encoding)

    def write(self, text: str) -> int:
        return self.handle.write(text)

    def __enter__(self) -> AtomicTextFile:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        self.handle.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
