"""One record of what became of each receiver call (``signalkit.outcomes``): reported by
every path that decides it, handed to the consumers that watch, and nothing at all while
nobody watches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal

import signalkit
from signalkit import observers, outcomes, tasks_compat
from signalkit.testing import mute
from tests.helpers import Boom, Recorder, Watcher, connected
from tests.testapp.models import Author
from tests.trackapp.models import Order

ping = signalkit.Signal()
plain = Signal()

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")

HERE = str(Path(__file__).relative_to(Path.cwd()))


@pytest.fixture
def watcher() -> Iterator[Watcher]:
    found = Watcher()
    with observers.watching(found):
        yield found


# Who watches -----------------------------------------------------------------------


def test_nobody_watches_by_default() -> None:
    assert outcomes.ACTIVE is False
    assert outcomes.consumers() == ()


def test_watching_is_for_the_context_that_started_it() -> None:
    recorder = Recorder()
    found = Watcher()
    with connected(plain, recorder), observers.watching(found):
        assert outcomes.ACTIVE is True
        thread = threading.Thread(target=plain.send, kwargs={"sender": "thread"})
        thread.start()
        thread.join()
        plain.send(sender="here")
    assert outcomes.ACTIVE is False
    assert recorder.senders == ["thread", "here"]
    assert [o.sender for o in found.outcomes] == ["here"]


def test_a_subscription_sees_every_thread() -> None:
    recorder = Recorder()
    found = Watcher()
    observers.subscribe(found)
    try:
        with connected(plain, recorder):
            thread = threading.Thread(target=plain.send, kwargs={"sender": "thread"})
            thread.start()
            thread.join()
    finally:
        assert observers.unsubscribe(found) is True
    assert observers.unsubscribe(found) is False
    assert outcomes.ACTIVE is False
    assert [o.sender for o in found.outcomes] == ["thread"]


def test_copied_contexts_see_the_watcher(watcher: Watcher) -> None:
    @signalkit.receiver(ping)
    async def late(sender: Any, **kwargs: Any) -> None:
        pass

    async_to_sync(ping.asend)(sender="async")
    assert watcher.of(late) == [("ran", None)]


# Ran and raised --------------------------------------------------------------------


def test_ran_is_timed_and_bracketed_by_calling_and_called(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.receiver(ping)
    def slow(sender: Any, **kwargs: Any) -> None:
        time.sleep(0.005)

    ping.send(sender="s", value=1)
    kinds = [kind for kind, _ in watcher.events]
    assert kinds == ["sent", "calling", "called"]
    [outcome] = watcher.outcomes
    assert (outcome.kind, outcome.receiver, outcome.signal, outcome.sender) == (
        "ran",
        slow,
        ping,
        "s",
    )
    assert outcome.seconds is not None and outcome.seconds >= 0.005
    assert outcome.path == f"{__name__}.{slow.__qualname__}"
    assert outcome.send is watcher.sends[0]


@pytest.mark.parametrize("robust", [False, True])
def test_raised_keeps_the_exception(
    watcher: Watcher, undo_connections: None, robust: bool
) -> None:
    error = Boom("no")

    @signalkit.receiver(ping, robust=robust)
    def fails(sender: Any, **kwargs: Any) -> None:
        raise error

    if robust:
        ping.send(sender="s")
    else:
        with pytest.raises(Boom):
            ping.send(sender="s")
    [outcome] = watcher.outcomes
    assert (outcome.kind, outcome.exception) == ("raised", error)
    assert outcome.seconds is not None


def test_plain_django_receivers_report_their_calls(watcher: Watcher) -> None:
    recorder = Recorder()

    async def plain_async(sender: Any, **kwargs: Any) -> None:
        pass

    with connected(plain, recorder), connected(plain, plain_async):
        responses = plain.send(sender="s")
        async_to_sync(plain.asend)(sender="a")
    found = [(o.kind, o.receiver, o.sender) for o in watcher.outcomes]
    assert found[:2] == [("ran", recorder, "s"), ("ran", plain_async, "s")]
    # asend() runs sync and async receivers in an order that depends on Django's version.
    assert sorted(found[2:], key=str) == sorted(
        [("ran", recorder, "a"), ("ran", plain_async, "a")], key=str
    )
    # Django's answer names the receivers it was asked to call, not their stand-ins.
    assert [receiver for receiver, _ in responses] == [recorder, plain_async]


# Skipped ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_condition_names_itself_when_it_skips(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.on_post_save(Author, created=False)
    def on_update(sender: Any, **kwargs: Any) -> None: ...

    @signalkit.on_post_save(Order, changed="status")
    def on_status(sender: Any, **kwargs: Any) -> None: ...

    @signalkit.on_post_save(Author, when=lambda instance, **kw: instance.name == "x")
    def on_x(sender: Any, **kwargs: Any) -> None: ...

    Author.objects.create(name="a")
    order = Order.objects.create()
    order.note = "not the status"
    order.save()
    assert watcher.of(on_update) == [("skipped", "created")]
    assert watcher.of(on_status) == [("ran", None), ("skipped", "changed")]
    assert watcher.of(on_x) == [("skipped", "when")]


@pytest.mark.django_db
def test_reentrant_calls_are_skipped_with_their_reason(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.on_post_save(Author)
    def saves_again(sender: Any, instance: Author, **kwargs: Any) -> None:
        instance.save()

    Author.objects.create(name="a")
    assert watcher.of(saves_again) == [("skipped", "reentrant"), ("ran", None)]


def test_muted_receivers_are_skipped_plain_ones_too(
    watcher: Watcher, undo_connections: None
) -> None:
    recorder = Recorder()

    @signalkit.receiver(plain)
    def mine(sender: Any, **kwargs: Any) -> None: ...

    with connected(plain, recorder), mute(plain):
        plain.send(sender="s")
    assert [(o.kind, o.receiver, o.reason) for o in watcher.outcomes] == [
        ("skipped", mine, "muted"),
        ("skipped", recorder, "muted"),
    ]
    assert recorder.senders == []


def test_async_receivers_report_skips_and_runs(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.receiver(ping, when=lambda value, **kw: value > 1)
    async def bigger(sender: Any, **kwargs: Any) -> None: ...

    async_to_sync(ping.asend)(sender="s", value=1)
    async_to_sync(ping.asend)(sender="s", value=2)
    assert watcher.of(bigger) == [("skipped", "when"), ("ran", None)]


# Deferred to the commit ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_deferred_then_ran_at_the_commit(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.on_post_save(Author, on_commit=True)
    def later(sender: Any, **kwargs: Any) -> None: ...

    with transaction.atomic():
        Author.objects.create(name="a")
        assert watcher.of(later) == [("deferred", None)]
    deferred, ran = [o for o in watcher.outcomes if o.receiver is later]
    assert ran.kind == "ran"
    assert ran.deferred is deferred
    # It reports under the send that deferred it.
    assert ran.send is deferred.send is watcher.sends[0]


@pytest.mark.django_db(transaction=True)
def test_async_receivers_deferred_to_the_commit(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.receiver(ping, on_commit=True)
    async def later(sender: Any, **kwargs: Any) -> None: ...

    with transaction.atomic():
        async_to_sync(ping.asend)(sender="s")
        assert watcher.of(later) == [("deferred", None)]
    deferred, ran = [o for o in watcher.outcomes if o.receiver is later]
    assert (ran.kind, ran.deferred) == ("ran", deferred)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("savepoint", [False, True])
def test_deferred_then_rolled_back(
    watcher: Watcher, undo_connections: None, savepoint: bool
) -> None:
    @signalkit.on_post_save(Author, on_commit=True)
    def later(sender: Any, **kwargs: Any) -> None:
        raise AssertionError("never runs")

    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic(savepoint=savepoint):
            Author.objects.create(name="a")
            raise Boom
        if not savepoint:
            transaction.set_rollback(True)
        if savepoint:
            # Dropped with the savepoint, not at the end of the outer transaction.
            assert watcher.of(later) == [("deferred", None), ("rolled back", None)]
    deferred, rolled_back = [o for o in watcher.outcomes if o.receiver is later]
    assert (rolled_back.kind, rolled_back.deferred) == ("rolled back", deferred)


@pytest.mark.django_db(transaction=True)
def test_on_commit_outside_a_transaction_just_runs(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.on_post_save(Author, on_commit=True)
    def later(sender: Any, **kwargs: Any) -> None: ...

    Author.objects.create(name="a")
    assert watcher.of(later) == [("ran", None)]


# Enqueued --------------------------------------------------------------------------


@pytest.fixture
def dummy_backend() -> Iterator[Any]:
    backend = tasks_compat.backend("default")
    backend.clear()
    yield backend
    backend.clear()


@pytest.mark.django_db(transaction=True)
def test_enqueued_at_the_commit_settles_the_deferred_outcome(
    watcher: Watcher, undo_connections: None, dummy_backend: Any
) -> None:
    from tests.taskapp import receivers
    from tests.taskapp.models import Depot

    signalkit.on_post_save(Depot, task=True)(receivers.touch_marker)
    with transaction.atomic():
        Depot.objects.create(name="north")
    [result] = dummy_backend.results
    deferred, enqueued = [
        o for o in watcher.outcomes if o.receiver is receivers.touch_marker
    ]
    assert (deferred.kind, enqueued.kind) == ("deferred", "enqueued")
    assert enqueued.deferred is deferred
    assert (enqueued.backend, enqueued.task_id) == ("default", str(result.id))
    assert enqueued.receiver is receivers.touch_marker


@pytest.mark.django_db(transaction=True)
def test_enqueued_in_the_transaction_by_an_outbox(
    watcher: Watcher, undo_connections: None
) -> None:
    from django_tasks_db.models import DBTaskResult

    from tests.taskapp import receivers
    from tests.taskapp.models import Depot

    signalkit.on_post_save(Depot, task="db")(receivers.touch_marker)
    with transaction.atomic():
        Depot.objects.create(name="north")
        [enqueued] = [
            o for o in watcher.outcomes if o.receiver is receivers.touch_marker
        ]
        [row] = DBTaskResult.objects.all()
    assert (enqueued.kind, enqueued.backend) == ("enqueued", "db")
    assert enqueued.task_id == str(row.id)
    assert enqueued.deferred is None


# Sends -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sends_say_where_they_were_sent_from(
    watcher: Watcher, undo_connections: None
) -> None:
    @signalkit.on_post_save(Author)
    def saved(sender: Any, instance: Author, **kwargs: Any) -> None:
        ping.send(sender="inner")  # sends ping

    @signalkit.receiver(ping)
    def pinged(sender: Any, **kwargs: Any) -> None: ...

    Author.objects.create(name="a")  # Django sends post_save
    outer, inner = watcher.sends
    assert (outer.signal, outer.sender, outer.using) == (post_save, Author, "default")
    assert (outer.file, outer.line) == (HERE, _line_of("# Django sends post_save"))
    assert (inner.signal, inner.sender, inner.using) == (ping, "inner", None)
    assert (inner.file, inner.line) == (HERE, _line_of("# sends ping"))
    [ran_inner] = [o for o in watcher.outcomes if o.receiver is pinged]
    assert ran_inner.send is inner


def _line_of(marker: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    [number] = [n for n, text in enumerate(lines, 1) if text.endswith(marker)]
    return number


def test_a_send_nobody_listens_to_is_not_recorded(watcher: Watcher) -> None:
    Signal().send(sender="nobody")
    assert watcher.events == []


def test_consumers_that_want_no_sends_pay_no_walk_up_the_stack(
    monkeypatch: pytest.MonkeyPatch, undo_connections: None
) -> None:
    class Calls(outcomes.Consumer):
        def __init__(self) -> None:
            self.kinds: list[str] = []

        def called(self, outcome: outcomes.Outcome, state: Any) -> None:
            self.kinds.append(outcome.kind)

    def no_walk(skipped: tuple[str, ...]) -> None:
        raise AssertionError("sent_from() called")

    monkeypatch.setattr(outcomes, "sent_from", no_walk)

    @signalkit.receiver(ping)
    def mine(sender: Any, **kwargs: Any) -> None: ...

    calls = Calls()
    with observers.watching(calls):
        ping.send(sender="s")
    assert calls.kinds == ["ran"]


# Nobody watching -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_nothing_is_timed_or_recorded_while_nobody_watches(
    monkeypatch: pytest.MonkeyPatch, undo_connections: None
) -> None:
    """The off path: each place that reports an outcome reads the flag and goes on."""
    from signalkit import _signal_patch

    _signal_patch.install()  # as after any testing helper was used once

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an outcome was recorded while nobody watches")

    for name in ("run", "arun", "skipped", "deferred", "enqueued", "sending"):
        monkeypatch.setattr(outcomes, name, forbidden)
    monkeypatch.setattr(_signal_patch, "_stand_in", forbidden)
    monkeypatch.setattr(outcomes.time, "perf_counter", forbidden)
    ran: list[str] = []

    @signalkit.on_post_save(Author, created=True)
    def created(sender: Any, **kwargs: Any) -> None:
        ran.append("created")

    @signalkit.on_post_save(Author, on_commit=True, robust=True)
    def later(sender: Any, instance: Author, **kwargs: Any) -> None:
        ran.append("later")
        instance.save()  # the re-entrancy guard skips this one

    @signalkit.receiver(ping)
    async def pinged(sender: Any, **kwargs: Any) -> None:
        ran.append("async")

    recorder = Recorder()
    with connected(plain, recorder):
        with transaction.atomic():
            Author.objects.create(name="a")
        async_to_sync(ping.asend)(sender="s")
        plain.send(sender="p")
    assert ran == ["created", "later", "async"]
    assert recorder.senders == ["p"]
