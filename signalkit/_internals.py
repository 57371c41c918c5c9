"""The Django internals signalkit edits directly, all in this one module.

Checked against Django 5.2, 6.0 and 6.1.

``Signal.receivers``
    ``Signal.connect()`` scans every receiver of the signal for a duplicate, and
    ``Signal.disconnect()`` scans again to remove one, so connecting n receivers to one
    signal costs O(n²) (20,000 closures: 17 s on Django 6.1). signalkit connects one
    entry per receiver and sender, so it writes the entries itself, in Django's format,
    under ``Signal.lock``, and keeps an index of their keys beside the list. An entry is
    ``(lookup_key, receiver, is_async)`` on Django 5.2 and
    ``(lookup_key, receiver, sender_ref, is_async)`` from 6.0. The receiver is stored as
    a weak reference to the wrapper signalkit builds, which the connection itself holds
    strongly: disconnecting drops that one strong reference, the entry goes dead at once,
    and Django skips it and sweeps it out on its next pass, as it does for any
    garbage-collected receiver. Nothing is scanned.

``Apps._pending_operations``
    What ``Apps.lazy_model_operation()`` queues: a dict from ``(app_label, model_name)``
    to a list of callables whose ``func`` attribute is the function that was given.
    Operations for a disconnected receiver, or for a string that names an abstract model
    (never registered), are removed from it, so that Django's own check of lazy
    references does not report them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from contextlib import suppress
from typing import Any

import django
from django.apps.registry import Apps
from django.db.models.signals import ModelSignal
from django.dispatch import Signal, dispatcher

# Django's own receiver and sender key, so entries are keyed exactly as Django keys them.
from django.dispatch.dispatcher import _make_id  # type: ignore[attr-defined]

# Django 6.0 added a weak reference to the sender to each entry.
_SENDER_REF = django.VERSION >= (6, 0)
# The method Django gives as callback to its weak references, to flag dead entries.
_FLAG_DEAD = "_flag_dead_receivers" if _SENDER_REF else "_remove_receiver"
# The function Django itself uses to tell async receivers apart (it changed in 6.1).
_is_async: Callable[[Any], bool] = dispatcher.iscoroutinefunction  # type: ignore[attr-defined]
# Signal classes whose connect() and disconnect() are Django's: their entries can be
# written here. Any other override is called as it is, for each connection.
_DJANGO_METHODS = frozenset(
    {Signal.connect, Signal.disconnect, ModelSignal.connect, ModelSignal.disconnect}
)


def make_id(obj: object) -> Hashable:
    """Django's key for a receiver or a sender."""
    return _make_id(obj)  # type: ignore[no-any-return]


class _Index:
    """The keys of the live entries of one ``Signal.receivers`` list.

    It is trusted only while the list has the length and the last entry it had when the
    index last saw it: what Django or other code does to the list (``connect()`` appends,
    ``disconnect()`` deletes, the sweep of dead entries drops some) changes one of the two,
    and the index is rebuilt. It keeps keys only, and the last entry, so that it holds on
    to no receiver that was disconnected behind its back.
    """

    __slots__ = ("keys", "last", "length")

    def __init__(self, receivers: list[Any]) -> None:
        self.keys = {entry[0] for entry in receivers if not _dead(entry)}
        self.seen(receivers)

    def seen(self, receivers: list[Any]) -> None:
        self.length = len(receivers)
        self.last = receivers[-1] if receivers else None

    def current(self, receivers: list[Any]) -> bool:
        return len(receivers) == self.length and (
            not receivers or receivers[-1] is self.last
        )


_indexes: weakref.WeakKeyDictionary[Signal, _Index] = weakref.WeakKeyDictionary()


def _dead(entry: tuple[Any, ...]) -> bool:
    receiver = entry[1]
    if isinstance(receiver, weakref.ReferenceType) and receiver() is None:
        return True
    sender_ref = entry[2] if _SENDER_REF else None
    return sender_ref is not None and sender_ref() is None


def _taken(signal: Signal, lookup: Any) -> tuple[bool, _Index]:
    # Called with signal.lock held.
    index = _indexes.get(signal)
    # A key seen before may belong to an entry that died since (a weakly held receiver
    # of Django's): look again before refusing.
    if index is None or not index.current(signal.receivers) or lookup in index.keys:
        index = _indexes[signal] = _Index(signal.receivers)
    return lookup in index.keys, index


