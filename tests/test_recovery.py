"""``manage.py signalkit_requeue``, and the fault test: ``kill -9`` a real ``db_worker``
again and again while writer processes send events; after recovery no event is lost.

The kill test's size can be raised for a measurement (the figures of
docs/explanation/delivery-guarantees.rst): SIGNALKIT_FAULT_WRITERS, SIGNALKIT_FAULT_EVENTS
(per writer) and SIGNALKIT_FAULT_KILLS.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

import signalkit
from signalkit import recovery
from tests.taskapp import procs, receivers
from tests.taskapp.models import Depot


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    signalkit.disconnect(receivers.fault_record)


def task_row(
    status: str = "RUNNING",
    started: float | None = 7200,
    task_path: str = recovery.TASK_PATH,
    backend: str = "db",
) -> DBTaskResult:
    row: DBTaskResult = DBTaskResult.objects.create(
        args_kwargs={"args": ["x", {}], "kwargs": {}},
        task_path=task_path,
        backend_name=backend,
        run_after=get_date_max(),
        status=status,
        started_at=None
        if started is None
        else timezone.now() - datetime.timedelta(seconds=started),
    )
    return row


def requeue(*args: str) -> str:
    out = StringIO()
    call_command("signalkit_requeue", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_requeue_makes_old_running_events_ready_again() -> None:
    stuck = task_row(started=7200)
    never_started = task_row(started=None)
    recent = task_row(started=60)
    done = task_row(status="SUCCESSFUL")
    other_task = task_row(task_path="shop.tasks.charge")
    assert (
        requeue() == "2 signalkit events RUNNING for more than 3600 seconds requeued.\n"
    )
    for row in (stuck, never_started, recent, done, other_task):
        row.refresh_from_db()
    assert (stuck.status, stuck.started_at) == ("READY", None)
    assert never_started.status == "READY"
    assert recent.status == "RUNNING"
    assert done.status == "SUCCESSFUL"
    assert other_task.status == "RUNNING"  # not signalkit's to re-run
    assert requeue("--older-than", "30") == (
        "1 signalkit event RUNNING for more than 30 seconds requeued.\n"
    )


@pytest.mark.django_db
def test_dry_run_and_backend_filter() -> None:
    row = task_row()
    assert requeue("--dry-run") == (
        "1 signalkit event RUNNING for more than 3600 seconds would be requeued.\n"
    )
    assert requeue("--backend", "db", "--dry-run").startswith("1 signalkit event")
    row.refresh_from_db()
    assert row.status == "RUNNING"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "-1"], "0 or more, not -1.0"),
        (["--older-than", "nan"], "0 or more, not nan"),
        (["--backend", "nope"], "'nope' is not an alias of settings.TASKS"),
        (
            ["--backend", "default"],
            "'default' is not django-tasks-db's DatabaseBackend",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_command_errors(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        requeue(*args)


# The fault test.


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"SIGNALKIT_FAULT_{name}", default))


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_killed_db_worker_loses_no_event_after_recovery(tmp_path: Path) -> None:
    writers, per_writer, kills = (
        _knob("WRITERS", 3),
        _knob("EVENTS", 60),
        _knob("KILLS", 4),
    )
    # Where each kill lands: inside the receiver before its effect (the event would be
    # lost without recovery), or after it (recovery runs the event a second time).
    phases = ["before" if i % 2 == 0 else "after" for i in range(kills)]
    output, hold = tmp_path / "out.jsonl", tmp_path / "hold"
    inside = Path(f"{hold}.inside")
    env = procs.worker_env(tmp_path, SIGNALKIT_TEST_HOLD=str(hold))
    # The test process sends too (a probe per kill), through the same receiver.
    signalkit.on_post_save(Depot, task="db")(receivers.fault_record)
    requeued: list[int] = []
    started_at = time.monotonic()
    with procs.stopped_at_exit() as started:
        writing = [
            procs.start(
                [
                    sys.executable,
                    "-m",
                    "tests.taskapp.fault_writer",
                    f"w{n}",
                    str(per_writer),
                    "0.005",
                ],
                env,
            )
            for n in range(writers)
        ]
        started.extend(writing)
        for number, phase in enumerate(phases):
            hold.write_text(phase)
            worker = procs.start(procs.db_worker_args("--interval", "0.05"), env)
            started.append(worker)
            with transaction.atomic():
                Depot.objects.create(name=f"probe-{number}")
            # The worker is inside the receiver: its task is RUNNING. Kill it there.
            assert procs.wait_for(inside.exists, 60, alive=worker), procs.stop(worker)
            os.kill(worker.pid, signal.SIGKILL)
            procs.stop(worker)
            assert worker.returncode == -signal.SIGKILL
            hold.unlink()
            inside.unlink()
            # No worker runs now, so every RUNNING event is a lost one: --older-than 0.
            requeued.append(recovery.requeue(0))
        summaries = []
        for writer in writing:
            assert procs.wait_for(lambda w=writer: procs.exited(w), 120)
            out = procs.stop(writer)
            assert writer.returncode == 0, out
            summaries.append(json.loads(out.splitlines()[-1]))
        requeued.append(recovery.requeue(0))
        drained = procs.run_db_worker(env, timeout=30 + writers * per_writer)
    assert drained.returncode == 0, drained.stdout + drained.stderr
    seconds = time.monotonic() - started_at

    committed = set(Depot.objects.values_list("name", flat=True))
    assert Depot.objects.count() == len(committed)  # one row per name
    runs = Counter(
        json.loads(line)["label"] for line in output.read_text().splitlines()
    )
    rolled_back = sum(s["rolled_back"] for s in summaries)
    figures = {
        "database": (env.get("SIGNALKIT_SQLITE_NAME") and "sqlite") or "postgresql",
        "writers": writers,
        "events": len(committed),
        "rolled_back": rolled_back,
        "kills": kills,
        "requeued": sum(requeued),
        "lost": len(committed - set(runs)),
        "phantom": len(set(runs) - committed),
        "duplicates": sum(runs.values()) - len(runs),
        "seconds": round(seconds, 1),
    }
    print("signalkit fault test:", json.dumps(figures), file=sys.stderr)
    # Each kill left exactly its one RUNNING event, and recovery found it.
    assert requeued == [1] * kills + [0]
    assert figures["lost"] == 0
    assert figures["phantom"] == 0  # no event for a rolled-back transaction
    assert rolled_back > 0
    # A kill after the receiver's effect runs that event twice; nothing else repeats.
    assert figures["duplicates"] == phases.count("after")
    statuses: dict[str, Any] = Counter(
        DBTaskResult.objects.values_list("status", flat=True)
    )
    assert statuses == {"SUCCESSFUL": len(committed)}
