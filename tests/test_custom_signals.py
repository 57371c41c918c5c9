"""Contract section 3: ``signalkit.Signal`` and its declared arguments."""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import outcomes
from signalkit.testing import trace

order_paid = signalkit.Signal(args=("order", "amount"))
no_args = signalkit.Signal(args=())
anything = signalkit.Signal()
cached = signalkit.Signal(use_caching=True)

SENDS = ["send", "send_robust", "asend", "asend_robust"]


pytestmark = pytest.mark.usefixtures("undo_connections")


def sender_of(signal: DjangoSignal, how: str) -> Callable[..., Any]:
    """The signal's ``how`` method, made synchronous."""
    method = getattr(signal, how)
    return async_to_sync(method) if how.startswith("a") else method


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> str:
        calls.append(kwargs)
        return "ok"

    signalkit.receiver([order_paid, no_args, anything, cached])(receive)
    yield calls


def test_is_a_django_signal() -> None:
    assert isinstance(order_paid, DjangoSignal)
    assert order_paid.args == ("order", "amount")
    assert anything.args is None
    assert order_paid.defined_in == __name__


@pytest.mark.parametrize("how", SENDS)
def test_declared_arguments_are_passed(
    how: str, received: list[dict[str, Any]]
) -> None:
    responses = sender_of(order_paid, how)(sender=None, order=1, amount=2)

    assert [r for _, r in responses] == ["ok"]
    assert received == [{"signal": order_paid, "sender": None, "order": 1, "amount": 2}]


@pytest.mark.parametrize("how", SENDS)
def test_missing_argument_raises(how: str, received: list[dict[str, Any]]) -> None:
    with pytest.raises(TypeError) as info:
        sender_of(order_paid, how)(sender=None, order=1)

    message = str(info.value)
    assert "tests.test_custom_signals.order_paid" in message
    assert "'amount'" in message
    assert "without" in message
    assert received == []


@pytest.mark.parametrize("how", SENDS)
def test_undeclared_argument_raises(how: str, received: list[dict[str, Any]]) -> None:
    with pytest.raises(TypeError) as info:
        sender_of(order_paid, how)(sender=None, order=1, amount=2, currency="EUR")

    message = str(info.value)
    assert "tests.test_custom_signals.order_paid" in message
    assert "'currency'" in message
    assert "undeclared" in message
    assert received == []


@pytest.mark.parametrize("how", SENDS)
def test_missing_is_reported_before_undeclared(how: str) -> None:
    with pytest.raises(TypeError, match="without its declared argument 'order'"):
        sender_of(order_paid, how)(sender=None, amount=2, extra=3)


@pytest.mark.parametrize("how", SENDS)
def test_raises_even_without_receivers(how: str) -> None:
    # A wrong call is wrong whether or not anything listens yet.
    assert not order_paid.has_listeners()
    with pytest.raises(TypeError, match="'amount'"):
        sender_of(order_paid, how)(sender=None, order=1)


@pytest.mark.parametrize("how", SENDS)
def test_empty_args_allow_no_arguments(
    how: str, received: list[dict[str, Any]]
) -> None:
    sender_of(no_args, how)(sender=None)
    with pytest.raises(TypeError, match=r"tests\.test_custom_signals\.no_args.*'x'"):
        sender_of(no_args, how)(sender=None, x=1)
    assert len(received) == 1


@pytest.mark.parametrize("how", SENDS)
def test_without_args_anything_goes(how: str, received: list[dict[str, Any]]) -> None:
    sender_of(anything, how)(sender="s", a=1, b=2)
    sender_of(anything, how)(sender="s")

    assert received == [
        {"signal": anything, "sender": "s", "a": 1, "b": 2},
        {"signal": anything, "sender": "s"},
    ]


def test_without_args_behaves_like_django() -> None:
    calls: list[str] = []

    def receive(**kwargs: Any) -> None:
        calls.append("plain")

    anything.connect(receive, weak=False)
    try:
        assert anything.has_listeners()
        assert anything.send(sender=None) == [(receive, None)]
        assert anything.send_robust(sender=None) == [(receive, None)]
        assert anything.disconnect(receive) is True
        assert anything.send(sender=None) == []
    finally:
        anything.disconnect(receive)
    assert calls == ["plain", "plain"]


