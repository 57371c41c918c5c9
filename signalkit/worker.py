"""The worker's side of ``task=``: accept an event only for a receiver this project connected.

A queue row or broker message is data anyone with write access to the queue can forge.
So the worker never imports what an event names: it looks the receiver's dotted path and
the signal up among the connections signalkit made in this process at startup
(autodiscovery, ``AppConfig.ready()``), and runs only a receiver connected with ``task=``
to that very signal. Anything else is refused, logged, and fails the task.
"""

from __future__ import annotations

import functools
import logging
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.dispatch import Signal

from signalkit import events, frozen_changes, outcomes, registry, trace_context
from signalkit.baseline import FIELDS

logger = logging.getLogger("signalkit")


class EventRefused(Exception):
    """A background event that names something this project never sent to a worker."""


def run(receiver_path: Any, payload: Any) -> Any:
    """Call the ``task=`` receiver ``receiver_path`` with the event rebuilt from
    ``payload``, the JSON string :func:`signalkit.events.encode` wrote.

    Raise :class:`EventRefused` (after logging it) unless ``receiver_path`` is a receiver
    connected with ``task=`` to the event's signal in this process, and the event is
    well formed.
    """
    try:
        event = events.parse(payload)
        receiver, signal, sender, kwargs = _accept(receiver_path, event)
        answering = _answering(event.get("changes"), kwargs.get("instance"))
    except (EventRefused, events.InvalidEvent) as exc:
        message = (
            f"signalkit refused a background event for receiver "
            f"{events.shown(receiver_path)}: {exc}. Nothing it names was imported or run."
        )
        logger.error("%s", message)
        raise EventRefused(message) from None
    function = async_to_sync(receiver) if iscoroutinefunction(receiver) else receiver
    call = functools.partial(function, signal=signal, sender=sender, **kwargs)
    with answering:
        if outcomes.ACTIVE:
            # events.decode() checked the trace context the sender put in the event.
            remote = event.get(trace_context.KEY)
            return outcomes.run(receiver, signal, sender, kwargs, call, remote)
        return call()


def _answering(changes: Any, instance: Any) -> AbstractContextManager[None]:
    """Make ``changes()`` and ``previous()`` of ``instance`` answer for the save that
    sent the event, as they did when it was enqueued."""
    if changes is None:
        return nullcontext()
    if not isinstance(instance, Model) or not isinstance(changes, dict):
        raise events.InvalidEvent("its changes belong to no instance")
    model = type(instance)
    if not getattr(model, FIELDS, None):
        # Nothing tracks the model in this process, so nobody can ask for its changes.
        return nullcontext()
    for name, change in changes.items():
        if (
            not isinstance(change, dict)
            or "new" not in change
            or not set(change) <= {"old", "new"}
        ):
            raise events.InvalidEvent(
                f"its change of {events.shown(name)} is malformed"
            )
    try:
        frozen = frozen_changes.from_json(model, changes)
    except KeyError as exc:
        raise events.InvalidEvent(
            f"it reports a change of {events.shown(exc.args[0])}, which "
            f"{model._meta.label} does not track here"
        ) from None
    except (ValidationError, TypeError, ValueError):
        raise events.InvalidEvent(
            f"a changed value of {model._meta.label} in it is not valid for its field"
        ) from None
    return frozen_changes.answering_from(instance, frozen)


def _accept(receiver_path: Any, event: Any) -> tuple[Any, Signal, Any, dict[str, Any]]:
    if not isinstance(receiver_path, str):
        raise EventRefused("the receiver is not named by a dotted path")
    if not isinstance(event, dict):
        raise events.InvalidEvent(
            "it is not a dict with the keys signal, sender and kwargs"
        )
    path = event.get("signal")
    if not isinstance(path, str):
        raise events.InvalidEvent("it names no signal")
    signal = loaded_signal(path)
    receiver = task_receiver(receiver_path, signal, path)
    # Only now is the rest of the event read: models by label, among installed ones.
    _path, sender, kwargs = events.decode(event)
    return receiver, signal, sender, kwargs


def loaded_signal(path: str) -> Signal:
    """The ``Signal`` bound at ``path`` in a module this process has already imported."""
    module_name, _, attr = path.rpartition(".")
    module = sys.modules.get(module_name) if module_name else None
    if module is None:
        raise EventRefused(
            f"its signal {events.shown(path)} is not in a module this process imported"
        )
    # vars(), not getattr(): a module-level __getattr__ would run code for any name.
    found = vars(module).get(attr)
    if not isinstance(found, Signal):
        raise EventRefused(f"its signal {events.shown(path)} is not a Signal")
    return found


def task_receiver(receiver_path: str, signal: Signal, path: str) -> Any:
    """The function connected with ``task=`` to ``signal`` under ``receiver_path``."""
    on_other_signals = without_task = False
    for conn in registry.connections():
        if conn.path != receiver_path:
            continue
        if conn.signal is not signal:
            on_other_signals = on_other_signals or conn.options.task is not None
            continue
        if conn.options.task is None:
            without_task = True
            continue
        func = conn.func
        if func is not None:
            return func
    shown = events.shown(path)
    if without_task:
        reason = f"it is connected to {shown} without task="
    elif on_other_signals:
        reason = f"it is connected with task= to other signals, not to {shown}"
    else:
        reason = "it is not a receiver connected with task= in this project"
    raise EventRefused(
        f"{reason} (a worker runs only the task= receivers its own startup connected: "
        f"keep them in autodiscovered signals modules)"
    )
