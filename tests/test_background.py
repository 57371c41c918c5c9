"""Enqueueing ``task=`` events under failure: the sender's data and transaction come first.

Real failures, no mocks: the task table renamed away (SQLite and PostgreSQL), an
unrelated transaction on the task database.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import (
    DatabaseError,
    connection,
    connections,
    transaction,
)
from django.db.transaction import TransactionManagementError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

import signalkit
from signalkit import tasks_compat
from tests.helpers import manual_transactions
from tests.taskapp import receivers
from tests.taskapp.models import Depot, Parcel

TABLE = DBTaskResult._meta.db_table
RECEIVER = "tests.taskapp.receivers.record"


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    yield
    signalkit.disconnect(receivers.record)
    receivers.received.clear()


@contextmanager
def task_table_missing() -> Iterator[None]:
    """The task table renamed away (a migration not run, a wrong database...)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_gone")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE}_gone RENAME TO {TABLE}")


def signalkit_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "signalkit"]


def assert_logged_without_values(
    caplog: pytest.LogCaptureFixture, *values: str
) -> None:
    [record] = signalkit_errors(caplog)
    assert record.levelname == "ERROR"
    text = caplog.text
    assert RECEIVER in text
    assert "is lost" in text
    assert "message withheld" in text
    for value in values:
        assert value not in text
    # Django's own on_commit logger never gets the event either.
    assert not [r for r in caplog.records if r.name.startswith("django.db")]


# 1. The outbox insert fails inside the sender's transaction.


@pytest.mark.django_db(transaction=True)
def test_robust_receiver_failed_insert_keeps_the_senders_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signalkit.on_post_save(Parcel, task="db", robust=True)(receivers.record)
    with task_table_missing(), transaction.atomic():
        Parcel.objects.create(label="kept-secret-label")
        Parcel.objects.create(label="second")
    assert sorted(Parcel.objects.values_list("label", flat=True)) == [
        "kept-secret-label",
        "second",
    ]
    assert DBTaskResult.objects.count() == 0
    assert len(signalkit_errors(caplog)) == 2
    assert "kept-secret-label" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_non_robust_receiver_failed_insert_raises_and_leaves_the_transaction_usable() -> (
    None
):
    signalkit.receiver(receivers.shipment_priced, task="db")(receivers.record)
    with task_table_missing(), transaction.atomic():
        Parcel.objects.create(label="before")
        with pytest.raises(DatabaseError) as raised:
            receivers.shipment_priced.send(sender=None, amount="1.00")
        # Only the savepoint rolled back: the transaction goes on.
        Parcel.objects.create(label="after")
    assert sorted(Parcel.objects.values_list("label", flat=True)) == [
        "after",
        "before",
    ]
    notes = getattr(raised.value, "__notes__", None)
    if notes is not None:  # Python 3.11+
        assert any("was not enqueued" in n for n in notes)


@pytest.mark.django_db(transaction=True)
def test_non_robust_receiver_on_a_save_rolls_the_save_back_with_an_error() -> None:
    signalkit.on_post_save(Parcel, task="db")(receivers.record)
    with (
        task_table_missing(),
        pytest.raises(DatabaseError),
        transaction.atomic(),
    ):
        Parcel.objects.create(label="lost")
    assert not Parcel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_nul_character_travels_in_the_outbox() -> None:
    """PostgreSQL's JSON refused a NUL character when events were stored as JSON
    objects; an event is one JSON string now, where it is escaped, so it travels."""
    from signalkit import worker

    signalkit.receiver(receivers.shipment_priced, task="db")(receivers.record)
    with transaction.atomic():
        Parcel.objects.create(label="kept")
        receivers.shipment_priced.send(sender=None, amount="secret-hash\x00x")
    [row] = DBTaskResult.objects.all()
    worker.run(*row.args_kwargs["args"])
    [got] = receivers.received
    assert got["kwargs"]["amount"] == "secret-hash\x00x"


# 3. Autocommit: the event is enqueued after the data committed; failures are loud.


@pytest.mark.django_db(transaction=True)
def test_autocommit_enqueue_failure_reaches_a_non_robust_sender() -> None:
    signalkit.on_post_save(Parcel, task="db")(receivers.record)
    with task_table_missing(), pytest.raises(DatabaseError):
        Parcel.objects.create(label="committed")
    # Autocommit: the row was committed before post_save; only the event is missing.
    assert Parcel.objects.filter(label="committed").exists()


