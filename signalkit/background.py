"""The send side of ``task=`` receivers: encode the event, pick its transport, then enqueue
it in or after the transaction.

A transport takes events to workers: Django's Tasks framework (any ``TASKS`` alias), or
one of :data:`signalkit.options.TRANSPORTS` (``"celery"``), a module with the functions of
:class:`Transport`.

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

import dataclasses
import functools
import logging
import threading
import traceback
from collections.abc import Callable
from importlib import import_module
from typing import Any, Protocol, cast

from django.db import connections, transaction
from django.db.models import Model

from signalkit import (
    _django,
    conf,
    events,
    frozen_changes,
    outcomes,
    tasks,
    tasks_compat,
)
from signalkit.naming import callable_path, signal_name
from signalkit.options import TRANSPORTS, TaskSpec

logger = logging.getLogger("signalkit")


class Transport(Protocol):
    """How the events of ``task=`` receivers reach the workers that run them."""

    def send(self, receiver_path: str, payload: str, spec: TaskSpec) -> str | None:
        """Enqueue one event (``payload``, the JSON string of
        :func:`signalkit.events.encode`) for the receiver ``receiver_path``, now; return
        the task's id, if the transport gives one."""

    def database(self, spec: TaskSpec) -> str | None:
        """The database alias whose table holds the queue, or ``None`` (a broker): with
        the sender's own database, the event is enqueued inside its transaction."""


class _DjangoTasks:
    """Django's Tasks framework: ``signalkit.tasks.run_receiver`` on the ``TASKS`` alias."""

    def send(self, receiver_path: str, payload: str, spec: TaskSpec) -> str | None:
        task = _task(spec.alias, spec.queue_name, spec.priority)
        result = task.enqueue(receiver_path, payload)
        return str(result.id)

    def database(self, spec: TaskSpec) -> str | None:
        return tasks_compat.database(spec.alias)


_DJANGO_TASKS = _DjangoTasks()


@functools.cache
def _task(alias: str, queue_name: str | None, priority: int | None) -> Any:
    """``run_receiver`` with these options, made (and validated) once, not per event.

    Keeping it is safe when the settings change: a ``Task`` names its backend by alias
    only, and every backend validates the task again when it enqueues it. A failure is
    not kept: the next event tries again.
    """
    options: dict[str, Any] = {"backend": alias}
    if queue_name is not None:
        options["queue_name"] = queue_name
    if priority is not None:
        options["priority"] = priority
    return tasks.run_receiver.using(**options)


def transport(spec: TaskSpec) -> Transport:
    """The transport of ``spec``'s events."""
    module = TRANSPORTS.get(spec.alias)
    if module is None:
        return _DJANGO_TASKS
    return cast(Transport, import_module(module[1]))


