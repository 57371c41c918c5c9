"""The patch of ``django.dispatch.Signal``: each send consults the testing helpers and the
consumers of outcomes, in the sender's own context.

``mute()`` and ``capture()`` must see every send and every receiver, Django's plain ones
included, without editing ``Signal.receivers`` (what factory_boy's ``mute_signals`` does,
and why it loses receivers connected meanwhile and leaks into other threads). The
consumers of :mod:`signalkit.outcomes` (``trace()``, the slow-receiver warning,
OpenTelemetry, the debug-toolbar panel) must see the sends and the calls of plain Django
receivers. So the send methods themselves are patched, once.

Nothing is patched until a testing helper is first used or a consumer first subscribes.
From then on ``send()``, ``send_robust()``, ``asend()``, ``asend_robust()``,
``has_listeners()`` and ``_live_receivers()`` of ``django.dispatch.Signal`` first read one
``ContextVar`` and the flag ``outcomes.ACTIVE``; while no helper is active and nobody
watches they go straight on to Django's own methods. Nothing here touches
``Signal.receivers``: what is connected stays connected, and each decision is taken per
send, in the context (thread or async task) of the sender.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.dispatch import Signal

from signalkit import _django, outcomes

Responses = list[tuple[Any, Any]]
RecordSend = Callable[[Any, dict[str, Any]], None]


@dataclass(frozen=True, eq=False)
class Mute:
    """Silence the receivers of ``signals`` (``None``: every signal but ``spared``)."""

    signals: tuple[Signal, ...] | None
    sender: Any = None
    spared: tuple[Signal, ...] = ()
    #: What activated it (a :class:`signalkit.testing.Muted`), to find it again on exit.
    owner: Any = None

    def covers(self, signal: Signal, sender: Any) -> bool:
        if self.signals is None:
            if any(s is signal for s in self.spared):
                return False
        elif not any(s is signal for s in self.signals):
            return False
        return sender_matches(self.sender, sender)


@dataclass(frozen=True, eq=False)
class Observer:
    """Call ``record(sender, kwargs)`` for every send of ``signal`` by ``sender``."""

    signal: Signal
    sender: Any
    record: RecordSend

    def covers(self, signal: Signal, sender: Any) -> bool:
        return signal is self.signal and sender_matches(self.sender, sender)


Entry = Mute | Observer


class _State:
    """The helpers active in one context; immutable, replaced as a whole."""

    __slots__ = ("entries", "mutes", "observers")

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        self.entries = entries
        self.mutes = tuple(e for e in entries if isinstance(e, Mute))
        self.observers = tuple(e for e in entries if isinstance(e, Observer))

    def before_send(self, signal: Signal, sender: Any, named: dict[str, Any]) -> bool:
        """Record the send for the observers; return True if its receivers are muted."""
        for observer in self.observers:
            if observer.covers(signal, sender):
                observer.record(sender, dict(named))
        return any(mute.covers(signal, sender) for mute in self.mutes)


_state: ContextVar[_State | None] = ContextVar("signalkit_testing", default=None)
_lock = threading.Lock()
#: True once ``Signal`` is patched.
INSTALLED = False
# Set on each patched method: Django's method it wraps.
_ORIGINAL = "__signalkit_original__"
# Set on a plain receiver's stand-in: the receiver it stands for.
_PLAIN = "__signalkit_plain__"


def sender_matches(expected: Any, sender: Any) -> bool:
    """True if ``sender`` is ``expected``, or ``expected`` is ``None`` (any sender)."""
    return expected is None or _django.make_id(expected) == _django.make_id(sender)


def push(entry: Entry) -> None:
    """Activate ``entry`` in the current context (and contexts copied from it later)."""
    install()
    state = _state.get()
    _state.set(_State((*state.entries, entry) if state else (entry,)))


def remove(entry: Entry) -> bool:
    """Deactivate ``entry`` in the current context; False if it was not active here.

    Entries are removed by identity rather than by resetting a token, so helpers that
    end out of order (pytest fixtures, a helper shared by threads) never drop another's.
    """
    state = _state.get()
    if state is None or not any(e is entry for e in state.entries):
        return False
    rest = tuple(e for e in state.entries if e is not entry)
    _state.set(_State(rest) if rest else None)
    return True


def active() -> tuple[Entry, ...]:
    """The entries active in the current context, oldest first."""
    state = _state.get()
    return state.entries if state else ()


def _unwrap(responses: Responses) -> Responses:
    # Plain receivers are observed through stand-ins: report the receivers Django was
    # asked to call.
    return [(getattr(r, _PLAIN, r), response) for r, response in responses]


def _stand_in(receiver: Any, asynchronous: bool = False) -> Callable[..., Any]:
    """A stand-in for a plain (not signalkit) receiver, a coroutine function when
    ``asynchronous``, that reports its call to whoever watches."""
    report: Callable[..., Any] = outcomes.arun if asynchronous else outcomes.run

    def observed(*args: Any, **kwargs: Any) -> Any:
        call = functools.partial(receiver, *args, **kwargs)
        return report(
            receiver, kwargs.get("signal"), kwargs.get("sender"), kwargs, call
        )

    functools.update_wrapper(observed, receiver, updated=())
    if asynchronous:
        # It returns arun()'s coroutine: marked, so that it is seen as async.
        markcoroutinefunction(observed)
    setattr(observed, _PLAIN, receiver)
    return observed


def _live(signal: Signal, sender: Any) -> list[Any]:
    """The receivers ``signal`` calls for ``sender``, as Django lists them."""
    live = Signal.__dict__[_django.LIVE_RECEIVERS]
    sync_receivers, async_receivers = getattr(live, _ORIGINAL, live)(signal, sender)
    return [*sync_receivers, *async_receivers]


def _observe(signal: Signal, sender: Any, named: dict[str, Any], muted: bool) -> Any:
    """Report a send that has receivers, and its muted receivers; return what
    :func:`outcomes.sent` takes to end it."""
    if not muted and not outcomes.wanting_sends():
        return None  # nobody records sends, and the receivers report themselves
    live = _live(signal, sender)
    if not live:
        return None  # a send nobody listens to (every pre_init of a model, often)
    token = outcomes.sending(signal, sender, named)
    if muted:
        for each in live:
            found = getattr(each, outcomes.WRAPPER, None)
            outcomes.skipped(
                each if found is None else found(), "muted", signal, sender, named
            )
    return token


def _patch_send(original: Callable[..., Responses]) -> Callable[..., Responses]:
    @functools.wraps(original)
    def send(self: Signal, sender: Any, **named: Any) -> Responses:
        state = _state.get()
        if state is None and not outcomes.ACTIVE:
            return original(self, sender, **named)
        muted = state is not None and state.before_send(self, sender, named)
        if not outcomes.ACTIVE:
            return [] if muted else original(self, sender, **named)
        token = _observe(self, sender, named, muted)
        try:
            return [] if muted else _unwrap(original(self, sender, **named))
        finally:
            outcomes.sent(token)

    return send


def _patch_asend(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def asend(self: Signal, sender: Any, **named: Any) -> Responses:
        state = _state.get()
        if state is None and not outcomes.ACTIVE:
            return await original(self, sender, **named)  # type: ignore[no-any-return]
        muted = state is not None and state.before_send(self, sender, named)
        if not outcomes.ACTIVE:
            return [] if muted else await original(self, sender, **named)
        token = _observe(self, sender, named, muted)
        try:
            return [] if muted else _unwrap(await original(self, sender, **named))
        finally:
            outcomes.sent(token)

    return asend


def _patch_has_listeners(original: Callable[..., bool]) -> Callable[..., bool]:
    @functools.wraps(original)
    def has_listeners(self: Signal, sender: Any = None) -> bool:
        state = _state.get()
        # A capture listens, as a connected receiver would: Django then sends signals it
        # skips when nobody listens (the pre_delete/post_delete of a fast delete).
        if state is not None and any(o.covers(self, sender) for o in state.observers):
            return True
        return original(self, sender)

    return has_listeners


def _patch_live_receivers(
    original: Callable[..., tuple[list[Any], list[Any]]],
) -> Callable[..., tuple[list[Any], list[Any]]]:
    @functools.wraps(original)
    def _live_receivers(self: Signal, sender: Any) -> tuple[list[Any], list[Any]]:
        sync_receivers, async_receivers = original(self, sender)
        if not outcomes.ACTIVE or not outcomes.consumers():
            return sync_receivers, async_receivers
        # signalkit's own receivers report their outcomes themselves (delivery.py), when
        # the decorated function is really called: not when a condition turns it down,
        # and at commit time for on_commit ones.
        return (
            [
                r if hasattr(r, outcomes.WRAPPER) else _stand_in(r)
                for r in sync_receivers
            ],
            [
                r if hasattr(r, outcomes.WRAPPER) else _stand_in(r, True)
                for r in async_receivers
            ],
        )

    return _live_receivers


_PATCHES: dict[str, Callable[[Any], Any]] = {
    "send": _patch_send,
    "send_robust": _patch_send,
    "asend": _patch_asend,
    "asend_robust": _patch_asend,
    "has_listeners": _patch_has_listeners,
    _django.LIVE_RECEIVERS: _patch_live_receivers,
}


def install() -> None:
    """Patch ``django.dispatch.Signal``; idempotent and thread-safe."""
    if not INSTALLED:
        with _lock:
            _patch()


def _patch() -> None:
    # Called with _lock held.
    global INSTALLED
    if INSTALLED:
        return
    for name, patch in _PATCHES.items():
        current = Signal.__dict__[name]
        # Wrap Django's method even if a reloaded copy of this module patched it
        # before: the context variable consulted must be this module's.
        original = getattr(current, _ORIGINAL, current)
        patched = patch(original)
        setattr(patched, _ORIGINAL, original)
        setattr(Signal, name, patched)
    INSTALLED = True
