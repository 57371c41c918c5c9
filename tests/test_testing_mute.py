"""Contract section 8: ``signalkit.testing.mute()``, context-local, with transactions and
factory_boy."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import factory
import pytest
from asgiref.sync import async_to_sync
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal
from django.test import override_settings

import signalkit
from signalkit import _signal_patch
from signalkit.testing import (
    Muted,
    assert_sent,
    capture,
    mute,
)
from tests.helpers import Boom, Recorder, connected
from tests.testapp import signals as testapp_signals
from tests.testapp.models import Author, Book

ping = signalkit.Signal()
plain = Signal()
lonely = Signal()  # never has a receiver

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")

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
        [entry] = entered_in.run(_signal_patch.active)
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
    assert entered_in.run(_signal_patch.active) == ()


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
