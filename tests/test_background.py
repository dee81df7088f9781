"""Background jobs: work in a forked child, logged and failed through the parent."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from digest_build import background
from digest_build.background import FORK_AVAILABLE, BackgroundJob, BackgroundJobError

needs_fork = pytest.mark.skipif(not FORK_AVAILABLE, reason="background jobs fork only on Linux")


@needs_fork
def test_a_job_runs_in_another_process_and_is_waited_for(tmp_path: Path) -> None:
    seen: dict[str, int] = {"pid": os.getpid()}
    target = tmp_path / "out.txt"

    def work() -> None:
        seen["pid"] = os.getpid()  # changes the child's copy only
        target.write_text(str(os.getpid()), encoding="utf-8")

    job = BackgroundJob("writer", work)
    assert job.running
    job.wait()
    assert not job.running
    assert seen["pid"] == os.getpid()
    assert int(target.read_text(encoding="utf-8")) != os.getpid()
    job.wait()  # a second wait is harmless


@needs_fork
def test_what_a_job_logs_is_logged_by_the_parent_in_order(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("digest.test.background")

    def work() -> None:
        log.info("first %d", 1)
        log.warning("second")

    with caplog.at_level(logging.INFO, logger="digest.test.background"):
        BackgroundJob("talker", work).wait()
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == log.name] == [
        (logging.INFO, "first 1"),
        (logging.WARNING, "second"),
    ]


@needs_fork
def test_a_failed_job_fails_the_wait_with_its_traceback() -> None:
    def work() -> None:
        raise ValueError("no such place: Atlantis")

    job = BackgroundJob("exports", work)
    with pytest.raises(BackgroundJobError, match="exports") as failure:
        job.wait()
    assert "ValueError: no such place: Atlantis" in str(failure.value)


@needs_fork
def test_wait_for_all_waits_for_every_job_then_raises_the_first_failure(tmp_path: Path) -> None:
    def fail() -> None:
        raise RuntimeError("broken feed")

    def write() -> None:
        (tmp_path / "late.txt").write_text("done", encoding="utf-8")

    background.start("feeds", fail)
    background.start("exports", write)
    with pytest.raises(BackgroundJobError, match="broken feed"):
        background.wait_for_all()
    assert (tmp_path / "late.txt").read_text(encoding="utf-8") == "done"
    background.wait_for_all()  # nothing left


def test_without_fork_a_job_runs_at_once_in_the_caller(tmp_path: Path) -> None:
    calls: list[int] = []
    job = background.start("inline", lambda: calls.append(os.getpid()), fork=False)
    assert calls == [os.getpid()] and not job.running
    with pytest.raises(ValueError, match="at once"):
        BackgroundJob("inline", lambda: (_ for _ in ()).throw(ValueError("at once")), fork=False)


@needs_fork
def test_a_killed_or_stuck_child_fails_the_wait() -> None:
    import signal
    import time

    killed = BackgroundJob("killed", lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(BackgroundJobError, match=r"killed: .*exit status -9"):
        killed.wait()
    stuck = BackgroundJob("stuck", lambda: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(BackgroundJobError, match="still running after 0 s and was stopped"):
        stuck.wait(limit=0.2)
    assert time.monotonic() - started < 10


@needs_fork
def test_an_exception_logged_by_the_child_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("digest.test.background")

    def work() -> None:
        try:
            {}["Atlantis"]
        except KeyError:
            log.exception("no such place")

    with caplog.at_level(logging.INFO, logger="digest.test.background"):
        BackgroundJob("talker", work).wait()
    (record,) = [r for r in caplog.records if r.name == log.name]
    assert record.getMessage().startswith("no such place\nTraceback") and "KeyError" in record.getMessage()


@needs_fork
def test_every_job_is_reaped_even_when_relaying_one_fails(tmp_path: Path) -> None:
    """A relayed warning can raise in the parent (Pelican's --fatal warnings): the other jobs
    are still waited for, and the first failure is raised after."""
    log = logging.getLogger("digest.test.fatal")

    class Fatal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raise RuntimeError(f"fatal: {record.getMessage()}")

    log.addHandler(Fatal())
    log.propagate = False
    try:
        background.start("warns", lambda: log.warning("odd date"))
        second = background.start("writes", lambda: (tmp_path / "b").write_text("x", encoding="utf-8"))
        with pytest.raises(RuntimeError, match="fatal: odd date"):
            background.wait_for_all()
        assert not second.running and (tmp_path / "b").exists()
    finally:
        log.handlers.clear()
        log.propagate = True


@needs_fork
def test_stop_all_kills_the_jobs_of_a_failed_build() -> None:
    import time

    job = background.start("slow", lambda: time.sleep(60))
    started = time.monotonic()
    background.stop_all()
    assert not job.running and time.monotonic() - started < 10
    background.wait_for_all()  # nothing left to wait for
