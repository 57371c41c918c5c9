"""Case 9: disconnecting 1,000 receivers of ``post_save``, Django's against signalkit's.

Each run connects the receivers first (untimed, in the contender's setup), then times
their disconnection: in the order they were connected, and in the reverse order (as a
stack of test fixtures undoes them). Django's ``disconnect()`` scans its list for the
receiver, so the order decides its cost; both are goals. After the run no receiver may be
left for the sender.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_save

import signalkit
from benchmarks.bench.models import Item
from benchmarks.runner import Case, Contender, Target

DJANGO = "Django post_save.disconnect(func, sender=)"
DJANGO_AA = "Django post_save.disconnect(func, sender=), A/A copy"
SIGNALKIT = "signalkit.disconnect(func)"
DJANGO_REVERSED = "Django post_save.disconnect(func, sender=), reverse order"
SIGNALKIT_REVERSED = "signalkit.disconnect(func), reverse order"


def _make_receiver() -> Callable[..., None]:
    def receiver(sender: Any, **kwargs: Any) -> None:
        return None

    return receiver


def _none_left() -> str | None:
    if post_save.has_listeners(Item):
        return "receivers are still connected after the run"
    return None


def _live() -> int:
    # One response per receiver a send reaches: Django's public way to count them.
    return len(
        post_save.send(
            sender=Item,
            instance=None,
            created=False,
            update_fields=None,
            raw=False,
            using="default",
        )
    )


def _connecting(connect: Callable[[], None], n: int) -> Callable[[], None]:
    """``connect``, checked: it must connect ``n`` more receivers for the model, or the
    run would time the disconnection of nothing."""

    def setup() -> None:
        before = _live()
        connect()
        added = _live() - before
        if added != n:
            raise AssertionError(f"{added} receivers connected, expected {n}")

    return setup


def build(scale: float) -> Case:
    n = max(10, int(1000 * scale))
    # Distinct functions, held here: Django holds receivers weakly by default.
    funcs = [_make_receiver() for _ in range(n)]

    def django_connect() -> None:
        for func in funcs:
            post_save.connect(func, sender=Item)

    def django_disconnect(order: list[Any]) -> Callable[[], None]:
        def run() -> None:
            for func in order:
                post_save.disconnect(func, sender=Item)

        return run

    def signalkit_connect() -> None:
        for func in funcs:
            signalkit.on_post_save(Item)(func)

    def signalkit_disconnect(order: list[Any]) -> Callable[[], None]:
        def run() -> None:
            for func in order:
                signalkit.disconnect(func)

        return run

    django_setup = _connecting(django_connect, n)
    signalkit_setup = _connecting(signalkit_connect, n)
    backwards = funcs[::-1]
    contenders = [
        Contender(DJANGO, django_disconnect(funcs), django_setup, check=_none_left),
        Contender(DJANGO_AA, django_disconnect(funcs), django_setup, check=_none_left),
        Contender(
            SIGNALKIT, signalkit_disconnect(funcs), signalkit_setup, check=_none_left
        ),
        Contender(
            DJANGO_REVERSED,
            django_disconnect(backwards),
            django_setup,
            check=_none_left,
        ),
        Contender(
            SIGNALKIT_REVERSED,
            signalkit_disconnect(backwards),
            signalkit_setup,
            check=_none_left,
        ),
    ]
    return Case(
        number="9",
        key="disconnect",
        title=f"disconnect {n:,} post_save receivers of one model",
        contenders=contenders,
        floor=DJANGO,
        targets=[
            Target(SIGNALKIT, DJANGO, 2.0, "<=2x", goal=f"disconnect {n:,} receivers"),
            Target(
                SIGNALKIT_REVERSED,
                DJANGO_REVERSED,
                2.0,
                "<=2x",
                goal=f"disconnect {n:,} receivers, reverse order",
            ),
            Target(DJANGO_AA, DJANGO, None, "noise", goal="A/A control: disconnect"),
        ],
        notes=[
            (
                f"Each run disconnects {n:,} receivers connected before it (untimed), in "
                "the order they were connected or in reverse; none may be left after it. "
                "Django scans its list of receivers for each: in reverse order the whole "
                "list every time."
            ),
        ],
        repeat=15,
        per_run=n,
        unit="disconnects",
    )
