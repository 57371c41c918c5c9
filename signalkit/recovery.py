"""Putting back in the queue the events a killed ``db_worker`` left ``RUNNING``.

``django-tasks-db`` marks a task ``RUNNING`` when a worker claims it and records the
outcome when it ends. A worker killed in between (``kill -9``, out of memory, a lost
machine) records nothing, and no worker claims a ``RUNNING`` task again. Requeueing it
makes the event run again: at least once, so a receiver may see it twice.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.conf import settings
from django.utils import timezone

from signalkit import tasks_compat

#: The dotted path queues store for signalkit's task (``signalkit.tasks.run_receiver``).
TASK_PATH = "signalkit.tasks.run_receiver"


def stuck(older_than: float, backend: str | None = None) -> Any:
    """signalkit's ``django-tasks-db`` tasks ``RUNNING`` for more than ``older_than`` seconds.

    ``backend`` limits them to one ``TASKS`` alias. Raise ``ValueError`` for a negative
    or non-finite ``older_than``, or a ``backend`` that is not a ``DatabaseBackend``.
    """
    if not (isinstance(older_than, (int, float)) and math.isfinite(older_than)) or (
        older_than < 0
    ):
        raise ValueError(
            f"older_than must be a number of seconds, 0 or more, not {older_than!r}."
        )
    if backend is not None:
        if backend not in getattr(settings, "TASKS", {}):
            raise ValueError(f"{backend!r} is not an alias of settings.TASKS.")
        if not tasks_compat.is_database_backend(backend):
            raise ValueError(
                f"The Tasks backend {backend!r} is not django-tasks-db's DatabaseBackend: "
                f"only its tasks can be left RUNNING by a killed db_worker."
            )
    from django.db.models import Q
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(seconds=older_than)
    found_tasks = DBTaskResult.objects.filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True),
        status=TaskResultStatus.RUNNING,
        task_path=TASK_PATH,
    )
    if backend is not None:
        found_tasks = found_tasks.filter(backend_name=backend)
    return found_tasks


def requeue(older_than: float, backend: str | None = None) -> int:
    """Make the :func:`stuck` tasks ``READY`` again; return how many there were.

    One ``UPDATE`` whose condition includes ``RUNNING``: a task that finishes meanwhile
    keeps its outcome.
    """
    from django_tasks_db.compat import TaskResultStatus

    count: int = stuck(older_than, backend).update(
        status=TaskResultStatus.READY, started_at=None
    )
    return count
