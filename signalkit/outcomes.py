"""What became of each receiver call, for whoever watches: one record per send and one per
receiver outcome, handed to the consumers that subscribed.

The consumers are the slow-receiver warning (``SIGNALKIT["SLOW_RECEIVER_MS"]``),
OpenTelemetry spans, the debug-toolbar panel and ``signalkit.testing.trace()``; they
subscribe through :mod:`signalkit.observers`, everywhere or in one context only. The
places that decide an outcome report it here: the wrappers of :mod:`signalkit.delivery`
(skipped, deferred, ran, raised), :mod:`signalkit.background` (enqueued),
:mod:`signalkit.worker` (a ``task=`` receiver that ran), and the patch of
``django.dispatch.Signal`` (sends, muted receivers, plain Django receivers).

While nobody watches, this costs one read of the module-level flag :data:`ACTIVE` on
each of those paths: nothing is timed, allocated or looked up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from signalkit.naming import callable_path, sent_from

# What became of a receiver call.
RAN = "ran"
RAISED = "raised"
SKIPPED = "skipped"
DEFERRED = "deferred"
ENQUEUED = "enqueued"
ROLLED_BACK = "rolled back"

#: True while at least one consumer is subscribed, anywhere: the one thing the hot paths
#: read when nobody watches.
ACTIVE = False

#: Set on the wrappers signalkit connects (the value returns the user's function): they
#: report their own outcomes, so the Signal patch leaves them as they are.
WRAPPER = "__signalkit_wrapper__"

#: Set on a wrapper that, called without an ``instance`` while :data:`ACTIVE` is False,
#: does nothing but call the user's function (the value): a declared custom signal,
#: which can never be sent an undeclared ``instance``, calls that function itself.
DIRECT = "__signalkit_direct__"

# Module names whose frames are not "where a signal was sent from".
_NOT_THE_SENDER = ("django.", "signalkit.", "asgiref.", "debug_toolbar.", "contextlib")


@dataclass(eq=False, slots=True)
class Send:
    """One send of a signal that had receivers for its sender."""

    signal: Any
    sender: Any
    #: The ``using`` argument of the send, if it had one.
    using: Any
    #: Where it was sent from: the innermost frame outside Django and signalkit.
    file: str | None
    line: int | None


@dataclass(eq=False, slots=True)
class Outcome:
    """What became of one receiver for one send."""

    #: :data:`RAN`, :data:`RAISED`, :data:`SKIPPED`, :data:`DEFERRED`,
    #: :data:`ENQUEUED` or :data:`ROLLED_BACK`.
    kind: str
    signal: Any
    sender: Any
    #: The user's function (not signalkit's wrapper), or a plain Django receiver.
    receiver: Any
    #: The send it belongs to, when a consumer that records sends was watching it.
    send: Send | None
    using: Any = None
    #: How long the call took (:data:`RAN`, :data:`RAISED`).
    seconds: float | None = None
    exception: BaseException | None = None
    #: Why it was skipped: ``created``, ``changed``, ``when``, ``muted``, ``reentrant``.
    reason: str | None = None
    #: Where a ``task=`` receiver's event went: the backend alias and the task's id.
    backend: str | None = None
    task_id: str | None = None
    #: The :data:`DEFERRED` outcome this one settles (it ran, was enqueued or rolled back
    #: at the end of the transaction).
    deferred: Outcome | None = None
    #: In a worker, the trace context the event carried (W3C ``traceparent``...).
    remote: dict[str, str] | None = None

    @property
    def path(self) -> str:
        """The receiver's dotted path."""
        return callable_path(self.receiver)


class Consumer:
    """Something that watches outcomes. Every method does nothing: override what you use."""

    #: Whether :meth:`sent` is wanted; working out where a send came from costs a walk
    #: up the stack, paid only for consumers that ask.
    wants_sends = False

    def sent(self, send: Send) -> None:
        """A signal is being sent; its receivers' outcomes follow."""

    def calling(self, outcome: Outcome) -> Any:
        """A receiver is about to run; what this returns is handed to :meth:`called`."""

    def called(self, outcome: Outcome, state: Any) -> None:
        """A receiver ran (:data:`RAN`) or raised (:data:`RAISED`)."""

    def noted(self, outcome: Outcome) -> None:
        """A receiver was skipped, deferred, enqueued, or its transaction rolled back."""

    def carried(self) -> dict[str, str] | None:
        """What a ``task=`` event carries to the worker for this consumer, if anything."""
        return None


