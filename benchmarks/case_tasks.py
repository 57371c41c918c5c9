"""Case 7: ``save()`` inserts with a ``task=`` receiver.

What ``task=`` adds to a save: serialising the event (the instance's field values, as
JSON) and enqueueing it. Django's ``DummyBackend`` only appends each task to a list, so
with it the row measures signalkit's share plus ``django.tasks``' own enqueue; with
django-tasks-db's ``DatabaseBackend`` (when installed) each event is also an ``INSERT``
into the task table, in the transaction of the save: the outbox.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

import signalkit
from benchmarks import data, environment
from benchmarks.bench import receivers
from benchmarks.bench.models import Item
from benchmarks.runner import Case, Contender, Target

FLOOR = "floor: plain Django, no receiver"
SK_PLAIN = "signalkit on_post_save (runs in the request)"
HAND = "by hand: @receiver + on_commit(task.enqueue(pk)), Dummy"
HAND_AA = "by hand: @receiver + on_commit(task.enqueue(pk)), Dummy, A/A copy"
SK_TASK = "signalkit task=True, DummyBackend"
SK_OUTBOX = "signalkit task='outbox', django-tasks-db (INSERT)"


def available() -> bool:
    """True when a Tasks framework is importable (Django 6.0+, or the backport)."""
    return _task_backends() is not None


def _task_backends() -> Any:
    try:
        from django.tasks import task_backends
    except ImportError:  # Django 5.2
        try:
            from django_tasks import (  # type: ignore[no-redef,import-not-found,unused-ignore]
                task_backends,
            )
        except ImportError:
            return None
    return task_backends


def build(scale: float) -> Case:
    n = max(1, int(100 * scale))
    rows = data.rows(n)

    def inserts() -> None:
        # One transaction per batch for every contender: task= implies on_commit, so the
        # DummyBackend enqueues run at this commit, inside the timing.
        with transaction.atomic():
            for row in rows:
                Item(**row).save()

    def contender(
        name: str,
        connect: Any = None,
        disconnect: Any = None,
        expected: int = 0,
        check: Any = None,
    ) -> Contender:
        def teardown() -> None:
            if disconnect is not None:
                disconnect()
            environment.empty(Item)
            _clear_tasks()

        return Contender(
            name,
            inserts,
            connect or _no_op,
            teardown,
            expected_calls=expected,
            check=check,
        )

    def signalkit_on(func: Any, **options: Any) -> tuple[Any, Any]:
        return (
            lambda: signalkit.on_post_save(Item, **options)(func),
            lambda: signalkit.disconnect(func),
        )

    contenders = [
        contender(FLOOR),
        contender(SK_PLAIN, *signalkit_on(receivers.count), expected=n),
    ]
    notes = [
        (
            f"Each timed run is one batch of {n:,} inserts in one transaction.atomic(), "
            "interleaved with the other contenders' batches. per s is events (saves) per "
            "second; the goal compares whole batches, inserts included."
        ),
    ]
    if available():
        from benchmarks.bench import tasks

        by_hand = (
            lambda: post_save.connect(tasks.enqueue_by_hand, sender=Item),
            lambda: post_save.disconnect(tasks.enqueue_by_hand, sender=Item),
        )
        contenders += [
            contender(HAND, *by_hand, check=_dummy_holds(n)),
            contender(HAND_AA, *by_hand, check=_dummy_holds(n)),
            contender(
                SK_TASK,
                *signalkit_on(receivers.in_background, task=True),
                check=_dummy_holds(n),
            ),
        ]
        notes += [
            (
                "DummyBackend only appends each task to a list (emptied after every run): "
                "its rows measure serialising the event and enqueueing it. task= implies "
                "on_commit, so those enqueues run at the batch's commit, inside the timing. "
                "The task receiver never runs: there is no worker."
            ),
            (
                "The by-hand receiver enqueues a task with the primary key alone, so its row "
                "is what django.tasks itself costs; signalkit sends the instance's values, "
                "so the worker can rebuild it without a query."
            ),
        ]
        if environment.HAS_TASKS_DB:
            contenders.append(
                contender(
                    SK_OUTBOX,
                    *signalkit_on(receivers.in_background, task=environment.OUTBOX),
                    check=_table_holds(n),
                )
            )
            notes.append(
                "django-tasks-db's DatabaseBackend is an outbox: signalkit inserts each "
                "task row at the save, inside the batch's transaction, not after the commit."
            )
        else:
            notes.append(
                "django-tasks-db is not installed: its outbox contender was skipped "
                "(pip install -r benchmarks/requirements.txt)."
            )
    else:
        notes.append(
            "No Tasks framework (Django 5.2 without django-tasks): the task= contenders "
            "were skipped."
        )
    return Case(
        number="7",
        key="tasks",
        title=f"save() inserts in batches of {n:,}, task= receiver",
        contenders=contenders,
        floor=FLOOR,
        targets=[
            Target(SK_TASK, HAND, 1.10, "<=1.10x", goal="task= receiver per event"),
            Target(HAND_AA, HAND, None, "noise", goal="A/A control: task="),
        ],
        notes=notes,
        setup=_empty_tables,
        repeat=100,
        per_run=n,
        unit="events",
        comparisons=[(SK_TASK, SK_PLAIN), (SK_OUTBOX, SK_TASK)],
    )


def _dummy() -> Any:
    return _task_backends()["default"]


def _dummy_holds(n: int) -> Any:
    def check() -> str | None:
        count = len(_dummy().results)
        return None if count == n else f"{count} tasks enqueued, expected {n}"

    return check


def _table_holds(n: int) -> Any:
    def check() -> str | None:
        from django_tasks_db.models import DBTaskResult

        count = DBTaskResult.objects.count()
        return None if count == n else f"{count} task rows, expected {n}"

    return check


def _clear_tasks() -> None:
    # Keeps memory bounded: DummyBackend would otherwise hold every task of every run.
    if available():
        _dummy().results.clear()
    if environment.HAS_TASKS_DB:
        from django_tasks_db.models import DBTaskResult

        environment.empty(DBTaskResult)


def _empty_tables() -> None:
    environment.empty(Item)
    _clear_tasks()


def _no_op() -> None:
    return None
