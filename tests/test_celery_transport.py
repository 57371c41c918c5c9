"""signalkit's Celery transport: delivery options, its checks, and a killed pool process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

import signalkit
from signalkit import celery_transport
from tests import interpreter
from tests.helpers import connect_to_parcels, make_parcel, redis_problem
from tests.taskapp import procs, receivers
from tests.taskapp.models import Depot, Parcel


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    yield
    for func in (
        receivers.record,
        receivers.explode,
        receivers.record_async,
        receivers.fault_record,
    ):
        signalkit.disconnect(func)
    receivers.received.clear()


def test_task_acknowledges_late_and_is_rejected_when_its_worker_is_lost(
    celery_app: Any,
) -> None:
    task = celery_app.tasks[celery_transport.TASK_NAME]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert celery_transport.delivery_options(celery_app) == {
        "acks_late": True,
        "reject_on_worker_lost": True,
    }


def _probe(tmp_path: Path, *flags: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.taskapp.celery_probe", *flags],
        cwd=interpreter.CWD,
        env=procs.worker_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return found


@pytest.mark.django_db(transaction=True)
def test_w005_and_a_refused_send_when_no_celery_app_is_loaded(tmp_path: Path) -> None:
    found = _probe(tmp_path, "--send")
    [message] = [m for m in found["checks"] if m["id"] == "signalkit.W005"]
    assert "No Celery app is loaded in this process" in message["msg"]
    assert "from .celery import app as celery_app" in message["hint"]
    # The send fails loudly instead of publishing to Celery's default broker.
    assert found["send"].startswith("ImproperlyConfigured: No Celery app is loaded")


@pytest.mark.django_db(transaction=True)
def test_no_w005_once_the_project_loads_its_celery_app(tmp_path: Path) -> None:
    found = _probe(tmp_path, "--load-app")
    assert [m["id"] for m in found["checks"]] == []


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_a_killed_pool_process_gets_its_event_delivered_again(
    tmp_path: Path, celery_broker: Any
) -> None:
    queue = f"signalkit-kill-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    hold = tmp_path / "hold"
    inside = tmp_path / "hold.inside"
    output = tmp_path / "out.jsonl"
    hold.write_text("before")
    signalkit.on_post_save(Depot, task={"backend": "celery", "queue_name": queue})(
        receivers.fault_record
    )
    Depot.objects.create(name="kept")
    env = procs.worker_env(tmp_path, SIGNALKIT_TEST_HOLD=str(hold))
    with procs.stopped_at_exit() as started:
        worker = procs.start(procs.celery_worker_args(queue, pool="prefork"), env)
        started.append(worker)
        # The pool process is inside the receiver, the message unacknowledged.
        assert procs.wait_for(inside.exists, 60, alive=worker), procs.stop(worker)
        child = int(inside.read_text())
        assert child != worker.pid
        os.kill(child, signal.SIGKILL)
        hold.unlink()
        delivered = procs.wait_for(output.exists, 60, alive=worker)
        log = procs.stop(worker)
    assert delivered, log
    assert "WorkerLostError" in log
    [line] = output.read_text().splitlines()
    got = json.loads(line)
    assert got["label"] == "kept"
    assert got["pid"] != child


# Celery: signalkit's own transport, eagerly and with a real worker on Redis.


@pytest.mark.django_db(transaction=True)
def test_celery_eager_runs_after_commit_never_on_rollback(celery_app: Any) -> None:
    celery_app.conf.task_always_eager = True
    try:
        connect_to_parcels(receivers.record, task="celery")
        with pytest.raises(RuntimeError), transaction.atomic():
            make_parcel()
            raise RuntimeError
        assert receivers.received == []
        with transaction.atomic():
            make_parcel()
            assert receivers.received == []
        [got] = receivers.received
        assert got["sender"] is Parcel
        assert got["kwargs"]["instance"].weight == Decimal("1.250")
    finally:
        celery_app.conf.task_always_eager = False


def test_celery_task_is_registered_with_late_acks(celery_app: Any) -> None:
    from signalkit import celery_transport

    task = celery_app.tasks[celery_transport.TASK_NAME]
    assert task.acks_late is True


@pytest.mark.django_db(transaction=True)
def test_celery_worker_process_runs_the_receiver(
    tmp_path: Path, celery_broker: Any
) -> None:
    queue = f"signalkit-test-{os.getpid()}"
    celery_broker.control.purge()
    connect_to_parcels(
        receivers.record, task={"backend": "celery", "queue_name": queue}
    )
    make_parcel()
    output = tmp_path / "out.jsonl"
    worker = procs.start(procs.celery_worker_args(queue), procs.worker_env(tmp_path))
    try:
        procs.wait_for(output.exists, 60, alive=worker)
    finally:
        log = procs.stop(worker)
    assert output.exists(), log
    got = json.loads(output.read_text().splitlines()[0])
    assert got["label"] == "p1"
    assert got["pid"] == worker.pid


def test_a_missing_redis_is_one_line_naming_it_and_how_to_start_it(
    redis: str,
) -> None:
    assert redis_problem(redis) is None  # the broker of this run answers
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    problem = redis_problem(f"redis://127.0.0.1:{port}/0")
    assert problem is not None
    assert "\n" not in problem
    assert problem.startswith(
        f"The Celery tests need Redis at redis://127.0.0.1:{port}/0"
    )
    assert "redis-server --daemonize yes" in problem
    assert "SIGNALKIT_TEST_BROKER" in problem
