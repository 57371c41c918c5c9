"""Real worker and writer processes for the task tests: start, wait, stop (never leak)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from django.db import connection

from tests import interpreter

WORKER_SETTINGS = "tests.taskapp.worker_settings"
_logs: dict[int, IO[str]] = {}


def worker_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a process that shares the test's database."""
    env = interpreter.env(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        env["SIGNALKIT_SQLITE_NAME"] = name
    else:
        env["PGDATABASE"] = name
    env["SIGNALKIT_TEST_OUTPUT"] = str(tmp_path / "out.jsonl")
    env.update(extra)
    return env


def db_worker_args(*extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "django",
        "db_worker",
        "--backend",
        "db",
        "--no-startup-delay",
        "--no-reload",
        *extra,
    ]


def run_db_worker(
    env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``db_worker --batch``: every ready task, then exit."""
    return subprocess.run(
        db_worker_args("--batch"),
        cwd=interpreter.CWD,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a process whose output goes to a file (a pipe nobody reads could fill up
    and stall it); :func:`stop` returns that output."""
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (closed by stop())
    proc = subprocess.Popen(
        args,
        cwd=interpreter.CWD,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        # A group of its own, so a kill reaches the pool processes a worker forks too.
        start_new_session=True,
    )
    _logs[proc.pid] = log
    return proc


def celery_worker_args(queue: str, pool: str = "solo") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.celery_app",
        "worker",
        "--pool",
        pool,
        "--concurrency",
        "1",
        "--queues",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]


def exited(proc: subprocess.Popen[str]) -> bool:
    """Whether ``proc`` has ended, without reaping it: until it is reaped its pid (and
    so its process group id) cannot be reused, so :func:`stop` can still signal the
    group safely."""
    if proc.returncode is not None:
        return True
    return (
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    )


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    alive: subprocess.Popen[str] | None = None,
) -> bool:
    """Poll ``condition`` until it holds (True), the deadline passes or ``alive`` ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if alive is not None and exited(alive):
            return condition()
        time.sleep(0.02)
    return condition()


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    """End ``proc`` and whatever it forked, and return its output."""
    if not exited(proc):
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        if not wait_for(lambda: exited(proc), 30):
            proc.kill()
    if proc.returncode is None:
        # Leftover pool processes: the group is the leader's pid, not reusable yet.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    log = _logs.pop(proc.pid, None)
    if log is None:
        return ""
    with log:
        log.seek(0)
        return log.read()


def output(proc: subprocess.Popen[str]) -> str:
    """What a process started by :func:`start` has written so far."""
    log = _logs[proc.pid]
    log.flush()
    log.seek(0)
    text = log.read()
    log.seek(0, os.SEEK_END)
    return text


@contextlib.contextmanager
def stopped_at_exit() -> Iterator[list[subprocess.Popen[str]]]:
    """A list to put started processes in; any still running at exit is killed."""
    procs: list[subprocess.Popen[str]] = []
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.pid in _logs:
                stop(proc, signal.SIGKILL)
