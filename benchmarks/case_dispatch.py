"""Case 11: one ``post_save`` send to one receiver, without the save around it.

What a receiver costs per call, alone: Django's ``post_save.send()`` with the arguments
a save sends, to a Django receiver, to signalkit's (with and without the re-entrance
guard), and with a false condition tested by ``when=`` and by hand. The per-call figures
under the table are medians of per-round differences, and differences between fastest
runs, divided by the sends of a run.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_save

import signalkit
from benchmarks.bench import receivers
from benchmarks.bench.models import Item
from benchmarks.runner import Case, Contender, Result, excesses

FLOOR = "floor: post_save.send(), no receiver"
DJANGO = "Django receiver"
SK = "signalkit on_post_save"
SK_NO_GUARD = "signalkit on_post_save(reentrant=True): no guard"
DJANGO_IF = "Django receiver testing a false if"
SK_WHEN = "signalkit when= (false)"


def build(scale: float) -> Case:
    sends = max(10, int(2000 * scale))
    instance = Item(pk=1, **{"name": "x", "status": "draft", "quantity": 1})

    def run() -> None:
        send = post_save.send
        for _ in range(sends):
            send(
                sender=Item,
                instance=instance,
                created=False,
                update_fields=None,
                raw=False,
                using="default",
            )

    def django_on(func: Any) -> tuple[Callable[[], object], Callable[[], object]]:
        return (
            lambda: post_save.connect(func, sender=Item),
            lambda: post_save.disconnect(func, sender=Item),
        )

    def signalkit_on(
        **options: Any,
    ) -> tuple[Callable[[], object], Callable[[], object]]:
        return (
            lambda: signalkit.on_post_save(Item, **options)(receivers.count),
            lambda: signalkit.disconnect(receivers.count),
        )

    contenders = [
        Contender(FLOOR, run, expected_calls=0),
        Contender(DJANGO, run, *django_on(receivers.count), expected_calls=sends),
        Contender(SK, run, *signalkit_on(), expected_calls=sends),
        Contender(
            SK_NO_GUARD, run, *signalkit_on(reentrant=True), expected_calls=sends
        ),
        Contender(
            DJANGO_IF,
            run,
            *django_on(receivers.count_if_never),
            expected_calls=0,
            expected_evaluations=sends,
        ),
        Contender(
            SK_WHEN,
            run,
            *signalkit_on(when=receivers.never),
            expected_calls=0,
            expected_evaluations=sends,
        ),
    ]

    def summary(by_name: dict[str, Result]) -> list[str]:
        def median(name: str, reference: str) -> float:
            diffs = excesses(by_name[name], by_name[reference])
            return statistics.median(diffs) / sends * 1e6

        def fastest(name: str, reference: str) -> float:
            return (
                (min(by_name[name].runs) - min(by_name[reference].runs)) / sends * 1e6
            )

        def costs(each: Callable[[str, str], float]) -> str:
            return (
                f"a Django receiver {each(DJANGO, FLOOR):.2f} µs over a send with none; "
                f"signalkit's {each(SK, DJANGO):+.2f} µs over Django's, of which the "
                f"re-entrance guard {each(SK, SK_NO_GUARD):.2f} µs; a false when= "
                f"{each(SK_WHEN, DJANGO_IF):+.2f} µs over the same if written by hand"
            )

        return [
            f"Per call, medians of per-round differences: {costs(median)}.",
            (
                "Per call, between each contender's fastest run (the least disturbed "
                f"by other work on the machine): {costs(fastest)}."
            ),
        ]

    return Case(
        number="11",
        key="dispatch",
        title=f"post_save.send() alone, {sends:,} sends, one receiver",
        contenders=contenders,
        floor=FLOOR,
        notes=[
            (
                "No database: the arguments a save sends, to one receiver. The per-call "
                "figures below are differences of time divided by the sends of a run."
            ),
        ],
        summary=summary,
        repeat=100,
        per_run=sends,
        unit="sends",
    )
