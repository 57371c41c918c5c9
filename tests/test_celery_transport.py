"""signalkit's Celery transport: delivery options, its checks, and a killed pool process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import checks

import signalkit
from signalkit import celery_transport
from tests.taskapp import procs, receivers
from tests.taskapp.models import Depot


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    for func in (receivers.record, receivers.fault_record):
        signalkit.disconnect(func)


@pytest.fixture
def celery_app() -> Any:
    from tests.celery_app import app

    return app


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


# JSONField's check asks every database whether it supports JSON.
@pytest.mark.django_db(databases=["default", "other"])
@pytest.mark.parametrize(
    ("annotations", "named"),
    [
        ({celery_transport.TASK_NAME: {"acks_late": False}}, "acks_late"),
        ({"*": {"reject_on_worker_lost": False}}, "reject_on_worker_lost"),
        (
            [{"*": {"acks_late": False, "reject_on_worker_lost": False}}],
            "acks_late and reject_on_worker_lost",
        ),
    ],
)
def test_w004_when_task_annotations_turn_the_options_off(
    celery_app: Any, annotations: Any, named: str
) -> None:
    signalkit.receiver(receivers.shipment_priced, task="celery")(receivers.record)
    # Bind the task first: annotations present when Celery binds it would stay on it.
    assert celery_app.tasks[celery_transport.TASK_NAME].acks_late is True
    before = celery_app.conf.task_annotations
    celery_app.conf.task_annotations = annotations
    try:
        found = [m for m in checks.run_checks() if m.id == "signalkit.W004"]
    finally:
        celery_app.conf.task_annotations = before
    [message] = found
    assert f"turns off {named} for signalkit's task" in message.msg
    assert "CELERY_TASK_ANNOTATIONS" in (message.hint or "")


@pytest.mark.django_db(databases=["default", "other"])
def test_no_w004_or_w005_without_celery_receivers(celery_app: Any) -> None:
    assert celery_app.tasks[celery_transport.TASK_NAME].acks_late is True
    before = celery_app.conf.task_annotations
    celery_app.conf.task_annotations = {"*": {"acks_late": False}}
    try:
        ids = {m.id for m in checks.run_checks()}
    finally:
        celery_app.conf.task_annotations = before
    assert not ids & {"signalkit.W004", "signalkit.W005"}


def _probe(tmp_path: Path, *flags: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.taskapp.celery_probe", *flags],
        cwd=procs.ROOT,
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


@pytest.mark.django_db(transaction=True)
def test_a_killed_pool_process_gets_its_event_delivered_again(
    tmp_path: Path, celery_app: Any
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
