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
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import IO, Any

FORK_AVAILABLE = sys.platform.startswith("linux") and hasattr(os, "fork")


class BackgroundJobError(RuntimeError):
    """A background job failed; the message carries the child's traceback."""


# A record the child leaves for the parent: (logger name, level, message); level -1 is the
# traceback of the exception that ended the job.
_FAILED = -1
# A child still running after this long is stuck (a lock held at the fork, say): it is killed.
WAIT_LIMIT_SECONDS = 600.0
_EXIT_RECORDS_UNWRITTEN = 2


class _RecordingHandler(logging.Handler):
    def __init__(self, out: IO[bytes]) -> None:
        super().__init__()
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        pickle.dump((record.name, record.levelno, message), self.out)


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

    def wait(self, limit: float = WAIT_LIMIT_SECONDS) -> None:
        """Wait for the child, log what it logged, raise :class:`BackgroundJobError` if it failed
        (or was still running after ``limit`` seconds, when it is killed)."""
        if self._pid is None or self._records is None:
            return
        pid, self._pid = self._pid, None
        records, self._records = self._records, None
        try:
            status, stuck = _reap(pid, limit)
            code = os.waitstatus_to_exitcode(status)
            logged, failure = _read_records(records)
        finally:
            records.close()
        for name, level, message in logged:
            logging.getLogger(name).log(level, "%s", message)
        if stuck:
            raise BackgroundJobError(
                f"{self.name}: its background process was still running after {limit:.0f} s and was stopped"
            )
        if code != 0:
            raise BackgroundJobError(
                f"{self.name}: its background process failed (exit status {code})"
                + (f"\n{failure}" if failure else "")
            )

    def stop(self) -> None:
        """Kill the child (the build it belongs to failed) and reap it; nothing is logged."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            _reap(self._pid, WAIT_LIMIT_SECONDS)
            self._pid = None
        if self._records is not None:
            self._records.close()
            self._records = None


def _reap(pid: int, limit: float) -> tuple[int, bool]:
    """The child's wait status, and whether it had to be killed after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    pause = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1], True
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _read_records(records: IO[bytes]) -> tuple[list[tuple[str, int, str]], str]:
    """What the child logged, and the traceback it failed with ("" if none)."""
    logged: list[tuple[str, int, str]] = []
    failure = ""
    records.seek(0)
    while True:
        try:
            name, level, message = pickle.load(records)
        except (EOFError, pickle.UnpicklingError):
            break  # the end, or the end of what a killed child managed to write
        if level == _FAILED:
            failure = message
        else:
            logged.append((name, level, message))
    return logged, failure


def _run_child(work: Callable[[], None], records: IO[bytes]) -> None:
    status = 1
    try:
        # A collection would touch every object the child shares with the parent, copying the
        # memory pages they sit on; the child is short-lived.
        gc.disable()
        handler = _RecordingHandler(records)
        root = logging.getLogger()
        root.handlers = [handler]
        for item in list(logging.Logger.manager.loggerDict.values()):
            if isinstance(item, logging.Logger) and item.handlers:
                # Records reach the root's handler by propagation; only a logger that does not
                # propagate keeps a handler of its own (the recording one).
                item.handlers = [] if item.propagate else [handler]
        work()
        status = 0
    except BaseException:  # noqa: BLE001 - everything goes to the parent, which raises it
        pickle.dump(("", _FAILED, traceback.format_exc()), records)
    finally:
        try:
            records.flush()
        except OSError:
            status = _EXIT_RECORDS_UNWRITTEN  # the parent reports the exit status instead
        # No clean-up of the parent's state (atexit handlers, buffered output): the parent owns
        # it. Whatever happened above, the child ends here and never returns into the build.
        os._exit(status)


_STARTED: list[BackgroundJob] = []


def start(name: str, work: Callable[[], None], *, fork: bool | None = None) -> BackgroundJob:
    """A :class:`BackgroundJob` that :func:`wait_for_all` waits for."""
    job = BackgroundJob(name, work, fork=fork)
    if job.running:
        _STARTED.append(job)
    return job


def wait_for_all(*_: Any) -> None:
    """Wait for every job :func:`start` started (connect to Pelican's ``finalized``): each is
    waited for, whatever happens to the others, then the first failure is raised."""
    failures: list[BaseException] = []
    while _STARTED:
        try:
            _STARTED.pop(0).wait()
        except Exception as failure:  # noqa: BLE001 - raised below, once every job is reaped
            failures.append(failure)  # a failed job, or a relayed warning made fatal
    if failures:
        raise failures[0]


def stop_all(*_: Any) -> None:
    """Kill and reap the jobs of a build that failed before waiting for them."""
    while _STARTED:
        _STARTED.pop(0).stop()
