"""Work a build does beside its main line, on another core: a forked child process.

Pelican builds in one thread; at 10,000 articles writing the exports and the
feeds costs over a second of it, although they only read what the build has
already worked out. A :class:`BackgroundJob` runs such work in a child made
with ``fork()``, which sees the build's objects as they are at that moment
without copying or pickling them, while the build goes on. The caller waits
for the job (:meth:`BackgroundJob.wait`) before the build ends.

What a job may do: read the build's objects and write files of its own
(atomically). What it must not do: change objects the build goes on using
(the child's changes stay in the child) or rely on anything the build works
out after the job started.

Logging from the child is recorded and logged again by the parent when it
waits, in order, so that Pelican's own handlers (and its --fatal option) see
it; the child never writes through the parent's handlers, whose locks another
thread may have held at the fork. A job that fails raises
:class:`BackgroundJobError` with the child's traceback when waited for.

Only on Linux: elsewhere fork() is unsafe (macOS) or missing (Windows), and a
job runs at once, in the caller, with the same result.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import IO, Any

FORK_AVAILABLE = sys.platform.startswith("linux") and hasattr(os, "fork")


class BackgroundJobError(RuntimeError):
    """A background job failed; the message carries the child's traceback."""


# A record the child leaves for the parent: (logger name, level, message); level -1 is the
# traceback of the exception that ended the job.
_FAILED = -1


class _RecordingHandler(logging.Handler):
    def __init__(self, out: IO[bytes]) -> None:
        super().__init__()
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        pickle.dump((record.name, record.levelno, record.getMessage()), self.out)


class BackgroundJob:
    """``work()`` run in a forked child (or at once, where forking is not available)."""

    def __init__(self, name: str, work: Callable[[], None], *, fork: bool | None = None) -> None:
        self.name = name
        self._pid: int | None = None
        self._records: IO[bytes] | None = None
        if not (FORK_AVAILABLE if fork is None else fork):
            work()  # errors surface here, as they would without a job
            return
        self._records = tempfile.TemporaryFile()  # noqa: SIM115 - closed by wait()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child would inherit, and might repeat, unwritten output
        pid = os.fork()
        if pid == 0:
            _run_child(work, self._records)  # does not return
        self._pid = pid

    @property
    def running(self) -> bool:
        return self._pid is not None

    def wait(self) -> None:
        """Wait for the child, log what it logged, raise :class:`BackgroundJobError` if it failed."""
        if self._pid is None or self._records is None:
            return
        pid, self._pid = self._pid, None
        _, status = os.waitpid(pid, 0)
        failure = ""
        records = self._records
        records.seek(0)
        while True:
            try:
                name, level, message = pickle.load(records)
            except EOFError:
                break
            if level == _FAILED:
                failure = message
            else:
                logging.getLogger(name).log(level, "%s", message)
        records.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise BackgroundJobError(
                f"{self.name}: its background process failed (exit status {code})"
                + (f"\n{failure}" if failure else "")
            )


def _run_child(work: Callable[[], None], records: IO[bytes]) -> None:
    status = 1
    # A collection would touch every object the child shares with the parent, copying the
    # memory pages they sit on; the child is short-lived.
    gc.disable()
    try:
        handler = _RecordingHandler(records)
        loggers = [logging.getLogger()] + [
            item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)
        ]
        for logger in loggers:
            if logger.handlers or logger is loggers[0]:
                logger.handlers = [handler]
        work()
        status = 0
    except BaseException:  # noqa: BLE001 - everything goes to the parent, which raises it
        pickle.dump(("", _FAILED, traceback.format_exc()), records)
    finally:
        records.flush()
        # No clean-up of the parent's state (atexit handlers, buffered output): the parent owns it.
        os._exit(status)


_STARTED: list[BackgroundJob] = []


def start(name: str, work: Callable[[], None], *, fork: bool | None = None) -> BackgroundJob:
    """A :class:`BackgroundJob` that :func:`wait_for_all` waits for."""
    job = BackgroundJob(name, work, fork=fork)
    if job.running:
        _STARTED.append(job)
    return job


def wait_for_all(*_: Any) -> None:
    """Wait for every job :func:`start` started (connect to Pelican's ``finalized``); each is
    waited for, then the first failure is raised."""
    failures: list[BackgroundJobError] = []
    while _STARTED:
        try:
            _STARTED.pop(0).wait()
        except BackgroundJobError as failure:
            failures.append(failure)
    if failures:
        raise failures[0]
