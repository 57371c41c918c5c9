"""Contract section 8: ``signalkit.testing.trace()`` records the receivers that ran."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.dispatch import Signal

import signalkit
from signalkit.testing import (
    Run,
    mute,
    trace,
)
from tests.helpers import Boom, Recorder, connected, wrapper_of
from tests.testapp.models import Author

ping = signalkit.Signal()
plain = Signal()

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")

# trace ---------------------------------------------------------------------------------


def test_trace_records_plain_and_signalkit_receivers() -> None:
    recorder = Recorder()

    @signalkit.receiver(plain)
    def mine(sender: Any, **kwargs: Any) -> str:
        return "mine"

    with connected(plain, recorder), trace() as runs:
        responses = plain.send(sender="s", value=1)

    assert [(r.signal, r.receiver, r.sender, r.exception) for r in runs] == [
        (plain, mine, "s", None),
        (plain, recorder, "s", None),
    ]
    assert all(isinstance(r, Run) and r.seconds >= 0 for r in runs)
    # send() still answers with the receivers Django called, not tracing wrappers.
    assert responses == [(wrapper_of(mine), "mine"), (recorder, "plain")]


def test_trace_records_exceptions() -> None:
    error = Boom("no")

    def fails(**kwargs: Any) -> None:
        raise error

    with connected(plain, fails):
        with trace() as runs, pytest.raises(Boom):
            plain.send(sender="s")
        [run] = runs
        assert run.receiver is fails
        assert run.exception is error

        with trace() as runs:
            responses = plain.send_robust(sender="s")
        assert responses == [(fails, error)]
        assert runs[0].exception is error


def test_trace_records_async_receivers() -> None:
    @signalkit.receiver(plain)
    async def mine(sender: Any, **kwargs: Any) -> str:
        return "mine"

    async def plain_async(sender: Any, **kwargs: Any) -> None:
        raise Boom

    with connected(plain, plain_async), trace() as runs:
        plain.send_robust(sender="sync send")
        responses = async_to_sync(plain.asend_robust)(sender="async send")

    assert {(r.receiver, r.sender) for r in runs} == {
        (mine, "sync send"),
        (plain_async, "sync send"),
        (mine, "async send"),
        (plain_async, "async send"),
    }
    assert {type(r.exception) for r in runs} == {type(None), Boom}
    assert responses[0] == (wrapper_of(mine), "mine")


def test_trace_skips_muted_receivers() -> None:
    recorder = Recorder()
    with (
        connected(plain, recorder),
        connected(ping, recorder),
        trace() as runs,
        mute(plain),
    ):
        plain.send(sender="muted")
        ping.send(sender="live")
    assert [(r.signal, r.sender) for r in runs] == [(ping, "live")]


def test_trace_records_nested_sends() -> None:
    @signalkit.receiver(ping)
    def outer(sender: Any, **kwargs: Any) -> None:
        plain.send(sender="inner")

    @signalkit.receiver(plain)
    def inner(sender: Any, **kwargs: Any) -> None:
        pass

    with trace() as runs:
        ping.send(sender="outer")
    # Each run is recorded when its receiver returns.
    assert [(r.receiver, r.sender) for r in runs] == [
        (inner, "inner"),
        (outer, "outer"),
    ]


def test_trace_is_thread_local() -> None:
    recorder = Recorder()
    with connected(plain, recorder), trace() as runs:
        thread = threading.Thread(target=plain.send, kwargs={"sender": "thread"})
        thread.start()
        thread.join()
        plain.send(sender="main")
    assert [r.sender for r in runs] == ["main"]
    assert recorder.senders == ["thread", "main"]


def test_trace_stops_at_the_end_of_the_block() -> None:
    recorder = Recorder()
    with connected(plain, recorder):
        with trace() as runs:
            plain.send(sender="in")
        plain.send(sender="out")
    assert [r.sender for r in runs] == ["in"]


def test_trace_keeps_what_ran_while_the_list_is_kept() -> None:
    # Documented: a Run holds its receiver and sender strongly, so a weakly connected
    # receiver that ran is collected only once the list is dropped.
    def make() -> Callable[..., None]:
        def weakly_held(**kwargs: Any) -> None:
            pass

        return weakly_held

    class Sender:
        pass

    receiver, sender = make(), Sender()
    plain.connect(receiver)  # Django's default: weak
    receiver_ref, sender_ref = weakref.ref(receiver), weakref.ref(sender)
    with trace() as runs:
        plain.send(sender=sender)
        del receiver, sender
        gc.collect()
        assert receiver_ref() is runs[0].receiver
        assert sender_ref() is runs[0].sender

    del runs
    gc.collect()
    assert (receiver_ref(), sender_ref()) == (None, None)
    assert not plain.has_listeners()


def test_trace_keeps_nothing_after_the_block_but_the_list() -> None:
    def make() -> Callable[..., None]:
        def weakly_held(**kwargs: Any) -> None:
            pass

        return weakly_held

    receiver = make()
    signalkit.receiver(plain, weak=True)(receiver)
    receiver_ref = weakref.ref(receiver)
    with trace():
        plain.send(sender="a")
    del receiver
    gc.collect()

    assert receiver_ref() is None
    assert not plain.has_listeners()


@pytest.mark.django_db
def test_trace_leaves_out_signalkit_receivers_whose_condition_is_false() -> None:
    @signalkit.on_post_save(Author, created=False)
    def on_update(sender: Any, **kwargs: Any) -> None: ...

    with trace() as runs:
        author = Author.objects.create(name="new")
    assert [r.receiver for r in runs if r.receiver is on_update] == []
    with trace() as runs:
        author.save()
    assert [r.receiver for r in runs if r.receiver is on_update] == [on_update]


@pytest.mark.django_db(transaction=True)
def test_trace_records_on_commit_receivers_when_they_run() -> None:
    ran: list[str] = []

    @signalkit.on_post_save(Author, on_commit=True)
    def later(sender: Any, **kwargs: Any) -> None:
        ran.append("later")

    with trace() as runs, transaction.atomic():
        Author.objects.create(name="a")
        assert [r for r in runs if r.receiver is later] == []
    assert ran == ["later"]
    assert [r.receiver for r in runs if r.receiver is later] == [later]
