"""Contract section 8: ``signalkit.testing``'s ``capture()``, ``assert_sent()`` and
``assert_not_sent()``."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

import signalkit
from signalkit.testing import (
    Call,
    assert_not_sent,
    assert_sent,
    capture,
    mute,
)
from tests.helpers import Boom, Recorder, connected
from tests.testapp.models import Author, Book, FamousAuthor, Tag

ROOT = Path(__file__).resolve().parent.parent

ping = signalkit.Signal()
plain = Signal()
cached = Signal(use_caching=True)
lonely = Signal()  # never has a receiver


pytestmark = pytest.mark.usefixtures("no_testing_helper_left")


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
        "tests.test_testing_capture.ping was not sent with sender=testapp.Author, value=1.\n"
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
        "tests.test_testing_capture.ping was not sent with sender=testapp.Author, value=1, "
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
        "tests.test_testing_capture.ping was sent once with sender=testapp.Author, but should "
        "not have been:\n"
        "  1. sender=testapp.Author, value=1"
    )


def test_assert_not_sent_fails_for_any_send() -> None:
    with pytest.raises(AssertionError) as info, assert_not_sent(ping):
        ping.send(sender=None)
        ping.send(sender="x", value=1)
    assert str(info.value) == (
        "tests.test_testing_capture.ping was sent 2 times, but should not have been:\n"
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
