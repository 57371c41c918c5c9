"""Contract section 8: signalkit.testing's capture, assert_sent, assert_not_sent, mute and
trace, and the dispatch hook under them."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import factory
import pytest
from asgiref.sync import async_to_sync
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal
from django.test import override_settings

import signalkit
from signalkit import _testing_signal_patch, registry
from signalkit.testing import (
    Call,
    Muted,
    Run,
    assert_not_sent,
    assert_sent,
    capture,
    mute,
    trace,
)
from tests.sk_support import connections_undone
from tests.testapp import signals as testapp_signals
from tests.testapp.models import Author, Book, FamousAuthor, Tag

ROOT = Path(__file__).resolve().parent.parent

ping = signalkit.Signal()
plain = Signal()
cached = Signal(use_caching=True)
lonely = Signal()  # never has a receiver


class Boom(Exception):
    """The error the failing receivers raise."""


@pytest.fixture(autouse=True)
def _undo_connections() -> Iterator[None]:
    with connections_undone():
        yield
    # No helper may outlive its block.
    assert _testing_signal_patch.active() == ()


@contextmanager
def connected(
    signal: Signal, receiver: Callable[..., Any], sender: Any = None
) -> Iterator[None]:
    """A plain Django connection for the block."""
    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield
    finally:
        signal.disconnect(receiver, sender=sender)


class Recorder:
    """A plain receiver that notes the sender of each call."""

    def __init__(self) -> None:
        self.senders: list[Any] = []

    def __call__(self, sender: Any, **kwargs: Any) -> str:
        self.senders.append(sender)
        return "plain"


def wrapper_of(func: Callable[..., Any]) -> Callable[..., Any]:
    [conn] = [c for c in registry.connections() if c.func is func]
    return conn.wrapper


# capture -------------------------------------------------------------------------------


def test_capture_records_sender_and_kwargs() -> None:
    with capture(ping) as calls:
        ping.send(sender="a", value=1)
        ping.send_robust(sender="b", value=2)

    assert calls == [Call("a", {"value": 1}), Call("b", {"value": 2})]
    assert calls[0].sender == "a"
    assert calls[0].kwargs == {"value": 1}
    assert "signal" not in calls[0].kwargs


def test_capture_records_async_sends() -> None:
    with capture(ping) as calls:
        async_to_sync(ping.asend)(sender="a", value=1)
        async_to_sync(ping.asend_robust)(sender="b", value=2)

    assert calls == [Call("a", {"value": 1}), Call("b", {"value": 2})]


def test_capture_filters_by_sender() -> None:
    with capture(ping, sender=Author) as calls:
        ping.send(sender=Author, value=1)
        ping.send(sender=Book, value=2)
        ping.send(sender=FamousAuthor, value=3)  # as Django: exact sender only

    assert calls == [Call(Author, {"value": 1})]


def test_capture_takes_a_lazy_sender() -> None:
    with capture(ping, sender="testapp.author") as calls:
        ping.send(sender=Author, value=1)
        ping.send(sender=Book, value=2)

    assert calls == [Call(Author, {"value": 1})]


def test_capture_rejects_an_unknown_lazy_sender() -> None:
    with (
        pytest.raises(ValueError, match=r"'testapp\.Nope' names no installed model"),
        capture(ping, sender="testapp.Nope"),
    ):
        pass  # pragma: no cover


def test_capture_rejects_what_is_not_a_signal() -> None:
    with pytest.raises(TypeError, match=r"capture\(\) takes a signal"):
        capture(print).__enter__()  # type: ignore[arg-type]


def test_capture_records_sends_without_receivers() -> None:
    # Signal.send() returns early when nothing is connected; the send is still made.
    assert not lonely.receivers
    with capture(lonely) as calls:
        lonely.send(sender=None, value=1)
    assert calls == [Call(None, {"value": 1})]


def test_capture_records_sends_a_cached_signal_knows_nobody_hears() -> None:
    other = Recorder()
    with connected(cached, other, sender=Book):
        cached.send(sender=Author)  # caches NO_RECEIVERS for Author
        with capture(cached) as calls:
            cached.send(sender=Author, value=1)
    assert calls == [Call(Author, {"value": 1})]


def test_capture_records_sends_whose_receivers_are_muted() -> None:
    recorder = Recorder()
    with connected(plain, recorder), mute(plain), capture(plain) as calls:
        plain.send(sender="s", value=1)

    assert calls == [Call("s", {"value": 1})]
    assert recorder.senders == []


def test_capture_stops_at_the_end_of_the_block() -> None:
    with capture(ping) as calls:
        ping.send(sender="in")
    ping.send(sender="out")
    assert calls == [Call("in", {})]


def test_nested_captures_both_record() -> None:
    with capture(ping) as outer:
        ping.send(sender="first")
        with capture(ping) as inner:
            ping.send(sender="second")
    assert [c.sender for c in outer] == ["first", "second"]
    assert [c.sender for c in inner] == ["second"]


def test_capture_records_nested_sends_in_send_order() -> None:
    signalkit.receiver(ping)(lambda sender, **kw: plain.send(sender="inner"))
    with capture(ping) as pings, capture(plain) as plains:
        ping.send(sender="outer")
    assert pings == [Call("outer", {})]
    assert plains == [Call("inner", {})]


def test_capture_is_thread_local() -> None:
    with capture(ping) as calls:
        thread = threading.Thread(target=ping.send, kwargs={"sender": "thread"})
        thread.start()
        thread.join()
        ping.send(sender="main")
    assert calls == [Call("main", {})]


def test_capture_counts_as_a_listener() -> None:
    assert not lonely.has_listeners()
    with capture(lonely):
        assert lonely.has_listeners()
        assert lonely.has_listeners(Author)
    with capture(lonely, sender=Author):
        assert lonely.has_listeners(Author)
        assert not lonely.has_listeners(Book)
    assert not lonely.has_listeners()


@pytest.mark.django_db
def test_capture_sees_the_delete_signals_of_a_fast_delete() -> None:
    # Nothing listens to Tag's deletes, so Django would delete it without any signal.
    assert not post_delete.has_listeners(Tag)
    tag = Tag.objects.create(name="t")
    with capture(post_delete, sender=Tag) as calls:
        tag.delete()
    [call] = calls
    assert call.sender is Tag
    assert call.kwargs["instance"] is tag


# assert_sent ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_assert_sent_passes() -> None:
    with assert_sent(post_save, sender=Author, created=True) as matching:
        author = Author.objects.create(name="Ann")
        author.save()
    [call] = matching
    assert call.kwargs["instance"] is author


def test_assert_sent_with_any_sender_and_no_kwargs() -> None:
    with assert_sent(ping):
        ping.send(sender="x", value=1)


def test_assert_sent_takes_a_lazy_sender() -> None:
    with assert_sent(ping, sender="testapp.Author", value=1):
        ping.send(sender=Author, value=1)


def test_assert_sent_fails_when_nothing_was_sent() -> None:
    with (
        pytest.raises(AssertionError) as info,
        assert_sent(ping, sender=Author, value=1),
    ):
        pass
    assert str(info.value) == (
        "tests.test_testing.ping was not sent with sender=testapp.Author, value=1.\n"
        "It was not sent at all in the block."
    )


def test_assert_sent_fails_listing_what_was_sent() -> None:
    with (
        pytest.raises(AssertionError) as info,
        assert_sent(ping, sender=Author, value=1, extra="x"),
    ):
        ping.send(sender=Author, value=2, extra="x")
        ping.send(sender=Book, value=1, extra="x")
        ping.send(sender=Author, value=1)
    assert str(info.value) == (
        "tests.test_testing.ping was not sent with sender=testapp.Author, value=1, "
        "extra='x'.\n"
        "It was sent 3 times in the block:\n"
        "  1. sender=testapp.Author, value=2, extra='x'\n"
        "     - value: expected 1, got 2\n"
        "  2. sender=testapp.Book, value=1, extra='x'\n"
        "     - sender: expected testapp.Author, got testapp.Book\n"
        "  3. sender=testapp.Author, value=1\n"
        "     - extra: expected 'x', but it was not sent"
    )


@pytest.mark.django_db
def test_assert_sent_failure_names_django_signals_by_path() -> None:
    with (
        pytest.raises(AssertionError) as info,
        assert_sent(post_save, sender=Author, created=False),
    ):
        Author.objects.create(name="Ann")
    message = str(info.value)
    assert message.startswith(
        "django.db.models.signals.post_save was not sent with sender=testapp.Author, "
        "created=False.\nIt was sent once in the block:\n"
        "  1. sender=testapp.Author, instance=<Author: Author object ("
    )
    assert "created=True, update_fields=None, raw=False, using='default'" in message
    assert message.endswith("     - created: expected False, got True")


def test_assert_sent_failure_shortens_long_values_and_lists() -> None:
    with pytest.raises(AssertionError) as info, assert_sent(ping, value=0):
        for number in range(12):
            ping.send(sender=None, value="v" * 200 if number == 0 else number)
    lines = str(info.value).splitlines()
    assert lines[1] == "It was sent 12 times in the block:"
    assert len(lines[2]) < 120
    assert "..." in lines[2]
    assert lines[-1] == "  ... and 2 more."
    assert "sender=None, value=9" in lines[-3]


def test_assert_sent_lets_the_blocks_exception_through() -> None:
    with pytest.raises(Boom), assert_sent(ping):
        raise Boom


def test_assert_sent_rejects_what_is_not_a_signal() -> None:
    with pytest.raises(TypeError, match=r"assert_sent\(\) takes a signal"):
        assert_sent("post_save").__enter__()  # type: ignore[arg-type]


def test_assert_sent_fills_the_matching_list_when_the_block_ends() -> None:
    with assert_sent(ping, value=1) as matching:
        ping.send(sender="a", value=1)
        ping.send(sender="b", value=2)
        assert matching == []
    assert matching == [Call("a", {"value": 1})]


# assert_not_sent -----------------------------------------------------------------------


def test_assert_not_sent_passes() -> None:
    with assert_not_sent(ping, sender=Author, value=1) as matching:
        ping.send(sender=Book, value=1)
        ping.send(sender=Author, value=2)
    assert matching == []


def test_assert_not_sent_fails_listing_the_matching_sends() -> None:
    with pytest.raises(AssertionError) as info, assert_not_sent(ping, sender=Author):
        ping.send(sender=Author, value=1)
        ping.send(sender=Book, value=2)
    assert str(info.value) == (
        "tests.test_testing.ping was sent once with sender=testapp.Author, but should "
        "not have been:\n"
        "  1. sender=testapp.Author, value=1"
    )


def test_assert_not_sent_fails_for_any_send() -> None:
    with pytest.raises(AssertionError) as info, assert_not_sent(ping):
        ping.send(sender=None)
        ping.send(sender="x", value=1)
    assert str(info.value) == (
        "tests.test_testing.ping was sent 2 times, but should not have been:\n"
        "  1. sender=None\n"
        "  2. sender='x', value=1"
    )


@pytest.mark.django_db
def test_assert_not_sent_sees_a_fast_delete() -> None:
    tag = Tag.objects.create(name="t")
    with (
        pytest.raises(
            AssertionError, match=r"post_delete was sent once with sender=testapp\.Tag"
        ),
        assert_not_sent(post_delete, sender=Tag),
    ):
        tag.delete()


def test_assert_not_sent_lets_the_blocks_exception_through() -> None:
    with pytest.raises(Boom), assert_not_sent(ping):
        ping.send(sender=None)
        raise Boom


def test_assertions_record_while_muted() -> None:
    with mute(), assert_sent(ping, value=1):
        ping.send(sender=None, value=1)


# mute ----------------------------------------------------------------------------------


def test_mute_silences_plain_and_signalkit_receivers() -> None:
    recorder = Recorder()
    seen: list[Any] = []
    signalkit.receiver(plain)(lambda sender, **kw: seen.append(sender))
    with connected(plain, recorder):
        with mute(plain):
            assert plain.send(sender="muted") == []
            assert plain.send_robust(sender="muted") == []
            assert async_to_sync(plain.asend)(sender="muted") == []
            assert async_to_sync(plain.asend_robust)(sender="muted") == []
        plain.send(sender="live")
    assert recorder.senders == ["live"]
    assert seen == ["live"]


def test_mute_leaves_other_signals_alone() -> None:
    pings = Recorder()
    plains = Recorder()
    with connected(ping, pings), connected(plain, plains), mute(plain):
        ping.send(sender="a")
        plain.send(sender="b")
    assert pings.senders == ["a"]
    assert plains.senders == []


def test_mute_several_signals() -> None:
    pings = Recorder()
    plains = Recorder()
    with connected(ping, pings), connected(plain, plains), mute(ping, plain):
        ping.send(sender="a")
        plain.send(sender="b")
    assert pings.senders == plains.senders == []


def test_mute_for_one_sender() -> None:
    recorder = Recorder()
    with connected(plain, recorder):
        with mute(plain, sender=Author):
            plain.send(sender=Author)
            plain.send(sender=Book)
        with mute(plain, sender="testapp.Book"):
            plain.send(sender=Author)
            plain.send(sender=Book)
        with mute(sender=Book):
            plain.send(sender=Author)
            plain.send(sender=Book)
    assert recorder.senders == [Book, Author, Author]


def test_mute_without_signals_mutes_every_signal() -> None:
    pings = Recorder()
    plains = Recorder()
    with connected(ping, pings), connected(plain, plains), mute():
        ping.send(sender="a")
        plain.send(sender="b")
    assert pings.senders == plains.senders == []


def test_mute_without_signals_spares_djangos_framework_signals() -> None:
    seen = Recorder()
    with connected(setting_changed, seen), mute():
        # override_settings relies on setting_changed receivers to reset caches.
        with override_settings(SIGNALKIT_TESTING_FLAG=True):
            pass
        assert len(seen.senders) == 2  # set and reset
        # Named, it is muted like any other.
        with mute(setting_changed), override_settings(SIGNALKIT_TESTING_FLAG=True):
            pass
        assert len(seen.senders) == 2


def test_mute_spares_template_rendered_once_django_test_is_loaded() -> None:
    from django.test.signals import template_rendered

    seen = Recorder()
    with connected(template_rendered, seen), mute():
        template_rendered.send(sender="t", template=None, context=None)
    assert seen.senders == ["t"]


def test_mute_rejects_what_is_not_a_signal() -> None:
    with pytest.raises(TypeError, match=r"mute\(\) takes signals, not 'post_save'\.$"):
        mute("post_save")  # type: ignore[arg-type]


def test_bare_mute_decorator_is_refused_with_a_hint() -> None:
    def job() -> None:
        pass  # pragma: no cover

    with pytest.raises(TypeError, match=r"decorate with @mute\(\) rather than @mute"):
        mute(job)  # type: ignore[arg-type]


def test_mute_rejects_a_class() -> None:
    with pytest.raises(
        TypeError, match="mute\\(\\) decorates functions, not the class"
    ):

        @mute(plain)
        class Tests:
            pass


def test_mute_rejects_a_generator_function() -> None:
    with pytest.raises(TypeError, match="cannot decorate the generator function"):

        @mute(plain)
        def numbers() -> Iterator[int]:
            yield 1  # pragma: no cover


def test_mute_nests_and_restores() -> None:
    pings = Recorder()
    plains = Recorder()
    with connected(ping, pings), connected(plain, plains):
        with mute(ping):
            with mute(plain):
                ping.send(sender=1)
                plain.send(sender=1)
            ping.send(sender=2)
            plain.send(sender=2)
            with mute(ping):
                pass
            ping.send(sender=3)
        ping.send(sender=4)
        plain.send(sender=4)
    assert pings.senders == [4]
    assert plains.senders == [2, 4]


def test_mute_survives_exceptions() -> None:
    recorder = Recorder()
    with connected(plain, recorder):
        with pytest.raises(Boom), mute(plain):
            raise Boom
        plain.send(sender="after")
    assert recorder.senders == ["after"]


def test_mute_blocks_may_end_out_of_order() -> None:
    pings = Recorder()
    plains = Recorder()
    first, second = mute(ping), mute(plain)
    with connected(ping, pings), connected(plain, plains):
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        ping.send(sender="a")
        plain.send(sender="a")
        second.__exit__(None, None, None)
        second.__exit__(None, None, None)  # a stray exit changes nothing
        plain.send(sender="b")
    assert pings.senders == ["a"]
    assert plains.senders == ["b"]


def test_one_mute_object_nests() -> None:
    recorder = Recorder()
    muted = mute(plain)
    with connected(plain, recorder):
        with muted:
            with muted:
                plain.send(sender=1)
            plain.send(sender=2)
        plain.send(sender=3)
    assert recorder.senders == [3]


def test_mute_decorates_a_function() -> None:
    recorder = Recorder()

    @mute(plain)
    def job(value: int) -> int:
        plain.send(sender="in")
        return value * 2

    with connected(plain, recorder):
        assert job(21) == 42
        assert job.__name__ == "job"
        plain.send(sender="out")
    assert recorder.senders == ["out"]


def test_mute_decorates_an_async_function() -> None:
    recorder = Recorder()

    @mute(plain)
    async def job(value: int) -> int:
        await plain.asend(sender="in")
        plain.send(sender="in")
        return value * 2

    with connected(plain, recorder):
        assert asyncio.run(job(21)) == 42
        assert asyncio.iscoroutinefunction(job)
        plain.send(sender="out")
    assert recorder.senders == ["out"]


def test_mute_decorator_survives_exceptions() -> None:
    recorder = Recorder()

    @mute(plain)
    def job() -> None:
        raise Boom

    with connected(plain, recorder):
        with pytest.raises(Boom):
            job()
        plain.send(sender="after")
    assert recorder.senders == ["after"]


def test_mute_in_one_thread_leaves_another_alone() -> None:
    recorder = Recorder()
    muted = threading.Event()
    sent = threading.Event()

    def other_thread() -> None:
        muted.wait()
        plain.send(sender="other thread")
        sent.set()

    with connected(plain, recorder):
        thread = threading.Thread(target=other_thread)
        thread.start()
        with mute(plain):
            muted.set()
            sent.wait()
            plain.send(sender="main thread")
        thread.join()
    assert recorder.senders == ["other thread"]


def test_a_mute_object_shared_by_threads() -> None:
    recorder = Recorder()
    shared = mute(plain)
    entered = threading.Event()
    left = threading.Event()

    def other_thread() -> None:
        with shared:
            entered.set()
            left.wait()
            plain.send(sender="other, muted")
        plain.send(sender="other, live")

    with connected(plain, recorder):
        thread = threading.Thread(target=other_thread)
        with shared:
            thread.start()
            entered.wait()
        # The other thread still holds its own entry.
        plain.send(sender="main, live")
        left.set()
        thread.join()
    assert recorder.senders == ["main, live", "other, live"]


def test_mute_in_one_task_leaves_another_alone() -> None:
    recorder = Recorder()

    async def main() -> None:
        entered = asyncio.Event()
        done = asyncio.Event()

        async def muted_task() -> None:
            with mute(plain):
                entered.set()
                await done.wait()
                await plain.asend(sender="muted task")

        async def live_task() -> None:
            await entered.wait()
            await plain.asend(sender="live task")
            done.set()

        await asyncio.gather(muted_task(), live_task())

    with connected(plain, recorder):
        asyncio.run(main())
    assert recorder.senders == ["live task"]


def test_a_task_started_while_muted_inherits_the_mute() -> None:
    recorder = Recorder()

    async def main() -> None:
        with mute(plain):
            task = asyncio.create_task(plain.asend(sender="child"))
        await task
        await plain.asend(sender="parent")

    with connected(plain, recorder):
        asyncio.run(main())
    assert recorder.senders == ["parent"]


def test_mute_entered_and_exited_in_different_contexts_keeps_nothing() -> None:
    # An exit where the mute is not active does nothing, and nothing piles up: once the
    # context that entered it is gone, so is its entry.
    shared = mute(plain)
    entries = []
    for _ in range(50):
        entered_in = contextvars.copy_context()
        entered_in.run(shared.__enter__)
        [entry] = entered_in.run(_testing_signal_patch.active)
        entries.append(weakref.ref(entry))
        contextvars.copy_context().run(shared.__exit__, None, None, None)
        del entered_in, entry
    gc.collect()

    assert [ref for ref in entries if ref() is not None] == []


def test_exit_in_another_context_leaves_the_mute_where_it_was_entered() -> None:
    recorder = Recorder()
    shared = mute(plain)
    entered_in = contextvars.copy_context()
    entered_in.run(shared.__enter__)

    with connected(plain, recorder):
        contextvars.copy_context().run(shared.__exit__, None, None, None)
        entered_in.run(plain.send, sender="still muted")
        entered_in.run(shared.__exit__, None, None, None)
        entered_in.run(plain.send, sender="live again")

    assert recorder.senders == ["live again"]
    assert entered_in.run(_testing_signal_patch.active) == ()


def test_mute_silences_async_receivers() -> None:
    seen: list[str] = []

    @signalkit.receiver(plain)
    async def receive(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    with mute(plain):
        plain.send(sender="muted")
        async_to_sync(plain.asend)(sender="muted")
    plain.send(sender="sync")
    async_to_sync(plain.asend)(sender="async")
    assert seen == ["sync", "async"]


def test_mute_never_edits_receivers() -> None:
    recorder = Recorder()
    with connected(plain, recorder):
        receivers = plain.receivers
        before = list(receivers)
        with mute(plain):
            assert plain.receivers is receivers
            assert plain.receivers == before
        assert plain.receivers is receivers
        assert plain.receivers == before


def test_receivers_connected_while_muted_are_kept() -> None:
    recorder = Recorder()
    seen: list[Any] = []
    with mute(plain):
        plain.connect(recorder, weak=False)
        signalkit.receiver(plain)(lambda sender, **kw: seen.append(sender))
        plain.send(sender="muted")
    try:
        plain.send(sender="live")
    finally:
        plain.disconnect(recorder)
    assert recorder.senders == ["live"]
    assert seen == ["live"]


def test_has_listeners_is_unchanged_by_mute() -> None:
    # mute silences receivers when a signal is sent; what is connected stays connected,
    # so Django's code paths (fast delete, signalkit's bulk signals) stay the same.
    recorder = Recorder()
    with connected(plain, recorder), mute(plain):
        assert plain.has_listeners()
    with mute(lonely):
        assert not lonely.has_listeners()


def test_muted_typed_signal_still_checks_its_arguments() -> None:
    order_paid = signalkit.Signal(args=("order",))
    with (
        mute(order_paid),
        pytest.raises(TypeError, match="without its declared argument"),
    ):
        order_paid.send(sender=None)


def test_mute_repr() -> None:
    assert repr(mute(post_save, sender=Author)) == (
        "<mute django.db.models.signals.post_save, sender="
        "<class 'tests.testapp.models.Author'>>"
    )
    assert repr(mute()) == "<mute every signal>"
    assert isinstance(mute(), Muted)


# mute and transactions -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_commit_receiver_of_a_muted_save_stays_silent_after_the_block() -> None:
    ran: list[str] = []

    @signalkit.on_post_save(Author, on_commit=True)
    def later(instance: Author, **kwargs: Any) -> None:
        ran.append(instance.name)

    with transaction.atomic():
        with mute(post_save):
            Author.objects.create(name="muted")
        Author.objects.create(name="live")
        assert ran == []
    assert ran == ["live"]


@pytest.mark.django_db(transaction=True)
def test_on_commit_receiver_of_an_earlier_save_runs_when_the_commit_is_muted() -> None:
    # Decisions are taken when the signal is sent, not when the transaction commits.
    ran: list[str] = []

    @signalkit.on_post_save(Author, on_commit=True)
    def later(instance: Author, **kwargs: Any) -> None:
        ran.append(instance.name)

    atomic = transaction.atomic()
    atomic.__enter__()
    Author.objects.create(name="before")
    with mute(post_save):
        atomic.__exit__(None, None, None)  # commits
        assert ran == ["before"]


@pytest.mark.django_db
def test_on_commit_receiver_in_a_testcase_transaction(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ran: list[str] = []

    @signalkit.on_post_save(Author, on_commit=True)
    def later(instance: Author, **kwargs: Any) -> None:
        ran.append(instance.name)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with mute(post_save):
            Author.objects.create(name="muted")
        Author.objects.create(name="live")
    assert len(callbacks) == 1
    assert ran == ["live"]


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


# factory_boy ---------------------------------------------------------------------------


class AuthorFactory(factory.django.DjangoModelFactory):  # type: ignore[misc]
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"author {n}")


@factory.django.mute_signals(post_save)
class QuietAuthorFactory(AuthorFactory):
    pass


@pytest.mark.django_db
def test_factory_boy_mute_signals_mutes_signalkit_receivers() -> None:
    before = list(testapp_signals.calls)
    with factory.django.mute_signals(post_save), capture(post_save) as calls:
        author = AuthorFactory()
    QuietAuthorFactory()
    assert testapp_signals.calls == before
    # capture observes the send, which factory_boy's muting does not prevent.
    assert [c.kwargs["instance"] for c in calls] == [author]
    AuthorFactory(name="loud")
    assert testapp_signals.calls == [*before, "created:loud"]


@pytest.mark.django_db
def test_factory_boy_with_signalkit_mute() -> None:
    before = list(testapp_signals.calls)
    with mute(post_save), assert_sent(post_save, sender=Author, created=True):
        AuthorFactory()
    with factory.django.mute_signals(pre_save), mute(post_save):
        AuthorFactory()
    with mute(post_save), factory.django.mute_signals(post_save):
        QuietAuthorFactory()
    assert testapp_signals.calls == before
    AuthorFactory(name="loud")
    assert testapp_signals.calls == [*before, "created:loud"]


@pytest.mark.django_db
def test_signalkit_mute_decorates_a_factory_helper() -> None:
    before = list(testapp_signals.calls)

    @mute(post_save)
    def make_authors(count: int) -> list[Author]:
        return list(AuthorFactory.create_batch(count))

    assert len(make_authors(3)) == 3
    assert testapp_signals.calls == before


# the dispatch hook ---------------------------------------------------------------------


def test_hook_wraps_djangos_methods_once() -> None:
    with mute():
        pass
    assert _testing_signal_patch.INSTALLED
    patched = {name: Signal.__dict__[name] for name in _testing_signal_patch._PATCHES}
    _testing_signal_patch.install()
    _testing_signal_patch._patch()
    assert {
        name: Signal.__dict__[name] for name in _testing_signal_patch._PATCHES
    } == patched
    for name, method in patched.items():
        original = method.__signalkit_original__
        assert not hasattr(original, "__signalkit_original__")
        assert method.__wrapped__ is original
        assert method.__name__ == name


def test_hook_reinstalled_by_a_reloaded_module_wraps_djangos_methods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _testing_signal_patch.install()
    originals = {
        name: Signal.__dict__[name].__signalkit_original__
        for name in _testing_signal_patch._PATCHES
    }
    for name in _testing_signal_patch._PATCHES:
        monkeypatch.setattr(Signal, name, Signal.__dict__[name])
    monkeypatch.setattr(_testing_signal_patch, "INSTALLED", False)
    _testing_signal_patch.install()
    for name, original in originals.items():
        assert Signal.__dict__[name].__signalkit_original__ is original
    recorder = Recorder()
    with connected(plain, recorder), mute(plain):
        plain.send(sender="muted")
    assert recorder.senders == []


def test_importing_the_helpers_patches_nothing() -> None:
    code = (
        "import django.dispatch as d\n"
        "before = dict(vars(d.Signal))\n"
        "import signalkit.testing, signalkit.pytest_plugin\n"
        "assert dict(vars(d.Signal)) == before\n"
        "from signalkit import _testing_signal_patch\n"
        "assert not _testing_signal_patch.INSTALLED\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_idle_hook_only_reads_the_context_variable() -> None:
    _testing_signal_patch.install()
    assert _testing_signal_patch._state.get() is None
    recorder = Recorder()
    with connected(plain, recorder):
        assert plain.send(sender="s") == [(recorder, "plain")]
        assert plain.has_listeners()


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