class Scheduler:
    """The send side of one ``task=`` receiver: what every event of it needs that does not
    change from one event to the next, worked out once.

    The receiver's dotted path and its signals' paths are kept for good; which transport
    its events take (``SIGNALKIT["TASK_BACKEND"]``, ``TASKS``) until a setting changes.
    """

    __slots__ = (
        "_route",
        "_signal_paths",
        "_version",
        "receiver_path",
        "robust",
        "spec",
    )

    def __init__(self, receiver: Any, spec: TaskSpec, robust: bool) -> None:
        self.spec, self.robust = spec, robust
        self.receiver_path = callable_path(receiver)
        # Only paths found: a task= signal is a module attribute, as long-lived as this.
        self._signal_paths: dict[Any, str] = {}
        self._route: tuple[TaskSpec, Transport] | None = None
        self._version = -1

    def route(self) -> tuple[TaskSpec, Transport]:
        """The spec with its ``TASKS`` alias as configured now, and its transport."""
        if self._route is not None and self._version == conf.changes_seen:
            return self._route
        version = conf.settings_version()
        spec = self.spec
        if spec.backend is None:
            spec = dataclasses.replace(spec, backend=spec.alias)
        route = self._route = (spec, transport(spec))
        self._version = version
        return route

    def schedule(
        self,
        receiver: Any,
        connection: Any,
        signal: Any,
        sender: Any,
        kwargs: dict[str, Any],
    ) -> None:
        """Serialise one event for the function ``receiver`` now (``TypeError`` if it
        cannot be) and enqueue it, in or after the transaction of ``connection`` (that of
        the event's ``using``).

        A failure raises, or is logged for a ``robust`` receiver; see the module
        docstring.
        """
        receiver_path, robust = self.receiver_path, self.robust
        spec = self.spec
        try:
            path = self._signal_paths.get(signal)
            if path is None:
                path = self._signal_paths[signal] = events.importable_path(signal)
            payload = events.write(
                path,
                sender,
                kwargs,
                spec.carry,
                _frozen_changes(kwargs, signal),
                # The trace context, for the worker's span to continue the sender's
                # trace.
                outcomes.carried() if outcomes.ACTIVE else None,
            )
            spec, way = self.route()
            enqueue = functools.partial(way.send, receiver_path, payload, spec)
            database = way.database(spec)
            if database == connection.alias and connection.in_atomic_block:
                # A savepoint: a failed insert marks only it for rollback, never the
                # sender's transaction (which would otherwise roll back without a word).
                with transaction.atomic(using=database):
                    task_id = enqueue()
                if outcomes.ACTIVE:
                    outcomes.enqueued(
                        receiver, spec.alias, task_id, signal, sender, kwargs
                    )
                return
        except Exception as exc:
            _failed(exc, receiver_path, spec, robust, signal, sender)
            return

        def enqueue_on_commit() -> None:
            # A closure, not a partial: were Django ever to log it, only its name shows.
            settles = outcomes.settle(receiver) if outcomes.ACTIVE else None
            try:
                task_id = _outside_unrelated_transactions(enqueue, database)
            except Exception as exc:
                _failed(exc, receiver_path, spec, robust, signal, sender)
                return
            if outcomes.ACTIVE:
                outcomes.enqueued(
                    receiver, spec.alias, task_id, signal, sender, kwargs, settles
                )

        # In autocommit this runs at once, so a non-robust failure reaches the sender. At
        # a commit, it propagates from the atomic() exit as Django's non-robust callbacks
        # do. (What transaction.on_commit() does, on the connection already in hand.)
        connection.on_commit(
            outcomes.deferred(enqueue_on_commit, receiver, signal, sender, kwargs)
            if outcomes.ACTIVE
            else enqueue_on_commit
        )


def _frozen_changes(
    kwargs: dict[str, Any], signal: Any
) -> dict[str, dict[str, Any]] | None:
    """The tracked changes of the instance sent, frozen now, for the worker's answers."""
    instance = kwargs.get("instance")
    if not isinstance(instance, Model):
        return None
    frozen = frozen_changes.freeze(instance)
    if frozen is None:
        return None
    try:
        return frozen_changes.to_json(instance, frozen)
    except TypeError as exc:  # an expression only the database can evaluate
        raise events.EncodeError(f"{exc} ({signal_name(signal)})") from None


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


def _outside_unrelated_transactions(
    enqueue: Callable[[], str | None], database: str | None
) -> str | None:
    """Enqueue now, on a connection of its own when the task database is in a transaction.

    That transaction belongs to other code (``using`` has already committed): joining it
    would lose the event if it rolled back. A test case's own wrapping transaction is not
    unrelated: the event stays in the test, as its data does.
    """
    if database is None or not _django.in_atomic_block_of_others(connections[database]):
        return enqueue()
    failure: list[BaseException] = []
    task_id: list[str | None] = []

    def run() -> None:
        try:
            task_id.append(enqueue())
        except BaseException as exc:
            failure.append(exc)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="signalkit-enqueue")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return task_id[0]