@pytest.mark.django_db(transaction=True)
def test_autocommit_enqueue_failure_is_logged_for_a_robust_receiver(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signalkit.on_post_save(Parcel, task="db", robust=True)(receivers.record)
    with task_table_missing():
        Parcel.objects.create(label="secret-label")
    assert Parcel.objects.filter(label="secret-label").exists()
    assert_logged_without_values(caplog, "secret-label")


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_enqueue_failure_at_commit_raises_from_the_atomic_block() -> None:
    signalkit.on_post_save(Depot, task="db")(receivers.record)
    with (
        task_table_missing(),
        pytest.raises(DatabaseError),
        transaction.atomic(using="other"),
    ):
        Depot.objects.using("other").create(name="far")
    assert Depot.objects.using("other").filter(name="far").exists()


# 6. Several databases: an event for data on "other" never joins a transaction on the
# task database (default) that could roll back.


def _write_unrelated() -> None:
    # SQLite allows one writer at a time: while this transaction holds the write lock,
    # no other connection could store the event (see docs/howto/background.rst).
    if connection.vendor != "sqlite":
        Parcel.objects.create(label="unrelated")


def _in_autocommit() -> None:
    Depot.objects.using("other").create(name="far")


def _in_atomic() -> None:
    with transaction.atomic(using="other"):
        Depot.objects.using("other").create(name="far")


@pytest.mark.parametrize("write_other", [_in_autocommit, _in_atomic])
@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_event_for_another_database_survives_an_unrelated_rollback(
    write_other: Callable[[], None],
) -> None:
    signalkit.on_post_save(Depot, task="db")(receivers.record)
    with pytest.raises(RuntimeError), transaction.atomic():
        _write_unrelated()
        write_other()
        raise RuntimeError("the unrelated transaction rolls back")
    assert not Parcel.objects.exists()
    assert Depot.objects.using("other").filter(name="far").exists()
    [row] = DBTaskResult.objects.all()
    assert row.args_kwargs["args"][0] == RECEIVER


@pytest.mark.django_db(databases=["default", "other"])
def test_a_test_cases_own_transaction_is_not_unrelated(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # pytest-django's (and TestCase's) wrapping transaction: the event stays in the test,
    # rolled back with the test's data, instead of leaking into the database.
    signalkit.on_post_save(Depot, task="db")(receivers.record)
    with django_capture_on_commit_callbacks(using="other", execute=True):
        Depot.objects.using("other").create(name="far")
    assert DBTaskResult.objects.count() == 1
    assert count_from_another_connection() == 0


def count_from_another_connection() -> int:
    counted: list[int] = []

    def count() -> None:
        try:
            counted.append(DBTaskResult.objects.count())
        finally:
            connections.close_all()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    return counted[0]


# Manual transaction management (autocommit off, no atomic block): there is no commit to
# wait for, so a task= receiver (which implies on_commit) is never enqueued for data that
# is not committed; robust ones are skipped and logged, others raise saying what to do.


def _skip_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "signalkit" and "robust receiver was skipped" in r.getMessage()
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["default", "db", "immediate", "celery"])
@pytest.mark.parametrize("how", ["send", "asend"])
def test_task_receiver_in_manual_transaction_mode(
    backend: str, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    from asgiref.sync import async_to_sync

    from signalkit.custom_signals import Signal

    ping = Signal()
    module = sys.modules[__name__]
    module.ping = ping  # type: ignore[attr-defined]  # task= needs a dotted path
    try:
        signalkit.receiver(ping, task=backend, robust=True)(receivers.record)
        send = async_to_sync(ping.asend) if how == "asend" else ping.send
        with caplog.at_level(logging.ERROR, logger="signalkit"), manual_transactions():
            send(sender=None)
            assert len(_skip_logs(caplog)) == 1
            signalkit.receiver(ping, task=backend)(receivers.record_async)
            with pytest.raises(
                TransactionManagementError,
                match=r"\(task=\), but database 'default' is in manual transaction "
                r"management .* Wrap the write in transaction\.atomic\(\)",
            ):
                send(sender=None)
        assert receivers.received == []
        assert DBTaskResult.objects.count() == 0
        assert tasks_compat.backend("default").results == []
        if how == "send":
            # asend() runs sync and async receivers concurrently: the async one's error can
            # end the send before the sync robust receiver's second skip is logged.
            assert len(_skip_logs(caplog)) == 2  # once per send
    finally:
        signalkit.disconnect(receivers.record)
        signalkit.disconnect(receivers.record_async)
        del module.ping  # type: ignore[attr-defined]


# Which backend a receiver's events go to is worked out once, and again after a setting
# changes: the next event follows the new settings.


@pytest.mark.django_db(transaction=True)
def test_a_changed_task_backend_setting_takes_effect_on_the_next_event() -> None:
    signalkit.on_post_save(Depot, task=True)(receivers.record)
    dummy = tasks_compat.backend("default")
    dummy.clear()
    Depot.objects.create(name="first")  # SIGNALKIT["TASK_BACKEND"]: "default"
    assert len(dummy.results) == 1
    assert receivers.received == []
    with override_settings(SIGNALKIT={"TASK_BACKEND": "immediate"}):
        Depot.objects.create(name="second")
        assert [r["kwargs"]["instance"].name for r in receivers.received] == ["second"]
    assert len(dummy.results) == 1
    Depot.objects.create(name="third")  # the override is gone: "default" again
    assert len(tasks_compat.backend("default").results) == 2
    assert [r["kwargs"]["instance"].name for r in receivers.received] == ["second"]


@pytest.mark.django_db(transaction=True)
def test_a_changed_tasks_setting_takes_effect_on_the_next_event() -> None:
    signalkit.on_post_save(Depot, task="db")(receivers.record)
    Depot.objects.create(name="outbox")
    assert DBTaskResult.objects.count() == 1
    assert receivers.received == []
    # The alias "db" now names a backend that runs the receiver in process.
    immediate = {**settings.TASKS, "db": settings.TASKS["immediate"]}
    with override_settings(TASKS=immediate):
        Depot.objects.create(name="in process")
        assert [r["kwargs"]["instance"].name for r in receivers.received] == [
            "in process"
        ]
    assert DBTaskResult.objects.count() == 1
    Depot.objects.create(name="outbox again")
    assert DBTaskResult.objects.count() == 2
    assert [r["kwargs"]["instance"].name for r in receivers.received] == ["in process"]
