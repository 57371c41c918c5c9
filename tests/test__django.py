"""The entries signalkit writes in ``Signal.receivers`` itself, in Django's format: one per
receiver and sender, in constant time, and nothing left behind (``signalkit._django``)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import _django, registry
from tests.helpers import S, T, recorder

custom = signalkit.Signal()

pytestmark = pytest.mark.usefixtures("undo_connections")


# Many receivers --------------------------------------------------------------------------


def closures(count: int) -> tuple[list[int], list[Callable[..., None]]]:
    hits: list[int] = []
    made = []
    for number in range(count):

        def receive(number: int = number, **kwargs: Any) -> None:
            hits.append(number)

        made.append(receive)
    return hits, made


def test_many_receivers_one_entry_each_and_nothing_left_after() -> None:
    signal = signalkit.Signal()
    hits, funcs = closures(300)
    for func in funcs:
        signalkit.receiver(signal, sender=S)(func)

    assert len(signal.receivers) == 300
    assert len(_django._indexes[signal].keys) == 300
    assert sum(c.signal is signal for c in registry.connections()) == 300
    signal.send(sender=S)
    assert hits == list(range(300))

    for func in funcs:
        assert signalkit.disconnect(func) is True

    assert not signal.has_listeners(S)
    assert signal.receivers == []
    assert not _django._indexes[signal].keys
    assert not [c for c in registry.connections() if c.signal is signal]
    assert not [f for f in funcs if id(f) in registry._by_func]


def test_disconnect_leaves_every_other_entry_in_place() -> None:
    # Disconnecting drops one reference: Django's list is not rebuilt or searched, its
    # entry goes dead, and Django sweeps it out on the next send.
    signal = signalkit.Signal()
    hits, funcs = closures(5)
    for func in funcs:
        signalkit.receiver(signal)(func)
    receivers = signal.receivers
    entries = list(receivers)

    signalkit.disconnect(funcs[2])

    assert signal.receivers is receivers and receivers == entries
    signal.send(sender=None)
    assert hits == [0, 1, 3, 4]
    assert signal.receivers == [e for i, e in enumerate(entries) if i != 2]


def test_disconnect_while_something_else_holds_the_wrapper() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    responses = custom.send(sender=None)  # holds what Django called

    assert signalkit.disconnect(receive) is True

    custom.send(sender=None)
    assert len(calls) == 1
    assert not custom.receivers
    assert responses[0][0] is not None


def test_a_plain_connect_survives_signalkits_disconnect() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    assert custom.disconnect(receive) is True
    custom.connect(receive, weak=False)

    # signalkit removes only what it connected itself.
    assert signalkit.disconnect(receive) is True
    custom.send(sender=None)

    assert len(calls) == 1
    assert custom.disconnect(receive) is True


def test_dispatch_uid_of_a_collected_django_receiver_is_free_again() -> None:
    calls, receive = recorder()

    def make() -> Callable[..., None]:
        def weakly_held(**kwargs: Any) -> None:
            calls.append("gone")  # pragma: no cover - collected before any send

        return weakly_held

    held = make()
    custom.connect(held, dispatch_uid="freed-uid")
    del held
    gc.collect()

    signalkit.receiver(custom, dispatch_uid="freed-uid")(receive)
    custom.send(sender=None)

    assert [c["signal"] for c in calls] == [custom]


def test_signal_subclass_with_its_own_connect_is_called() -> None:
    class Counting(DjangoSignal):
        def __init__(self) -> None:
            super().__init__()
            self.connects = self.disconnects = 0

        def connect(self, *args: Any, **kwargs: Any) -> None:
            self.connects += 1
            super().connect(*args, **kwargs)

        def disconnect(self, *args: Any, **kwargs: Any) -> bool:
            self.disconnects += 1
            return super().disconnect(*args, **kwargs)

    counting = Counting()
    calls, receive = recorder()
    signalkit.receiver(counting, sender=[S, T])(receive)
    counting.send(sender=S)
    signalkit.disconnect(receive)
    counting.send(sender=S)

    assert len(calls) == 1
    assert (counting.connects, counting.disconnects) == (2, 2)
    assert counting.receivers == []
