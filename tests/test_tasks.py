"""Background receivers (``task=``) on Django's Tasks framework and on Celery."""

from __future__ import annotations

import datetime
import json
import os
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

import signalkit
from signalkit import registry, tasks_compat, worker
from tests.taskapp import procs, receivers
from tests.taskapp.models import Depot, Parcel
from tests.testapp.models import Book, Tag

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    tasks_compat.backend("default").clear()
    yield
    for func in (receivers.record, receivers.explode, receivers.record_async):
        signalkit.disconnect(func)
    receivers.received.clear()


def connect(func: Callable[..., Any], **options: Any) -> None:
    signalkit.on_post_save("taskapp.Parcel", **options)(func)


def dummy_results() -> list[Any]:
    return list(tasks_compat.backend("default").results)


def make_parcel() -> Parcel:
    return Parcel.objects.create(
        label="p1",
        weight=Decimal("1.250"),
        sent_at=datetime.datetime(2026, 11, 22, 12, 30, tzinfo=datetime.timezone.utc),
        token=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        meta={"tags": ["a", "b"], "n": 1},
        depot=Depot.objects.create(name="north"),
        blob=b"\x00\x01",
    )


@pytest.mark.django_db
def test_payload_is_json_with_the_instance_as_label_and_values(
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        parcel = make_parcel()
        assert dummy_results() == []  # enqueued on commit, not before
    assert len(callbacks) == 1
    [result] = dummy_results()
    assert result.task.module_path == "signalkit.tasks.run_receiver"
    receiver_path, event = result.args
    assert receiver_path == "tests.taskapp.receivers.record"
    assert json.loads(json.dumps(event)) == event
    assert event["signal"] == "django.db.models.signals.post_save"
    assert event["sender"] == {"__signalkit__": "model", "model": "taskapp.Parcel"}
    kwargs = event["kwargs"]
    assert kwargs["created"] is True
    assert kwargs["raw"] is False
    assert kwargs["using"] == "default"
    assert kwargs["update_fields"] is None
    instance = kwargs["instance"]
    assert instance["model"] == "taskapp.Parcel"
    assert instance["using"] == "default"
    assert instance["fields"] == {
        "id": parcel.pk,
        "label": "p1",
        "weight": "1.250",
        "sent_at": "2026-11-22T12:30:00Z",
        "token": "12345678-1234-5678-1234-567812345678",
        "meta": {"tags": ["a", "b"], "n": 1},
        "depot_id": parcel.depot_id,
        "blob": "AAE=",
    }


@pytest.mark.django_db
def test_worker_side_rebuilds_values_and_types(
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True):
        parcel = make_parcel()
    [result] = dummy_results()
    worker.run(*result.args)
    [got] = receivers.received
    assert got["signal"] is post_save
    assert got["sender"] is Parcel
    rebuilt = got["kwargs"]["instance"]
    assert isinstance(rebuilt, Parcel)
    assert rebuilt.pk == parcel.pk
    assert rebuilt.weight == Decimal("1.250")
    assert rebuilt.sent_at == parcel.sent_at
    assert rebuilt.token == parcel.token
    assert rebuilt.meta == {"tags": ["a", "b"], "n": 1}
    assert rebuilt.depot_id == parcel.depot_id
    assert bytes(rebuilt.blob) == b"\x00\x01"
    assert rebuilt._state.adding is False
    assert rebuilt._state.db == "default"
    assert got["kwargs"]["created"] is True


@pytest.mark.django_db
def test_update_fields_round_trip_as_a_frozenset(
    django_capture_on_commit_callbacks: Any,
) -> None:
    parcel = make_parcel()
    connect(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True):
        parcel.label = "p2"
        parcel.save(update_fields=["label"])
    [result] = dummy_results()
    worker.run(*result.args)
    assert receivers.received[0]["kwargs"]["update_fields"] == frozenset({"label"})
    assert receivers.received[0]["label"] == "p2"


@pytest.mark.django_db
def test_m2m_changed_passes_model_class_and_pk_set(
    django_capture_on_commit_callbacks: Any,
) -> None:
    book = Book.objects.create(title="b")
    tag = Tag.objects.create(name="t")
    signalkit.on_m2m_changed(Book.tags.through, task=True)(receivers.record)
    with django_capture_on_commit_callbacks(execute=True):
        book.tags.add(tag)
    results = dummy_results()
    assert len(results) == 2  # pre_add and post_add
    for result in results:
        worker.run(*result.args)
    got = receivers.received[1]["kwargs"]
    assert got["action"] == "post_add"
    assert got["model"] is Tag
    assert got["pk_set"] == {tag.pk}
    assert got["instance"] == book


@pytest.mark.django_db
def test_non_json_argument_raises_at_send_time_naming_it() -> None:
    signalkit.receiver(receivers.shipment_priced, task=True)(receivers.record)
    with pytest.raises(
        TypeError,
        match=r"Argument 'amount' of tests\.taskapp\.receivers\.shipment_priced",
    ):
        receivers.shipment_priced.send(sender=None, amount=Decimal("1.5"))
    assert dummy_results() == []


@pytest.mark.django_db
def test_robust_task_receiver_logs_a_send_time_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signalkit.receiver(receivers.shipment_priced, task=True, robust=True)(
        receivers.record
    )
    receivers.shipment_priced.send(sender=None, amount=object())
    assert "tests.taskapp.receivers.record" in caplog.text
    assert dummy_results() == []


@pytest.mark.django_db
def test_queue_name_and_priority_are_applied(
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(
        receivers.record,
        task={"backend": "default", "queue_name": "mail", "priority": 7},
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_parcel()
    [result] = dummy_results()
    assert result.task.queue_name == "mail"
    assert result.task.priority == 7
    assert result.backend == "default"


@pytest.mark.django_db
def test_conditions_apply_before_enqueueing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(receivers.record, task=True, created=False)
    with django_capture_on_commit_callbacks(execute=True):
        parcel = make_parcel()
    assert dummy_results() == []
    with django_capture_on_commit_callbacks(execute=True):
        parcel.save()
    assert len(dummy_results()) == 1


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("", "task= on post_save takes True"),
        (3, "task= on post_save takes True"),
        ({"queue": "x"}, "unknown key 'queue'"),
        ({"priority": "high"}, "takes an int"),
        ({"backend": ""}, "takes a TASKS alias"),
        ({"queue_name": 1}, "takes a queue name"),
    ],
)
def test_bad_task_options(task: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        signalkit.on_post_save(Parcel, task=task)


# ImmediateBackend: in process, after commit, never on rollback.


@pytest.mark.django_db(transaction=True)
def test_immediate_backend_runs_after_commit_only() -> None:
    connect(receivers.record, task="immediate")
    with transaction.atomic():
        make_parcel()
        assert receivers.received == []
    assert [r["label"] for r in receivers.received] == ["p1"]
    with pytest.raises(RuntimeError), transaction.atomic():
        Parcel.objects.create(label="rolled back")
        raise RuntimeError
    assert [r["label"] for r in receivers.received] == ["p1"]


@pytest.mark.django_db(transaction=True)
def test_post_delete_receiver_gets_the_deleted_values() -> None:
    parcel = make_parcel()
    pk = parcel.pk
    signalkit.on_post_delete(Parcel, task="immediate")(receivers.record)
    parcel.delete()
    [got] = receivers.received
    rebuilt = got["kwargs"]["instance"]
    assert got["signal"] is post_delete
    assert rebuilt.pk == pk
    assert rebuilt.label == "p1"
    assert rebuilt.weight == Decimal("1.250")
    assert not Parcel.objects.filter(pk=pk).exists()


@pytest.mark.django_db(transaction=True)
def test_async_receiver_runs_in_the_worker() -> None:
    connect(receivers.record_async, task="immediate")
    make_parcel()
    assert [r["label"] for r in receivers.received] == ["p1"]


# django-tasks-db: an outbox in the same database, and a real worker process.


@pytest.mark.django_db(transaction=True)
def test_database_backend_enqueues_inside_the_transaction() -> None:
    connect(receivers.record, task="db")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_parcel()
        # The outbox: the task row is written in the same transaction as the data...
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError
    # ...so it rolls back with it.
    assert DBTaskResult.objects.count() == 0
    with transaction.atomic():
        make_parcel()
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_database_backend_on_another_database_enqueues_on_commit() -> None:
    signalkit.on_post_save(Depot, task="db")(receivers.record)
    with transaction.atomic(using="other"):
        Depot.objects.using("other").create(name="far")
        assert DBTaskResult.objects.count() == 0
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_the_receiver_in_another_process(tmp_path: Path) -> None:
    connect(receivers.record, task="db")
    make_parcel()
    result = procs.run_db_worker(procs.worker_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    got = json.loads(line)
    assert got == {
        "sender": "taskapp.Parcel",
        "label": "p1",
        "weight": "1.250",
        "pid": got["pid"],
    }
    assert got["pid"] != os.getpid()
    [row] = DBTaskResult.objects.all()
    assert row.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_failing_receiver_leaves_a_failed_result_and_spares_the_sender(
    tmp_path: Path,
) -> None:
    connect(receivers.explode, task="db")
    parcel = make_parcel()  # the sender is unaffected
    assert Parcel.objects.filter(pk=parcel.pk).exists()
    result = procs.run_db_worker(procs.worker_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = DBTaskResult.objects.all()
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "receiver failed in the worker" in row.traceback


# Checks.


@pytest.mark.django_db(databases=["default", "other"])
def test_w003_for_the_immediate_backend() -> None:
    connect(receivers.record, task="immediate")
    found = [m for m in checks.run_checks() if m.id and m.id.startswith("signalkit.")]
    assert [m.id for m in found] == ["signalkit.W003"]
    assert "'immediate'" in found[0].msg
    assert "ImmediateBackend" in found[0].msg


@pytest.mark.django_db(databases=["default", "other"])
def test_e005_for_an_unknown_alias() -> None:
    connect(receivers.record, task="nope")
    found = [m for m in checks.run_checks() if m.id and m.id.startswith("signalkit.")]
    assert [m.id for m in found] == ["signalkit.E005"]
    assert "'nope'" in found[0].msg


def test_e003_for_a_receiver_not_importable_by_its_path() -> None:
    def record(signal: Any, sender: Any, **kwargs: Any) -> None: ...

    # Connected the way a decorator would, but under a module-level path that is bound
    # to another function: what a worker would import is not this receiver.
    record.__qualname__ = "record"
    record.__module__ = "tests.taskapp.receivers"
    signalkit.on_post_save(Parcel, task=True)(record)
    try:
        found = [m for m in checks.run_checks() if m.id == "signalkit.E003"]
        assert len(found) == 1
        assert "tests.taskapp.receivers.record" in found[0].msg
    finally:
        signalkit.disconnect(record)
    assert all(c.func is not record for c in registry.connections())


def test_task_settings_backend_is_used_for_task_true() -> None:
    with override_settings(SIGNALKIT={"TASK_BACKEND": "immediate"}):
        from signalkit.options import parse_task

        spec = parse_task(True, "post_save")
        assert spec is not None
        assert spec.alias == "immediate"


# Celery: signalkit's own transport, eagerly and with a real worker on Redis.


@pytest.fixture
def celery_app() -> Any:
    from tests.celery_app import app

    return app


@pytest.mark.django_db(transaction=True)
def test_celery_eager_runs_after_commit_never_on_rollback(celery_app: Any) -> None:
    celery_app.conf.task_always_eager = True
    try:
        connect(receivers.record, task="celery")
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
    tmp_path: Path, celery_app: Any
) -> None:
    queue = f"signalkit-test-{os.getpid()}"
    celery_app.control.purge()
    connect(receivers.record, task={"backend": "celery", "queue_name": queue})
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


@pytest.mark.django_db
def test_muted_task_receivers_enqueue_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from signalkit.testing import mute

    connect(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, mute(post_save):
        make_parcel()
    assert callbacks == []
    assert dummy_results() == []
