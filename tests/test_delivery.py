"""Contract section 2: how a receiver runs: conditions, after-commit delivery, robustness,
the re-entrancy guard, and async receivers."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.db.models import signals as model_signals
from django.db.transaction import TransactionManagementError

import signalkit
from signalkit import delivery, guard
from signalkit.options import Options
from tests.helpers import Boom, manual_transactions, wrapper_of
from tests.testapp.models import Author, Tag

ping = signalkit.Signal()


class Thing:
    """A stand-in instance for signals sent without the database."""


pytestmark = pytest.mark.usefixtures("undo_connections")


# created= and when= -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("created", "expected"), [(True, ["insert"]), (False, ["update"])]
)
def test_created(created: bool, expected: list[str]) -> None:
    seen: list[str] = []

    @signalkit.on_post_save(Tag, created=created)
    def receive(instance: Tag, created: bool, **kwargs: Any) -> None:
        seen.append(instance.name)

    tag = Tag.objects.create(name="insert")
    tag.name = "update"
    tag.save()

    assert seen == expected


@pytest.mark.django_db
def test_when_gets_the_receivers_arguments() -> None:
    predicate_calls: list[dict[str, Any]] = []
    seen: list[str] = []

    def predicate(**kwargs: Any) -> bool:
        predicate_calls.append(kwargs)
        return kwargs["instance"].name.startswith("yes")

    @signalkit.on_post_save(Tag, when=predicate)
    def receive(instance: Tag, **kwargs: Any) -> None:
        seen.append(instance.name)

    Tag.objects.create(name="no")
    tag = Tag.objects.create(name="yes")

    assert seen == ["yes"]
    first = predicate_calls[1]
    assert first["signal"] is model_signals.post_save
    assert first["sender"] is Tag
    assert first["instance"] is tag
    assert first["created"] is True
    assert set(first) >= {"update_fields", "raw", "using"}


def test_when_with_keyword_only_predicate() -> None:
    seen: list[int] = []
    signalkit.receiver(ping, when=lambda *, value, **kw: value > 1)(
        lambda value, **kw: seen.append(value)
    )

    for value in (1, 2, 3):
        ping.send(sender=None, value=value)

    assert seen == [2, 3]


@pytest.mark.django_db
def test_created_is_checked_before_when() -> None:
    predicate_calls: list[Any] = []

    def predicate(**kwargs: Any) -> bool:
        predicate_calls.append(kwargs["created"])
        return True

    seen: list[bool] = []
    signalkit.on_post_save(Tag, created=True, when=predicate)(
        lambda created, **kw: seen.append(created)
    )

    tag = Tag.objects.create(name="t")
    tag.save()

    assert seen == [True]
    assert predicate_calls == [True]


def test_failing_predicate_propagates_unless_robust(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def bad_predicate(**kwargs: Any) -> bool:
        raise Boom("predicate")

    seen: list[str] = []

    def fragile(**kwargs: Any) -> None:
        seen.append("fragile")  # pragma: no cover - never called

    def sturdy(**kwargs: Any) -> None:
        seen.append("sturdy")  # pragma: no cover - never called

    signalkit.receiver(ping, when=bad_predicate)(fragile)
    with pytest.raises(Boom):
        ping.send(sender=None)
    signalkit.disconnect(fragile)

    signalkit.receiver(ping, when=bad_predicate, robust=True)(sturdy)
    with caplog.at_level(logging.ERROR, logger="signalkit"):
        assert ping.send(sender=None) == [(wrapper_of(sturdy), None)]

    assert seen == []
    [record] = caplog.records
    assert "sturdy" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is Boom


# on_commit ------------------------------------------------------------------------------


@pytest.fixture
def committed() -> Iterator[list[str]]:
    """Names of Tags seen by an on_commit post_save receiver."""
    seen: list[str] = []

    @signalkit.on_post_save(Tag, on_commit=True)
    def after_commit(instance: Tag, **kwargs: Any) -> None:
        seen.append(instance.name)

    yield seen
    signalkit.disconnect(after_commit)


@pytest.mark.django_db(transaction=True)
def test_on_commit_waits_for_the_commit(committed: list[str]) -> None:
    with transaction.atomic():
        Tag.objects.create(name="inside")
        with transaction.atomic():
            Tag.objects.create(name="nested")
        assert committed == []

    assert committed == ["inside", "nested"]


@pytest.mark.django_db(transaction=True)
def test_on_commit_never_runs_after_a_rollback(committed: list[str]) -> None:
    with pytest.raises(Boom), transaction.atomic():
        Tag.objects.create(name="lost")
        raise Boom

    with transaction.atomic():
        Tag.objects.create(name="kept")
        try:
            with transaction.atomic():
                Tag.objects.create(name="savepoint-lost")
                raise Boom
        except Boom:
            pass

    assert committed == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_on_commit_runs_at_once_outside_a_transaction(committed: list[str]) -> None:
    Tag.objects.create(name="now")
    assert committed == ["now"]


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_on_commit_follows_the_signals_database(committed: list[str]) -> None:
    with transaction.atomic(using="other"):
        Tag.objects.using("other").create(name="other-in-transaction")
        Tag.objects.create(name="default-autocommit")
        assert committed == ["default-autocommit"]
    assert committed == ["default-autocommit", "other-in-transaction"]

    with transaction.atomic():
        Tag.objects.using("other").create(name="other-autocommit")
        assert committed[-1] == "other-autocommit"
        Tag.objects.create(name="default-in-transaction")
        assert committed[-1] == "other-autocommit"
    assert committed[-1] == "default-in-transaction"


@pytest.mark.django_db(transaction=True)
def test_on_commit_decides_at_send_time() -> None:
    seen: list[str] = []
    signalkit.on_post_save(Tag, on_commit=True, created=True)(
        lambda instance, **kw: seen.append(instance.name)
    )

    with transaction.atomic():
        tag = Tag.objects.create(name="new")
        tag.save()

    assert seen == ["new"]


@pytest.mark.django_db(transaction=True)
def test_failing_on_commit_receiver_outside_a_transaction_propagates() -> None:
    def fail(**kwargs: Any) -> None:
        raise Boom("after commit")

    signalkit.on_post_save(Tag, on_commit=True)(fail)

    with pytest.raises(Boom):
        Tag.objects.create(name="t")
    assert Tag.objects.filter(name="t").exists()


@pytest.mark.django_db(transaction=True)
def test_robust_on_commit_logs_and_lets_later_callbacks_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def fail(**kwargs: Any) -> None:
        raise Boom("after commit")

    signalkit.on_post_save(Tag, on_commit=True, robust=True)(fail)
    signalkit.on_post_save(Tag, on_commit=True)(
        lambda instance, **kw: seen.append(instance.name)
    )

    with caplog.at_level(logging.ERROR, logger="signalkit"), transaction.atomic():
        Tag.objects.create(name="t")
        assert seen == []

    assert seen == ["t"]
    [record] = [r for r in caplog.records if r.name == "signalkit"]
    assert record.exc_info is not None and record.exc_info[0] is Boom
    assert "fail" in record.getMessage()
    assert "testapp.Tag" in record.getMessage()


def signalkit_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "signalkit" and r.levelno == logging.ERROR
    ]


@pytest.mark.django_db(transaction=True)
def test_robust_on_commit_receiver_in_manual_transaction_mode_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Django's on_commit() raises there: a robust receiver never breaks its sender, and
    # is never run on data not committed yet.
    seen: list[str] = []

    def after_commit(instance: Tag, **kwargs: Any) -> None:
        seen.append(instance.name)  # pragma: no cover - skipped

    signalkit.on_post_save(Tag, on_commit=True, robust=True)(after_commit)

    with caplog.at_level(logging.ERROR, logger="signalkit"), manual_transactions():
        Tag.objects.create(name="manual")
        transaction.commit()
        assert seen == []

    assert Tag.objects.filter(name="manual").exists()
    [message] = signalkit_errors(caplog)
    assert "after_commit on post_save (sender testapp.Tag)" in message
    assert "manual transaction management" in message
    assert "transaction.atomic()" in message
    assert "robust receiver was skipped" in message


@pytest.mark.django_db(transaction=True)
def test_on_commit_receiver_in_manual_transaction_mode_says_what_to_do() -> None:
    signalkit.on_post_save(Tag, on_commit=True)(lambda **kw: None)

    with (
        manual_transactions(),
        pytest.raises(
            TransactionManagementError,
            match=r"manual transaction management .* Wrap the write in "
            r"transaction\.atomic\(\)",
        ),
    ):
        Tag.objects.create(name="manual")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["send", "asend"])
def test_async_on_commit_receiver_in_manual_transaction_mode(
    how: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def robust_one(**kwargs: Any) -> None:
        seen.append("robust")  # pragma: no cover - skipped

    async def strict_one(**kwargs: Any) -> None:
        seen.append("strict")  # pragma: no cover - refused

    signalkit.receiver(ping, on_commit=True, robust=True)(robust_one)
    send = async_to_sync(ping.asend) if how == "asend" else ping.send

    with caplog.at_level(logging.ERROR, logger="signalkit"), manual_transactions():
        send(sender=None)
        signalkit.receiver(ping, on_commit=True)(strict_one)
        with pytest.raises(TransactionManagementError, match=r"transaction\.atomic"):
            send(sender=None)

    assert seen == []
    assert "robust_one" in signalkit_errors(caplog)[0]


@pytest.mark.django_db(transaction=True)
def test_on_commit_receiver_in_autocommit_and_atomic_is_unchanged_by_the_check(
    committed: list[str],
) -> None:
    Tag.objects.create(name="autocommit")
    with transaction.atomic():
        Tag.objects.create(name="atomic")
        assert committed == ["autocommit"]
    assert committed == ["autocommit", "atomic"]


# robust ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_robust_logs_and_later_receivers_run(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def broken_receiver(**kwargs: Any) -> None:
        raise Boom("kaput")

    signalkit.on_post_save(Author, robust=True)(broken_receiver)
    signalkit.on_post_save(Author)(lambda **kw: seen.append("later"))

    with caplog.at_level(logging.ERROR, logger="signalkit"):
        author = Author.objects.create(name="a")

    assert author.pk is not None
    assert seen == ["later"]
    [record] = [r for r in caplog.records if r.name == "signalkit"]
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert (
        "tests.test_delivery.test_robust_logs_and_later_receivers_run.<locals>.broken_receiver"
        in message
    )
    assert "testapp.Author" in message
    assert "post_save" in message
    assert record.exc_info is not None and record.exc_info[0] is Boom
    assert "Traceback" in caplog.text and "kaput" in caplog.text


def test_robust_swallows_only_exceptions() -> None:
    def interrupt(**kwargs: Any) -> None:
        raise KeyboardInterrupt

    signalkit.receiver(ping, robust=True)(interrupt)

    with pytest.raises(KeyboardInterrupt):
        ping.send(sender=None)


def test_not_robust_propagates() -> None:
    def fail(**kwargs: Any) -> None:
        raise Boom("loud")

    signalkit.receiver(ping)(fail)

    with pytest.raises(Boom, match="loud"):
        ping.send(sender=None)


# reentrant --------------------------------------------------------------------------


@pytest.mark.django_db
def test_save_inside_post_save_does_not_recurse() -> None:
    seen: list[str] = []
    other = Tag.objects.create(name="other")

    @signalkit.on_post_save(Tag)
    def resave(instance: Tag, **kwargs: Any) -> None:
        seen.append(instance.name)
        instance.save()
        if instance.name == "first":
            other.save()  # a different instance does run

    Tag.objects.create(name="first")

    assert seen == ["first", "other"]


@pytest.mark.django_db
def test_a_new_object_for_the_same_row_is_another_instance() -> None:
    seen: list[str] = []

    @signalkit.on_post_save(Tag)
    def resave(instance: Tag, **kwargs: Any) -> None:
        seen.append(instance.name)
        if len(seen) == 1:
            Tag.objects.get(pk=instance.pk).save()

    Tag.objects.create(name="row")

    assert seen == ["row", "row"]


@pytest.mark.django_db
def test_reentrant_true_allows_recursion() -> None:
    depth: list[int] = []

    @signalkit.on_post_save(Tag, reentrant=True)
    def resave(instance: Tag, **kwargs: Any) -> None:
        depth.append(len(depth))
        if len(depth) < 3:
            instance.save()

    Tag.objects.create(name="deep")

    assert depth == [0, 1, 2]


def test_guard_is_released_after_the_receiver_returns_or_raises() -> None:
    seen: list[str] = []
    thing = Thing()

    @signalkit.receiver(ping)
    def receive(instance: Thing, fail: bool, **kwargs: Any) -> None:
        seen.append("run")
        if fail:
            raise Boom

    ping.send(sender=None, instance=thing, fail=False)
    with pytest.raises(Boom):
        ping.send(sender=None, instance=thing, fail=True)
    ping.send(sender=None, instance=thing, fail=False)

    assert seen == ["run"] * 3
    assert guard.calls_of(id(receive)) == []


def test_guard_needs_an_instance() -> None:
    depth: list[int] = []

    @signalkit.receiver(ping)
    def receive(**kwargs: Any) -> None:
        depth.append(1)
        if len(depth) < 3:
            ping.send(sender=None)

    ping.send(sender=None)

    assert len(depth) == 3


def test_guard_is_per_receiver() -> None:
    seen: list[str] = []
    thing = Thing()
    other_signal = signalkit.Signal()

    @signalkit.receiver(ping)
    def outer(instance: Thing, **kwargs: Any) -> None:
        seen.append("outer")
        other_signal.send(sender=None, instance=instance)

    @signalkit.receiver(other_signal)
    def inner(instance: Thing, **kwargs: Any) -> None:
        seen.append("inner")

    ping.send(sender=None, instance=thing)

    assert seen == ["outer", "inner"]


def test_guard_is_per_receiver_across_its_connections() -> None:
    # The same function connected to two signals is one receiver: running for an
    # instance on one, it is not run for that instance on the other.
    seen: list[str] = []
    thing = Thing()
    other_signal = signalkit.Signal()

    def receive(signal: Any, instance: Thing, **kwargs: Any) -> None:
        seen.append("ping" if signal is ping else "other")
        if signal is ping:
            other_signal.send(sender=None, instance=instance)
            other_signal.send(sender=None, instance=Thing())

    signalkit.receiver(ping)(receive)
    signalkit.receiver(other_signal)(receive)
    ping.send(sender=None, instance=thing)

    assert seen == ["ping", "other"]


@pytest.mark.django_db(transaction=True)
def test_guard_of_a_deferred_receiver_holds_while_it_runs_at_commit() -> None:
    seen: list[str] = []
    thing = Thing()

    def receive(instance: Thing, **kwargs: Any) -> None:
        seen.append("run")
        ping.send(sender=None, instance=instance)

    signalkit.receiver(ping, on_commit=True)(receive)
    with transaction.atomic():
        ping.send(sender=None, instance=thing)
        assert seen == []

    assert seen == ["run"]


def test_guard_is_thread_local() -> None:
    seen: list[str] = []
    started, release = threading.Event(), threading.Event()
    thing = Thing()

    @signalkit.receiver(ping)
    def receive(instance: Thing, **kwargs: Any) -> None:
        name = threading.current_thread().name
        seen.append(name)
        if name == "blocker":
            started.set()
            assert release.wait(10)

    blocker = threading.Thread(
        target=ping.send, kwargs={"sender": None, "instance": thing}, name="blocker"
    )
    blocker.start()
    try:
        assert started.wait(10)
        ping.send(
            sender=None, instance=thing
        )  # while "blocker" runs for the same object
    finally:
        release.set()
        blocker.join(10)

    assert seen == ["blocker", threading.current_thread().name]


# async receivers ------------------------------------------------------------------------


def test_async_receiver_wrapper_is_a_coroutine_function() -> None:
    async def areceive(**kwargs: Any) -> str:
        return "async"  # pragma: no cover - never called

    def sreceive(**kwargs: Any) -> str:
        return "sync"  # pragma: no cover - never called

    assert signalkit.receiver(ping)(areceive) is areceive
    signalkit.receiver(ping)(sreceive)

    assert inspect.iscoroutinefunction(wrapper_of(areceive))
    assert not inspect.iscoroutinefunction(wrapper_of(sreceive))
    assert wrapper_of(areceive).__name__ == "areceive"


@pytest.mark.parametrize("how", ["send", "send_robust", "asend", "asend_robust"])
def test_async_receiver_runs_through_every_send(how: str) -> None:
    seen: list[Any] = []

    async def areceive(sender: Any, value: int, **kwargs: Any) -> int:
        await asyncio.sleep(0)
        seen.append((sender, value))
        return value * 2

    def sreceive(sender: Any, value: int, **kwargs: Any) -> int:
        seen.append(("sync", value))
        return value

    signalkit.receiver(ping)(areceive)
    signalkit.receiver(ping)(sreceive)
    method = getattr(ping, how)
    send = async_to_sync(method) if how.startswith("a") else method

    responses = send(sender="s", value=21)

    assert sorted(r for _, r in responses) == [21, 42]
    assert sorted(seen, key=str) == [("s", 21), ("sync", 21)]


@pytest.mark.parametrize("how", ["send", "asend"])
def test_async_receiver_conditions(how: str) -> None:
    seen: list[int] = []

    async def areceive(value: int, **kwargs: Any) -> None:
        seen.append(value)

    signalkit.receiver(ping, when=lambda value, **kw: value % 2 == 0)(areceive)
    send = async_to_sync(ping.asend) if how == "asend" else ping.send

    for value in range(5):
        send(sender=None, value=value)

    assert seen == [0, 2, 4]


def test_async_receiver_created() -> None:
    seen: list[bool] = []

    async def areceive(created: bool, **kwargs: Any) -> None:
        seen.append(created)

    signalkit.on_post_save(Tag, created=False)(areceive)
    model_signals.post_save.send(sender=Tag, instance=Tag(), created=True)
    async_to_sync(model_signals.post_save.asend)(
        sender=Tag, instance=Tag(), created=False
    )

    assert seen == [False]


@pytest.mark.parametrize("how", ["send", "asend"])
def test_async_receiver_robust(how: str, caplog: pytest.LogCaptureFixture) -> None:
    async def afail(**kwargs: Any) -> None:
        await asyncio.sleep(0)
        raise Boom("async kaput")

    signalkit.receiver(ping, robust=True)(afail)
    send = async_to_sync(ping.asend) if how == "asend" else ping.send

    with caplog.at_level(logging.ERROR, logger="signalkit"):
        assert send(sender=Tag) == [(wrapper_of(afail), None)]

    [record] = [r for r in caplog.records if r.name == "signalkit"]
    assert "afail" in record.getMessage() and "testapp.Tag" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is Boom


@pytest.mark.parametrize("how", ["send_robust", "asend_robust"])
def test_async_receiver_not_robust_with_send_robust(how: str) -> None:
    async def afail(**kwargs: Any) -> None:
        raise Boom("returned, as Django does")

    signalkit.receiver(ping)(afail)
    method = getattr(ping, how)
    send = async_to_sync(method) if how.startswith("a") else method

    [(_, response)] = send(sender=None)

    assert isinstance(response, Boom)


@pytest.mark.parametrize("how", ["send", "asend"])
def test_async_receiver_not_robust_propagates(how: str) -> None:
    async def afail(**kwargs: Any) -> None:
        raise Boom("loud")

    signalkit.receiver(ping)(afail)
    send = async_to_sync(ping.asend) if how == "asend" else ping.send

    with pytest.raises(Boom):
        send(sender=None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["send", "asend"])
def test_async_receiver_on_commit(how: str) -> None:
    seen: list[str] = []

    async def areceive(value: str, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        seen.append(value)

    signalkit.receiver(ping, on_commit=True)(areceive)
    send = async_to_sync(ping.asend) if how == "asend" else ping.send

    send(sender=None, value="immediate")
    assert seen == ["immediate"]

    with transaction.atomic():
        send(sender=None, value="committed")
        assert seen == ["immediate"]
    assert seen == ["immediate", "committed"]

    with pytest.raises(Boom), transaction.atomic():
        send(sender=None, value="rolled back")
        raise Boom
    assert seen == ["immediate", "committed"]


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_async_receiver_on_commit_follows_using() -> None:
    seen: list[str] = []

    async def areceive(value: str, **kwargs: Any) -> None:
        seen.append(value)

    signalkit.receiver(ping, on_commit=True)(areceive)

    with transaction.atomic(using="other"):
        ping.send(sender=None, value="other", using="other")
        async_to_sync(ping.asend)(sender=None, value="default", using="default")
        assert seen == ["default"]
    assert seen == ["default", "other"]


@pytest.mark.django_db(transaction=True)
def test_async_receiver_robust_on_commit(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    async def afail(**kwargs: Any) -> None:
        raise Boom("after commit")

    signalkit.receiver(ping, on_commit=True, robust=True)(afail)
    signalkit.receiver(ping, on_commit=True)(lambda **kw: seen.append("later"))

    with caplog.at_level(logging.ERROR, logger="signalkit"), transaction.atomic():
        ping.send(sender=None)
        assert seen == []

    assert seen == ["later"]
    assert [
        r.exc_info[0] for r in caplog.records if r.name == "signalkit" and r.exc_info
    ] == [Boom]


def test_async_guard_does_not_recurse() -> None:
    seen: list[str] = []
    thing, other = Thing(), Thing()

    async def areceive(instance: Thing, **kwargs: Any) -> None:
        seen.append("same" if instance is thing else "other")
        await ping.asend(sender=None, instance=instance)
        if instance is thing:
            await ping.asend(sender=None, instance=other)

    signalkit.receiver(ping)(areceive)
    async_to_sync(ping.asend)(sender=None, instance=thing)

    assert seen == ["same", "other"]


def test_concurrent_async_receivers_release_their_guards() -> None:
    # Django runs async receivers as tasks sharing one context: interleaved guard
    # bookkeeping must not leave a receiver blocked for the instance afterwards.
    seen: list[str] = []
    thing = Thing()

    async def first(**kwargs: Any) -> None:
        seen.append("first")
        await asyncio.sleep(0.01)

    async def second(**kwargs: Any) -> None:
        seen.append("second")
        await asyncio.sleep(0.02)

    signalkit.receiver(ping)(first)
    signalkit.receiver(ping)(second)

    ping.send(sender=None, instance=thing)
    async_to_sync(ping.asend)(sender=None, instance=thing)
    ping.send(sender=None, instance=thing)

    assert sorted(seen) == ["first"] * 3 + ["second"] * 3
    assert guard._running.get() == ()


def test_async_guard_is_task_local() -> None:
    seen: list[int] = []
    thing = Thing()

    async def areceive(**kwargs: Any) -> None:
        seen.append(1)
        await asyncio.sleep(0.01)

    signalkit.receiver(ping)(areceive)

    async def two_tasks() -> None:
        await asyncio.gather(
            ping.asend(sender=None, instance=thing),
            ping.asend(sender=None, instance=thing),
        )

    asyncio.run(two_tasks())

    assert seen == [1, 1]


# The wrapper and its options ---------------------------------------------------------------


def test_wrapper_of_a_collected_weak_function_does_nothing() -> None:
    seen: list[str] = []

    def receive(**kwargs: Any) -> None:
        seen.append("run")

    alive = [receive]

    def get_func() -> Any:
        return alive[0] if alive else None

    wrapper = delivery.build(get_func, id(receive), Options(weak=True))
    assert not hasattr(wrapper, "__wrapped__")
    wrapper(signal=ping, sender=None)
    alive.clear()
    assert wrapper(signal=ping, sender=None) is None

    async def areceive(**kwargs: Any) -> None:
        seen.append("async")

    alive.append(areceive)
    awrapper = delivery.build(get_func, id(areceive), Options(weak=True))
    alive.clear()
    assert asyncio.run(awrapper(signal=ping, sender=None)) is None
    assert seen == ["run"]