_lock = threading.Lock()
_everywhere: tuple[Consumer, ...] = ()
_here: ContextVar[tuple[Consumer, ...]] = ContextVar("signalkit_consumers", default=())
_contexts = 0  # how many context-local subscriptions are in force
_sending: ContextVar[Send | None] = ContextVar("signalkit_sending", default=None)
_settling: ContextVar[Outcome | None] = ContextVar("signalkit_settling", default=None)


def add(consumer: Consumer, *, here: bool) -> None:
    """Start handing outcomes to ``consumer``: in the current context only (``here``;
    contexts copied from it later see it too), or everywhere."""
    global _everywhere, _contexts
    with _lock:
        if here:
            _here.set((*_here.get(), consumer))
            _contexts += 1
        else:
            _everywhere = (*_everywhere, consumer)
        _refresh()


def discard(consumer: Consumer, *, here: bool) -> bool:
    """Stop handing outcomes to ``consumer``; False if it was not subscribed (there)."""
    global _everywhere, _contexts
    with _lock:
        found = _here.get() if here else _everywhere
        if not any(c is consumer for c in found):
            return False
        rest = tuple(c for c in found if c is not consumer)
        if here:
            _here.set(rest)
            _contexts -= 1
        else:
            _everywhere = rest
        _refresh()
        return True


def _refresh() -> None:
    global ACTIVE
    ACTIVE = bool(_everywhere) or _contexts > 0


def consumers() -> tuple[Consumer, ...]:
    """The consumers watching the current context: those subscribed everywhere first."""
    here = _here.get()
    return _everywhere + here if here else _everywhere


# Sends -------------------------------------------------------------------------------


def wanting_sends() -> bool:
    """Whether a consumer watching the current context wants :meth:`Consumer.sent`."""
    return any(consumer.wants_sends for consumer in consumers())


def sending(
    signal: Any, sender: Any, named: dict[str, Any]
) -> Token[Send | None] | None:
    """Record a send for the consumers that want sends, as the current one until
    :func:`sent` ends it; ``None`` when none of them watches."""
    if not wanting_sends():
        return None
    watching = [c for c in consumers() if c.wants_sends]
    file, line = sent_from(_NOT_THE_SENDER)
    send = Send(signal, sender, named.get("using"), file, line)
    for consumer in watching:
        consumer.sent(send)
    return _sending.set(send)


def sent(token: Token[Send | None] | None) -> None:
    """End the send :func:`sending` started."""
    if token is not None:
        _sending.reset(token)


# Receiver calls ----------------------------------------------------------------------


def _outcome(
    kind: str, receiver: Any, signal: Any, sender: Any, kwargs: dict[str, Any]
) -> Outcome:
    return Outcome(kind, signal, sender, receiver, _sending.get(), kwargs.get("using"))


def _started(
    receiver: Any,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
    remote: dict[str, str] | None,
) -> tuple[tuple[Consumer, ...], Outcome, list[Any]]:
    watching = consumers()
    outcome = _outcome(RAN, receiver, signal, sender, kwargs)
    outcome.remote = remote
    outcome.deferred = settle(receiver)
    return watching, outcome, [c.calling(outcome) for c in watching]


def settle(receiver: Any) -> Outcome | None:
    """The deferred outcome of ``receiver`` that the commit running now settles, if any;
    asked once, by what reports that outcome."""
    settling = _settling.get()
    if settling is None or settling.receiver is not receiver:
        # Not the call the commit was for: a receiver of a signal sent on the way.
        return None
    _settling.set(None)
    return settling


def _ended(
    watching: tuple[Consumer, ...],
    outcome: Outcome,
    states: list[Any],
    start: float,
    exception: BaseException | None,
) -> None:
    outcome.seconds = time.perf_counter() - start
    if exception is not None:
        outcome.kind, outcome.exception = RAISED, exception
    for consumer, state in zip(reversed(watching), reversed(states), strict=True):
        consumer.called(outcome, state)