def test_send_robust_returns_errors_like_django() -> None:
    def fail(**kwargs: Any) -> None:
        raise ValueError("boom")

    signalkit.receiver(order_paid)(fail)

    [(_, error)] = order_paid.send_robust(sender=None, order=1, amount=2)

    assert isinstance(error, ValueError)


class Order:
    """A sender."""


class Refund:
    """Another sender."""


def on_any(sender: Any, **kwargs: Any) -> str:
    return f"any {sender.__name__} {kwargs['order']}"


def on_order(**kwargs: Any) -> str:
    return "order"


async def on_any_async(**kwargs: Any) -> str:
    return "async"


@pytest.fixture
def djangos_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Signal.send`` as Django defines it, even where the testing helpers patched it:
    the declared send calls the receivers itself only then."""
    own = getattr(DjangoSignal.send, "__wrapped__", DjangoSignal.send)
    monkeypatch.setattr(DjangoSignal, "send", own)


def caller_codes(**kwargs: Any) -> list[CodeType]:
    """Returns the code of every frame that called it."""
    codes: list[CodeType] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        codes.append(frame.f_code)
        frame = frame.f_back
    return codes


@pytest.mark.usefixtures("djangos_send")
@pytest.mark.parametrize("use_caching", [False, True])
@pytest.mark.parametrize("with_async", [False, True])
def test_send_answers_as_djangos_send(use_caching: bool, with_async: bool) -> None:
    declared = signalkit.Signal(args=("order",), use_caching=use_caching)
    plain = DjangoSignal(use_caching=use_caching)
    for signal in (declared, plain):
        signal.connect(on_any)
        signal.connect(on_order, sender=Order)
        if with_async:
            signal.connect(on_any_async)

    for sender in (Order, Refund, Order, Refund):
        responses = declared.send(sender, order=1)
        assert responses == plain.send(sender, order=1)
        expected = [(on_any, f"any {sender.__name__} 1")]
        if sender is Order:
            expected.append((on_order, "order"))
        if with_async:
            expected.append((on_any_async, "async"))
        assert responses == expected


@pytest.mark.usefixtures("djangos_send")
def test_send_calls_sync_receivers_without_djangos_send() -> None:
    # The check costs no second call that passes the keywords on.
    declared = signalkit.Signal(args=())
    declared.connect(caller_codes)

    [(_, codes)] = declared.send(None)

    assert type(declared).send.__code__ in codes
    assert DjangoSignal.send.__code__ not in codes


@pytest.mark.usefixtures("djangos_send")
def test_send_without_receivers_returns_nothing() -> None:
    declared = signalkit.Signal(args=("order",))
    assert declared.send(None, order=1) == []
    declared.connect(on_order, sender=Order)
    assert declared.send(Refund, order=1) == []
    assert declared.send(Order, order=1) == [(on_order, "order")]


def test_send_goes_through_a_patched_signal_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The testing helpers and the observers patch Signal.send: a declared send must not
    # go around them.
    seen: list[tuple[Any, Any, dict[str, Any]]] = []
    original = DjangoSignal.send

    def spy(self: DjangoSignal, sender: Any, **named: Any) -> Any:
        seen.append((self, sender, named))
        return original(self, sender, **named)

    monkeypatch.setattr(DjangoSignal, "send", spy)
    declared = signalkit.Signal(args=("order", "amount"))
    declared.connect(on_order)

    assert declared.send(None, order=1, amount=2) == [(on_order, "order")]
    assert seen == [(declared, None, {"order": 1, "amount": 2})]
    with pytest.raises(TypeError, match="'amount'"):
        declared.send(None, order=1)
    assert len(seen) == 1


def test_use_caching() -> None:
    assert isinstance(cached.sender_receivers_cache, weakref.WeakKeyDictionary)
    assert isinstance(anything.sender_receivers_cache, dict)
    assert cached.use_caching is True


def test_repr() -> None:
    assert repr(order_paid).startswith(
        "<signalkit.Signal args=('order', 'amount') at 0x"
    )
    assert repr(anything).startswith("<signalkit.Signal at 0x")


def test_args_accept_any_iterable_of_names() -> None:
    assert signalkit.Signal(args=["a", "b"]).args == ("a", "b")
    assert signalkit.Signal(args=(name for name in ("x",))).args == ("x",)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ("order", "not the string 'order'"),
        (True, "use_caching=True"),
        (5, "not 5"),
        (["ok", "not-an-identifier"], "'not-an-identifier'"),
        (["ok", 3], "not 3"),
        (["sender"], "'sender'"),
        (["signal"], "'signal'"),
        (["a", "b", "a"], "twice"),
    ],
)
def test_bad_args_declarations(args: Any, fragment: str) -> None:
    with pytest.raises(TypeError) as info:
        signalkit.Signal(args=args)
    assert "Signal(args=...)" in str(info.value)
    assert fragment in str(info.value)


def test_signal_not_bound_to_a_module_is_named_by_its_repr() -> None:
    local = signalkit.Signal(args=("x",))

    with pytest.raises(TypeError) as info:
        local.send(sender=None)

    assert repr(local) in str(info.value)
    assert "'x'" in str(info.value)


@pytest.mark.usefixtures("djangos_send")
def test_a_receiver_without_options_is_called_past_its_wrapper() -> None:
    # A declared signal is never sent an instance: the wrapper of a receiver without
    # options would only pass the call on.
    declared = signalkit.Signal(args=("order",))
    signalkit.receiver(declared)(caller_codes)
    [(connected, codes)] = declared.send(None, order=1)

    assert connected is not caller_codes  # Django's answer names what is connected
    assert type(declared).send.__code__ in codes
    assert connected.__code__ not in codes


@pytest.mark.usefixtures("djangos_send")
def test_a_receiver_with_a_condition_still_goes_through_its_wrapper() -> None:
    declared = signalkit.Signal(args=("order",))
    calls: list[int] = []

    def receive(sender: Any, order: int, **kwargs: Any) -> None:
        calls.append(order)

    signalkit.receiver(declared, when=lambda order, **kw: order > 1)(receive)
    declared.send(None, order=1)
    declared.send(None, order=2)
    assert calls == [2]


@pytest.mark.usefixtures("djangos_send")
def test_a_signal_declaring_instance_keeps_the_guard() -> None:
    declared = signalkit.Signal(args=("instance",))
    calls: list[object] = []
    target = object()

    def receive(sender: Any, instance: object, **kwargs: Any) -> None:
        calls.append(instance)
        declared.send(None, instance=instance)  # guarded: not called again

    signalkit.receiver(declared)(receive)
    declared.send(None, instance=target)
    assert calls == [target]


@pytest.mark.usefixtures("djangos_send")
def test_outcomes_of_a_receiver_without_options_are_reported() -> None:
    declared = signalkit.Signal(args=("order",))

    def receive(sender: Any, **kwargs: Any) -> str:
        return "done"

    signalkit.receiver(declared)(receive)
    with trace() as runs:
        declared.send("s", order=1)
    assert [(r.signal, r.receiver, r.sender) for r in runs] == [
        (declared, receive, "s")
    ]


@pytest.mark.usefixtures("djangos_send")
def test_while_outcomes_are_watched_the_wrapper_is_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The wrapper reports outcomes: with a consumer subscribed it must not be bypassed,
    # even where Signal.send is Django's own.
    declared = signalkit.Signal(args=("order",))
    signalkit.receiver(declared)(caller_codes)
    monkeypatch.setattr(outcomes, "ACTIVE", True)
    monkeypatch.setattr(outcomes, "run", lambda func, signal, sender, kw: func(**kw))
    [(connected, codes)] = declared.send(None, order=1)
    assert connected.__code__ in codes
