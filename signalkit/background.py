"""Delivery of ``task=`` receivers: pick the backend, then enqueue in or after the transaction.

With ``django-tasks-db``'s ``DatabaseBackend`` writing to the signal's own database and a
transaction open there, the task row is inserted inside that transaction, in a savepoint
(an outbox: it commits or rolls back with the data, and a failed insert cannot spoil the
sender's transaction). Otherwise the event is enqueued once ``using`` commits (at once in
autocommit), never inside an unrelated transaction that could still roll back.

An enqueue that fails raises to the sender for a receiver without ``robust=True``; a
robust receiver's failure is logged on the ``signalkit`` logger, without the event's
values, and only that event is lost.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Model

from signalkit import _django, events, tasks_compat, tracking
from signalkit.naming import signal_name
from signalkit.options import CELERY, TaskSpec

logger = logging.getLogger("signalkit")


def schedule(
    receiver_path: str,
    spec: TaskSpec,
    robust: bool,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
) -> None:
    """Serialise one event now (``TypeError`` if it cannot be) and enqueue it.

    A failure raises, or is logged for a ``robust`` receiver; see the module docstring.
    """
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    try:
        event = events.encode(
            signal, sender, kwargs, spec.carry, _frozen_changes(kwargs, signal)
        )
        enqueue = _enqueuer(receiver_path, event, spec)
        if (
            spec.alias != CELERY
            and is_outbox(spec.alias, using)
            and transaction.get_connection(using).in_atomic_block
        ):
            # A savepoint: a failed insert marks only it for rollback, never the
            # sender's transaction (which would otherwise roll back without a word).
            with transaction.atomic(using=using):
                enqueue()
            return
    except Exception as exc:
        _failed(exc, receiver_path, spec, robust, signal, sender)
        return

    def enqueue_on_commit() -> None:
        # A closure, not a partial: were Django ever to log it, only its name shows.
        try:
            _outside_unrelated_transactions(enqueue, spec.alias)
        except Exception as exc:
            _failed(exc, receiver_path, spec, robust, signal, sender)

    # In autocommit this runs at once, so a non-robust failure reaches the sender. At a
    # commit, it propagates from the atomic() exit as Django's non-robust callbacks do.
    transaction.on_commit(enqueue_on_commit, using=using)


def _frozen_changes(
    kwargs: dict[str, Any], signal: Any
) -> dict[str, dict[str, Any]] | None:
    """The tracked changes of the instance sent, frozen now, for the worker's answers."""
    instance = kwargs.get("instance")
    if not isinstance(instance, Model):
        return None
    frozen = tracking.freeze(instance)
    if frozen is None:
        return None
    try:
        return tracking.to_json(instance, frozen)
    except TypeError as exc:  # an expression only the database can evaluate
        raise events.EncodeError(f"{exc} ({signal_name(signal)})") from None


def _enqueuer(
    receiver_path: str, event: dict[str, Any], spec: TaskSpec
) -> Callable[[], Any]:
    if spec.alias == CELERY:
        from signalkit import celery_transport

        return functools.partial(celery_transport.send, receiver_path, event, spec)
    return functools.partial(_task_for(spec).enqueue, receiver_path, event)


def _failed(
    exc: Exception,
    receiver_path: str,
    spec: TaskSpec,
    robust: bool,
    signal: Any,
    sender: Any,
) -> None:
    if not robust:
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(
                f"signalkit: the event of {signal_name(signal)} for the task= receiver "
                f"{receiver_path} was not enqueued."
            )
        raise exc
    if isinstance(exc, events.EncodeError):
        # signalkit's own message: it names the argument, never its value.
        logger.error(
            "signalkit: the event of %s from %s for the robust task= receiver %s was not "
            "enqueued: %s",
            signal_name(signal),
            _sender_shown(sender),
            receiver_path,
            exc,
        )
        return
    # A database or broker error message may quote what it was given (PostgreSQL's
    # CONTEXT line quotes the JSON), so only the error's type and frames are logged.
    logger.error(
        "signalkit: the event of %s from %s for the robust task= receiver %s could not be "
        "enqueued on the backend %r and is lost: %s.%s (message withheld: it may quote "
        "the event's values).\nTraceback (most recent call last):\n%s",
        signal_name(signal),
        _sender_shown(sender),
        receiver_path,
        spec.alias,
        type(exc).__module__,
        type(exc).__qualname__,
        "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
    )


def _sender_shown(sender: Any) -> str:
    # A model class by its label; any other sender by its type, which is not a value.
    meta = getattr(sender, "_meta", None)
    if isinstance(sender, type) and meta is not None:
        return str(meta.label)
    return "any sender" if sender is None else f"a {type(sender).__name__} sender"


def _outside_unrelated_transactions(enqueue: Callable[[], Any], alias: str) -> None:
    """Enqueue now, on a connection of its own when the task database is in a transaction.

    That transaction belongs to other code (``using`` has already committed): joining it
    would lose the event if it rolled back. A test case's own wrapping transaction is not
    unrelated: the event stays in the test, as its data does.
    """
    database = None if alias == CELERY else task_database(alias)
    if database is None:
        enqueue()
        return
    if not _django.in_atomic_block_of_others(connections[database]):
        enqueue()
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            enqueue()
        except BaseException as exc:
            failure.append(exc)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="signalkit-enqueue")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _task_for(spec: TaskSpec) -> Any:
    from signalkit.tasks import run_receiver

    options: dict[str, Any] = {"backend": spec.alias}
    if spec.queue_name is not None:
        options["queue_name"] = spec.queue_name
    if spec.priority is not None:
        options["priority"] = spec.priority
    return run_receiver.using(**options)


def task_database(alias: str) -> str | None:
    """The database ``alias`` stores its tasks in, or ``None`` for a backend without one."""
    backend = tasks_compat.backend(alias)
    if not type(backend).__module__.startswith("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult)


def is_outbox(alias: str, using: str) -> bool:
    """True when ``alias`` stores tasks in a table on the database ``using``."""
    return task_database(alias) == using


def backend_class_path(alias: str) -> str:
    """The dotted path of the backend class behind ``alias`` (for checks)."""
    backend = tasks_compat.backend(alias)
    return f"{type(backend).__module__}.{type(backend).__qualname__}"
