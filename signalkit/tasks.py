"""The one task every ``task=`` receiver runs through, in the worker.

It is a module-level ``django.tasks`` task, so any Tasks backend can import it by its
dotted path (queues store that path: it must not move). It runs the receiver an event
names only if this project connected it with ``task=`` (:mod:`signalkit.worker`).
"""

from __future__ import annotations

from typing import Any

from signalkit import conf, tasks_compat, worker

tasks_compat.require()


def _default_alias() -> str:
    alias = conf.get("TASK_BACKEND")
    return "default" if alias == "celery" else str(alias)


@tasks_compat.task(backend=_default_alias())
def run_receiver(receiver_path: str, event: dict[str, Any]) -> None:
    """Run one background receiver for one signal event."""
    worker.run(receiver_path, event)
