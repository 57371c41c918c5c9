"""``signalkit.Signal``: Django's ``Signal`` with optional declared arguments."""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterable
from typing import Any

from django.dispatch import Signal as DjangoSignal

from signalkit import outcomes
from signalkit.naming import signal_path

_RESERVED = frozenset({"sender", "signal"})
DIRECT = outcomes.DIRECT
# Django's own send(), to tell whether Signal.send is still it (see DeclaredSignal).
_DJANGO_SEND = DjangoSignal.send

# Every live signalkit.Signal, so ``manage.py signals`` finds signals wherever they are
# defined; weak, so listing them keeps none alive.
_created: weakref.WeakSet[Signal] = weakref.WeakSet()


def created_signals() -> list[Signal]:
    """Every ``signalkit.Signal`` created so far that is still alive."""
    return list(_created)


class Signal(DjangoSignal):
    """A ``django.dispatch.Signal`` that can declare the arguments it is sent with.

    With ``args=("order", "amount")``, every ``send()``, ``send_robust()``, ``asend()`` and
    ``asend_robust()`` must pass exactly those keyword arguments (besides ``sender``), or
    ``TypeError`` names the signal and the argument. Without ``args`` it behaves exactly
    like Django's ``Signal``.
    """

    def __new__(
        cls, args: Iterable[str] | None = None, use_caching: bool = False
    ) -> Signal:
        # Only a signal that declares arguments pays for checking them: without args=,
        # send() and friends are Django's own, not an override that checks nothing.
        if args is not None and cls is Signal:
            cls = DeclaredSignal
        return super().__new__(cls)

    def __init__(
        self, args: Iterable[str] | None = None, use_caching: bool = False
    ) -> None:
        super().__init__(use_caching=use_caching)
        self.args: tuple[str, ...] | None = (
            None if args is None else _validate_args(args)
        )
        self._argset = None if self.args is None else frozenset(self.args)
        # Never sent an instance: signalkit's receivers without options can be called
        # past their wrappers (see outcomes.DIRECT).
        self._direct_calls = self._argset is not None and "instance" not in self._argset
        #: The module that created the signal, to name it in messages and introspection.
        self.defined_in: str | None = sys._getframe(1).f_globals.get("__name__")
        _created.add(self)

    def __repr__(self) -> str:
        declared = "" if self.args is None else f" args={self.args!r}"
        return f"<signalkit.Signal{declared} at {id(self):#x}>"


class DeclaredSignal(Signal):
    """A ``signalkit.Signal`` created with ``args=``: every send checks its arguments.

    The check is one comparison of the keywords with the declared set, made in the send
    method itself. ``send()``, the hot one, then calls the receivers itself as Django's
    ``send()`` does, rather than calling it: a Python call that passes the keywords on
    costs as much as a receiver call, which would make a declared signal send 1.25x as
    dear as Django's with one receiver. It calls Django's ``send()`` instead whenever
    the receivers include async ones, or ``Signal.send`` is not Django's own (patched by
    :mod:`signalkit._signal_patch` for the testing helpers and the observers), so that
    what those add to a send is never bypassed. A declared signal is never sent an
    undeclared ``instance``, so where it declares none, a signalkit receiver without
    options is called past its wrapper (``signalkit.outcomes.DIRECT``) unless
    outcomes are being watched. The other send methods check and call Django's.
    """

    _argset: frozenset[str]

    def _refuse(self, named: dict[str, Any]) -> None:
        path = signal_path(self)
        missing = [name for name in self.args or () if name not in named]
        if missing:
            raise TypeError(
                f"Signal {path} was sent without its declared argument {missing[0]!r}; "
                f"it declares args={self.args!r}."
            )
        extra = sorted(set(named) - self._argset)
        raise TypeError(
            f"Signal {path} was sent with the undeclared argument {extra[0]!r}; it declares "
            f"args={self.args!r}. Add the argument to args= or stop sending it."
        )

    def send(self, sender: Any, **named: Any) -> list[tuple[Any, Any]]:
        if named.keys() != self._argset:
            self._refuse(named)
        if DjangoSignal.send is not _DJANGO_SEND:
            return DjangoSignal.send(self, sender, **named)
        if not self.receivers:
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)
        if async_receivers:
            # Django runs them concurrently after the sync ones, through async_to_sync.
            return _DJANGO_SEND(self, sender, **named)
        if self._direct_calls and not outcomes.ACTIVE:
            return [
                (
                    receiver,
                    getattr(receiver, DIRECT, receiver)(
                        signal=self, sender=sender, **named
                    ),
                )
                for receiver in sync_receivers
            ]
        return [
            (receiver, receiver(signal=self, sender=sender, **named))
            for receiver in sync_receivers
        ]

    def send_robust(self, sender: Any, **named: Any) -> list[tuple[Any, Any]]:
        if named.keys() != self._argset:
            self._refuse(named)
        return DjangoSignal.send_robust(self, sender, **named)

    async def asend(self, sender: Any, **named: Any) -> list[tuple[Any, Any]]:
        if named.keys() != self._argset:
            self._refuse(named)
        return await DjangoSignal.asend(self, sender, **named)

    async def asend_robust(self, sender: Any, **named: Any) -> list[tuple[Any, Any]]:
        if named.keys() != self._argset:
            self._refuse(named)
        return await DjangoSignal.asend_robust(self, sender, **named)


def _validate_args(args: object) -> tuple[str, ...]:
    if isinstance(args, str):
        raise TypeError(
            f"Signal(args=...) takes a list or tuple of argument names, not the string "
            f"{args!r}; write args=({args!r},)."
        )
    if isinstance(args, bool):
        # Django's Signal takes use_caching as its first positional argument.
        raise TypeError(
            f"Signal(args=...) takes a list or tuple of argument names, not {args!r}; "
            f"to turn on caching write Signal(use_caching={args!r})."
        )
    if not isinstance(args, Iterable):
        raise TypeError(
            f"Signal(args=...) takes a list or tuple of argument names, not {args!r}."
        )
    names = tuple(args)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(
                f"Signal(args=...) names must be identifiers, not {name!r}."
            )
        if name in _RESERVED:
            raise TypeError(
                f"Signal(args=...) must not declare {name!r}: every signal passes it already."
            )
    if len(set(names)) != len(names):
        raise TypeError(f"Signal(args=...) declares an argument twice: {names!r}.")
    return names
