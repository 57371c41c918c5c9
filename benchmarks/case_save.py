"""Case 1: ``save()`` inserts with one receiver."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver as django_receiver

import signalkit
from benchmarks import data, environment
from benchmarks.bench import receivers
from benchmarks.bench.models import DirtyItem, Item, LifecycleItem, TrackerOne
from benchmarks.runner import Case, Contender, Target

DJANGO = "plain Django @receiver(post_save)"
DJANGO_AA = "plain Django @receiver(post_save), A/A copy"
DJANGO_IF = "plain Django @receiver testing the same if (false)"
SK_PLAIN = "signalkit on_post_save"
SK_WHEN = "signalkit when= (false)"


def build(scale: float) -> Case:
    n = max(1, int(100 * scale))
    rows = data.rows(n)

    def inserts(model: Any) -> Any:
        def run() -> None:
            # One transaction per batch for every contender: on_commit=True receivers run
            # at its commit, inside the timing.
            with transaction.atomic():
                for row in rows:
                    model(**row).save()

        return run

    def contender(
        name: str,
        model: Any,
        connect: Any = None,
        disconnect: Any = None,
        expected: int | None = n,
        evaluated: int | None = None,
    ) -> Contender:
        def teardown() -> None:
            if disconnect is not None:
                disconnect()
            environment.empty(model)

        return Contender(
            name,
            inserts(model),
            connect or _no_op,
            teardown,
            expected,
            expected_evaluations=evaluated,
        )

    def django_on(model: Any, func: Any = receivers.count) -> tuple[Any, Any]:
        return (
            lambda: django_receiver(post_save, sender=model)(func),
            lambda: post_save.disconnect(func, sender=model),
        )

    def signalkit_on(**options: Any) -> tuple[Any, Any]:
        return (
            lambda: signalkit.on_post_save(Item, **options)(receivers.count),
            lambda: signalkit.disconnect(receivers.count),
        )

    contenders = [
        contender("floor: plain Django, no receiver", Item, expected=0),
        contender(DJANGO, Item, *django_on(Item)),
        contender(DJANGO_AA, Item, *django_on(Item)),
        contender(SK_PLAIN, Item, *signalkit_on()),
        contender("signalkit created=True", Item, *signalkit_on(created=True)),
        contender(
            DJANGO_IF,
            Item,
            *django_on(Item, receivers.count_if_never),
            expected=0,
            evaluated=n,
        ),
        contender(
            SK_WHEN,
            Item,
            *signalkit_on(when=receivers.never),
            expected=0,
            evaluated=n,
        ),
        contender("signalkit on_commit=True", Item, *signalkit_on(on_commit=True)),
        contender("signalkit robust=True", Item, *signalkit_on(robust=True)),
        contender("django-lifecycle @hook(AFTER_CREATE)", LifecycleItem),
        contender(
            "model-utils FieldTracker(status) + @receiver",
            TrackerOne,
            *django_on(TrackerOne),
        ),
        contender("dirtyfields + @receiver", DirtyItem, *django_on(DirtyItem)),
    ]
    return Case(
        number="1",
        key="save",
        title=f"save() inserts in batches of {n:,}, one receiver",
        contenders=contenders,
        floor=contenders[0].name,
        targets=[
            Target(
                SK_PLAIN,
                DJANGO,
                1.01,
                "<=1.01x",
                goal="insert, one receiver, no options",
            ),
            Target(SK_WHEN, DJANGO_IF, 1.00, "<=1.00x", goal="insert, when= false"),
            Target(DJANGO_AA, DJANGO, None, "noise", goal="A/A control: insert"),
        ],
        notes=[
            (
                f"Each timed run is one batch of {n:,} inserts, interleaved with the other "
                "contenders' batches."
            ),
            (
                "The two when= rows count the predicate's evaluations: one per insert, or "
                "the row is flagged (a receiver that is not connected is not cheap, it is "
                "absent)."
            ),
            (
                "Each batch of inserts runs in one transaction.atomic() for every contender "
                "(on_commit receivers run at its commit, inside the timing)."
            ),
            (
                "FieldTracker and dirtyfields have no receivers of their own: they get the same "
                "plain Django @receiver, so their row shows what tracking adds to it."
            ),
        ],
        setup=_empty_tables,
        repeat=150,
        per_run=n,
        unit="inserts",
    )


def _empty_tables() -> None:
    for model in (Item, LifecycleItem, TrackerOne, DirtyItem):
        environment.empty(model)


def _no_op() -> None:
    return None
