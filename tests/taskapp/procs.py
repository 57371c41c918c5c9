"""Real worker and writer processes for the task tests: start, wait, stop (never leak)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
WORKER_SETTINGS = "tests.taskapp.worker_settings"


def worker_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a process that shares the test's database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS}
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


def run_db_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``db_worker --batch``: every ready task, then exit."""
    return subprocess.run(
        db_worker_args("--batch"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A group of its own, so a kill reaches the pool processes a worker forks too.
        start_new_session=True,
    )


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


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    alive: subprocess.Popen[str] | None = None,
) -> bool:
    """Poll ``condition`` until it holds (True), the deadline passes or ``alive`` exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if alive is not None and alive.poll() is not None:
            return condition()
        time.sleep(0.02)
    return condition()


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    """End ``proc`` (if still running) and return its output."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=30)
    # Whatever the worker forked and left behind (its process group is its own pid).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    return out or ""


@contextlib.contextmanager
def stopped_at_exit() -> Iterator[list[subprocess.Popen[str]]]:
    """A list to put started processes in; any still running at exit is killed."""
    procs: list[subprocess.Popen[str]] = []
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                stop(proc, signal.SIGKILL)
