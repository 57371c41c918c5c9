"""Background receivers (``task=``) through Django's Tasks framework: the task every event
runs through (``signalkit.tasks``), in process and in a real ``db_worker``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django_tasks_db.models import DBTaskResult

import signalkit
from signalkit import tasks_compat, worker
from tests.helpers import connect_to_parcels, make_parcel
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


def dummy_results() -> list[Any]:
    return list(tasks_compat.backend("default").results)


@pytest.mark.django_db
def test_payload_is_json_with_the_instance_as_label_and_values(
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_to_parcels(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        parcel = make_parcel()
        assert dummy_results() == []  # enqueued on commit, not before
    assert len(callbacks) == 1
    [result] = dummy_results()
    assert result.task.module_path == "signalkit.tasks.run_receiver"
    receiver_path, payload = result.args
    assert receiver_path == "tests.taskapp.receivers.record"
    # One JSON string: nothing for the Tasks framework to walk or copy.
    assert isinstance(payload, str)
    event = json.loads(payload)
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
    connect_to_parcels(receivers.record, task=True)
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
    connect_to_parcels(receivers.record, task=True)
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
    connect_to_parcels(
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
    connect_to_parcels(receivers.record, task=True, created=False)
    with django_capture_on_commit_callbacks(execute=True):
        parcel = make_parcel()
    assert dummy_results() == []
    with django_capture_on_commit_callbacks(execute=True):
        parcel.save()
    assert len(dummy_results()) == 1


# ImmediateBackend: in process, after commit, never on rollback.


@pytest.mark.django_db(transaction=True)
def test_immediate_backend_runs_after_commit_only() -> None:
    connect_to_parcels(receivers.record, task="immediate")
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
    connect_to_parcels(receivers.record_async, task="immediate")
    make_parcel()
    assert [r["label"] for r in receivers.received] == ["p1"]


# django-tasks-db: an outbox in the same database, and a real worker process.


@pytest.mark.django_db(transaction=True)
def test_database_backend_enqueues_inside_the_transaction() -> None:
    connect_to_parcels(receivers.record, task="db")
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
    connect_to_parcels(receivers.record, task="db")
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
    connect_to_parcels(receivers.explode, task="db")
    parcel = make_parcel()  # the sender is unaffected
    assert Parcel.objects.filter(pk=parcel.pk).exists()
    result = procs.run_db_worker(procs.worker_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = DBTaskResult.objects.all()
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "receiver failed in the worker" in row.traceback


@pytest.mark.django_db
def test_muted_task_receivers_enqueue_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from signalkit.testing import mute

    connect_to_parcels(receivers.record, task=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, mute(post_save):
        make_parcel()
    assert callbacks == []
    assert dummy_results() == []
