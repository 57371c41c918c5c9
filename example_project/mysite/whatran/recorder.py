"""Record what ran during a block: the receivers, the background tasks, the events.

:func:`recording` is built on ``signalkit.testing.trace()``, which records each receiver
that really ran (after its conditions let it, at the commit for ``on_commit=True``), with
its duration and what it raised. Two things a trace does not tell are recorded next to it:

- ``task=`` receivers run inside signalkit's task (``signalkit.tasks.run_receiver``): a
  trace sees one that runs in the request, not that it came through a task, nor one
  queued for a worker. The Tasks framework's ``task_enqueued`` and ``task_finished``
  signals tell which ran (``ImmediateBackend``: right after the commit, in the same
  request) or were queued for a worker;
- the ``events.Event`` rows written in the block, each with the code objects on the call
  stack when it was saved, which tell which receiver wrote it.

The receivers that note tasks and events are connected once, when this module is
imported, and do nothing outside a recording: it lives in a context variable, so only
the thread (or async task) that started it is recorded.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import CodeType
from typing import Any

from django.db.models.signals import post_save

from events.models import Event
from signalkit.testing import Run, trace

# Django's Tasks framework on Django 6.0+, the django-tasks backport on 5.2.
_tasks_signals = import_module(
    "django.tasks.signals" if find_spec("django.tasks") else "django_tasks.signals"
)

#: The task every ``task=`` receiver runs through; its first argument names the receiver.
RUN_RECEIVER = "signalkit.tasks.run_receiver"


@dataclass
class TaskSeen:
    """A ``task=`` receiver's task, as last seen in the block."""

    #: How many traced runs had ended when it was last seen (orders it among them).
    after: int
    #: The Tasks framework's ``TaskResult``: ``args[0]`` is the receiver's dotted path.
    result: Any


@dataclass
class EventSeen:
    """An event saved in the block."""

    #: How many traced runs had ended when it was saved.
    after: int
    event: Event
    #: The code objects on the call stack when it was saved, innermost first.
    stack: tuple[CodeType, ...]


@dataclass
class Recording:
    """What ran in a :func:`recording` block, in the order it happened."""

    #: ``signalkit.testing.Run`` of each receiver that ran, in the order they ended.
    runs: list[Run]
    #: The ``task=`` receivers' tasks, by task id.
    tasks: dict[str, TaskSeen] = field(default_factory=dict)
    events: list[EventSeen] = field(default_factory=list)


_current: ContextVar[Recording | None] = ContextVar("whatran_recording", default=None)


@contextmanager
def recording() -> Iterator[Recording]:
    """Record the receivers, ``task=`` tasks and events of the block."""
    with trace() as runs:
        current = Recording(runs)
        token = _current.set(current)
        try:
            yield current
        finally:
            _current.reset(token)


def _note_event(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    current = _current.get()
    if current is None or not created:
        return
    stack = []
    frame = inspect.currentframe()
    while frame is not None:
        stack.append(frame.f_code)
        frame = frame.f_back
    current.events.append(EventSeen(len(current.runs), instance, tuple(stack)))


def _note_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    current = _current.get()
    if current is None or task_result.task.module_path != RUN_RECEIVER:
        return
    # Enqueued, then (ImmediateBackend) finished: the last sighting places it.
    current.tasks[task_result.id] = TaskSeen(len(current.runs), task_result)


post_save.connect(_note_event, sender=Event, dispatch_uid="mysite.whatran.event")
_tasks_signals.task_enqueued.connect(_note_task, dispatch_uid="mysite.whatran.enqueued")
_tasks_signals.task_finished.connect(_note_task, dispatch_uid="mysite.whatran.finished")