def run(
    receiver: Any,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
    call: Callable[[], Any] | None = None,
    remote: dict[str, str] | None = None,
) -> Any:
    """Call ``receiver`` (or ``call()``, which calls it) and report the outcome."""
    watching, outcome, states = _started(receiver, signal, sender, kwargs, remote)
    start = time.perf_counter()
    try:
        if call is None:
            result = receiver(signal=signal, sender=sender, **kwargs)
        else:
            result = call()
    except BaseException as exc:
        _ended(watching, outcome, states, start, exc)
        raise
    _ended(watching, outcome, states, start, None)
    return result


async def arun(
    receiver: Any,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
    call: Callable[[], Awaitable[Any]] | None = None,
) -> Any:
    """The ``async`` twin of :func:`run`, for a coroutine receiver."""
    watching, outcome, states = _started(receiver, signal, sender, kwargs, None)
    start = time.perf_counter()
    try:
        if call is None:
            result = await receiver(signal=signal, sender=sender, **kwargs)
        else:
            result = await call()
    except BaseException as exc:
        _ended(watching, outcome, states, start, exc)
        raise
    _ended(watching, outcome, states, start, None)
    return result


def _note(outcome: Outcome, watching: tuple[Consumer, ...]) -> None:
    for consumer in watching:
        consumer.noted(outcome)


def skipped(
    receiver: Any, reason: str, signal: Any, sender: Any, kwargs: dict[str, Any]
) -> None:
    """Report that ``receiver`` was not called, and why."""
    if receiver is None:  # a weakly held receiver that is gone
        return
    outcome = _outcome(SKIPPED, receiver, signal, sender, kwargs)
    outcome.reason = reason
    _note(outcome, consumers())


def enqueued(
    receiver: Any,
    backend: str,
    task_id: str | None,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
    settles: Outcome | None = None,
) -> None:
    """Report that a ``task=`` receiver's event was handed to ``backend`` (at the commit
    that ``settles`` its deferred outcome, if so)."""
    outcome = _outcome(ENQUEUED, receiver, signal, sender, kwargs)
    outcome.backend, outcome.task_id, outcome.deferred = backend, task_id, settles
    _note(outcome, consumers())


def carried() -> dict[str, str] | None:
    """What the watching consumers want a ``task=`` event to carry to its worker."""
    found: dict[str, str] = {}
    for consumer in consumers():
        found.update(consumer.carried() or {})
    return found or None


def deferred(
    callback: Callable[[], Any],
    receiver: Any,
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
) -> Callable[[], Any]:
    """The ``callback`` to hand to ``transaction.on_commit()`` for ``receiver``.

    Inside a transaction, the receiver is reported deferred, and the callback returned
    reports what became of it: its call at the commit settles the deferred outcome, and
    if Django drops it unrun (the transaction, or the savepoint it was registered in,
    rolled back) it reports :data:`ROLLED_BACK`. Outside one, Django runs the callback at
    once: it is returned as it is.
    """
    watching = consumers()
    if (
        not watching
        or not transaction.get_connection(kwargs.get("using")).in_atomic_block
    ):
        return callback
    outcome = _outcome(DEFERRED, receiver, signal, sender, kwargs)
    _note(outcome, watching)
    return _Deferred(callback, outcome, watching)


class _Deferred:
    """A callback waiting for a commit, which reports what became of it."""

    __slots__ = ("callback", "done", "outcome", "watching")

    def __init__(
        self,
        callback: Callable[[], Any],
        outcome: Outcome,
        watching: tuple[Consumer, ...],
    ) -> None:
        self.callback, self.outcome, self.watching = callback, outcome, watching
        self.done = False

    def __call__(self) -> Any:
        self.done = True
        # The call reports under the send that deferred it, and settles its outcome.
        sending = _sending.set(self.outcome.send)
        settling = _settling.set(self.outcome)
        try:
            return self.callback()
        finally:
            _settling.reset(settling)
            _sending.reset(sending)

    def __del__(self) -> None:
        # Django drops the callbacks of a transaction (or savepoint) that rolls back
        # without calling them: this one is going unrun.
        if self.done:
            return
        was = self.outcome
        outcome = Outcome(
            ROLLED_BACK, was.signal, was.sender, was.receiver, was.send, was.using
        )
        outcome.deferred = was
        # A consumer's error has nowhere to go from here but sys.unraisablehook.
        _note(outcome, self.watching)