class _ViaDjango:
    """A connection made through an overridden ``Signal.connect()``."""

    __slots__ = ("sender", "uid")

    def __init__(self, sender: Any, uid: Hashable) -> None:
        self.sender, self.uid = sender, uid


Handle = tuple[Any, ...] | _ViaDjango


def _direct(signal: Signal) -> bool:
    cls = type(signal)
    return cls.connect in _DJANGO_METHODS and cls.disconnect in _DJANGO_METHODS


def connect(
    signal: Signal, uid: Hashable, receiver: Callable[..., Any], sender: Any
) -> Handle | None:
    """Connect ``receiver`` for ``sender`` under ``uid``, unless that key is taken.

    The same as ``signal.connect(receiver, sender, dispatch_uid=uid)``, in constant time,
    except that the entry refers to ``receiver`` weakly: the caller holds it, and
    dropping it disconnects. Returns a handle for :func:`disconnect`, or ``None`` when
    another receiver is connected under the same key (as in Django, the first one wins).
    """
    lookup = (uid, _make_id(sender))
    if not _direct(signal):
        with signal.lock:
            taken = any(e[0] == lookup and not _dead(e) for e in signal.receivers)
        if taken:
            return None
        signal.connect(receiver, sender=sender, weak=False, dispatch_uid=uid)
        return _ViaDjango(sender, uid)
    flag = getattr(signal, _FLAG_DEAD)
    ref = weakref.ref(receiver, flag)
    entry: tuple[Any, ...]
    if _SENDER_REF:
        sender_ref = None
        if sender is not None:
            with suppress(TypeError):  # not every sender can be weakly referenced
                sender_ref = weakref.ref(sender, flag)
        entry = (lookup, ref, sender_ref, _is_async(receiver))
    else:  # pragma: no cover - Django 5.2
        entry = (lookup, ref, _is_async(receiver))
    with signal.lock:
        taken, index = _taken(signal, lookup)
        if taken:
            return None
        if signal._dead_receivers and index.length > 2 * len(index.keys) + 64:  # type: ignore[attr-defined]
            # Mostly dead entries: sweep them as Django would, once per doubling.
            signal._clear_dead_receivers()  # type: ignore[attr-defined]
            index = _indexes[signal] = _Index(signal.receivers)
        signal.receivers.append(entry)
        index.keys.add(lookup)
        index.seen(signal.receivers)
        signal.sender_receivers_cache.clear()
    return entry


def disconnect(signal: Signal, handles: list[Handle], *, collecting: bool) -> None:
    """Undo connections made by :func:`connect`, once their receiver was dropped.

    An entry whose receiver is still alive (something else holds the wrapper: a list of
    ``send()`` responses, a traceback) is removed from the list. ``collecting`` is true
    when called from a garbage-collection callback: then no lock is taken, and a receiver
    still alive is left to the sweep (its function is gone, so it does nothing).
    """
    alive = []
    for handle in handles:
        if isinstance(handle, _ViaDjango):
            signal.disconnect(sender=handle.sender, dispatch_uid=handle.uid)
            continue
        index = _indexes.get(signal)
        # While the index is current, its key for this entry is this entry's: Django
        # refuses a second entry with the same key. A single set operation, safe without
        # the lock.
        if index is not None and index.current(signal.receivers):
            index.keys.discard(handle[0])
        if not _dead(handle):
            alive.append(handle)
    if not alive or collecting:
        return
    with signal.lock:
        gone = {id(entry) for entry in alive}
        signal.receivers[:] = [e for e in signal.receivers if id(e) not in gone]
        signal.sender_receivers_cache.clear()


def cancel_lazy_operation(
    registry: Apps, key: tuple[str, str], function: Callable[..., Any]
) -> None:
    """Remove ``function``, queued by ``registry.lazy_model_operation()`` for ``key``."""
    pending = registry._pending_operations
    waiting = pending.get(key)
    if not waiting:
        return
    waiting[:] = [op for op in waiting if getattr(op, "func", None) is not function]
    if not waiting:
        del pending[key]
