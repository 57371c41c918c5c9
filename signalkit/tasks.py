"""The one task every ``task=`` receiver runs through, in the worker.

``signalkit.tasks.run_receiver`` is a module-level ``django.tasks`` task, so any Tasks
backend can import it by its dotted path (queues store that path: it must not move). It
runs the receiver an event names only if this project connected it with ``task=``
(:mod:`signalkit.worker`).

The task is made the first time it is looked up, not when this module is imported:
making it validates it against a configured backend, which reads the settings.
"""

from __future__ import annotations

from typing import Any

from signalkit import conf, tasks_compat, worker
from signalkit.options import CELERY


def _run_receiver(receiver_path: str, payload: str) -> None:
    """Run one background receiver for one signal event (its JSON string)."""
    worker.run(receiver_path, payload)


# The task's path is that of its function: signalkit.tasks.run_receiver.
_run_receiver.__name__ = _run_receiver.__qualname__ = "run_receiver"


def __getattr__(name: str) -> Any:
    if name != "run_receiver":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    alias = conf.get("TASK_BACKEND")
    made = tasks_compat.task(backend="default" if alias == CELERY else str(alias))(
        _run_receiver
    )
    globals()["run_receiver"] = made
    return made
