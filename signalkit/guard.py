"""The re-entrancy guard: a receiver is not called again for an instance it is already
running for, in the same thread of execution (a ``post_save`` receiver that saves its
instance does not recurse).

A receiver is known by the id of the user's function (``ident``), whatever signal or
sender it was connected for; an instance by its identity.

Sync receivers keep the state in their wrappers' own frames: a frame of a function
:func:`watch` was given, with its local ``entered`` set, is a guarded call of the
receiver whose :class:`Calls` is its variable ``calls``, for ``kwargs["instance"]``.
While no call of a receiver runs in any thread (its ``Calls`` list is empty), nothing
else is read; otherwise :func:`running` walks up the current stack, which is this
thread's (or greenlet's) own, so other threads are never blocked. Nothing is written on
a call but one list item, pushed and popped.

Async receivers run as tasks that interleave on one thread: their guard is a
``ContextVar`` (:func:`aentered`), which each task copies.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from types import CodeType, FrameType
from typing import Any


class Calls(list[None]):
    """One item per call of a receiver running now, in any thread; shared by the
    wrappers of one receiver."""

    __slots__ = ("__weakref__",)


_calls: weakref.WeakValueDictionary[int, Calls] = weakref.WeakValueDictionary()
# The code of the functions whose frames mark a guarded call (see the module docstring).
_marking: set[CodeType] = set()


def calls_of(ident: int) -> Calls:
    """The :class:`Calls` of the receiver ``ident``, for one of its wrappers to hold."""
    found = _calls.get(ident)
    if found is None:
        found = _calls[ident] = Calls()
    return found


def watch(function: Callable[..., Any]) -> None:
    """Count the frames of ``function`` (its variables ``entered``, ``calls`` and
    ``kwargs``) as guarded calls."""
    _marking.add(function.__code__)


def running(calls: Calls, instance: Any) -> bool:
    """True if a guarded call of the receiver of ``calls`` for ``instance`` runs further
    up the current stack. Called only while some call of that receiver runs somewhere."""
    if instance is None:
        return False  # the guard is per instance: without one there is nothing to guard
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code in _marking:
            local = frame.f_locals
            if (
                local.get("entered")
                and local.get("calls") is calls
                and local["kwargs"].get("instance") is instance
            ):
                return True
        frame = frame.f_back
    return False


# Async receivers -----------------------------------------------------------------------

# (ident, id of instance) pairs whose async receiver is running in this context. A tuple:
# it holds a handful of pairs at most, and adding one is a single allocation.
_running: ContextVar[tuple[tuple[int, int], ...]] = ContextVar(
    "signalkit_running", default=()
)


def akey(ident: int, kwargs: dict[str, Any]) -> tuple[int, int] | None:
    """The key of a guarded async call, or ``None`` when there is no instance."""
    instance = kwargs.get("instance")
    return None if instance is None else (ident, id(instance))


def aentered(key: tuple[int, int]) -> bool:
    """True if the async receiver and instance of ``key`` already run in this context."""
    return key in _running.get()


def aenter(key: tuple[int, int] | None) -> None:
    if key is not None:
        _running.set((*_running.get(), key))


def aleave(key: tuple[int, int] | None) -> None:
    # Remove the key rather than reset a token: Django runs async receivers as tasks
    # sharing one context, so their enter/leave interleave and a token reset would
    # restore another receiver's key, leaving it blocked for that instance for good.
    if key is not None:
        _running.set(tuple(k for k in _running.get() if k != key))
