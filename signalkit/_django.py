"""Every read of a Django internal, in this one module.

An internal is a name Django keeps private (a leading underscore) or a data structure it
does not document. Each is read here only, with the Django versions it was checked
against, so that a Django upgrade touches this file alone. All of them were checked on
Django 5.2, 6.0 and 6.1 unless a line says otherwise.

``django.dispatch.dispatcher._make_id``
    Django's key for a receiver or a sender: signalkit keys its connections, compares
    receivers and matches senders exactly as Django does.

``Signal.receivers``, ``Signal.lock``, ``Signal.sender_receivers_cache``, ``Signal._dead_receivers``, ``Signal._clear_dead_receivers()``, ``Signal._flag_dead_receivers()``
    ``Signal.connect()`` scans every receiver of the signal for a duplicate, and
    ``Signal.disconnect()`` scans again to remove one, so connecting n receivers to one
    signal costs O(n²) (20,000 closures: 17 s on Django 6.1). signalkit connects one entry
    per receiver and sender, so it writes the entries itself, in Django's format, under
    ``Signal.lock``, and keeps an index of their keys beside the list. An entry is
    ``(lookup_key, receiver, is_async)`` on Django 5.2 and
    ``(lookup_key, receiver, sender_ref, is_async)`` from 6.0 (``lookup_key`` is
    ``(receiver key, sender key)``). The receiver is stored as a weak reference to the
    wrapper signalkit builds, which the connection itself holds strongly: disconnecting
    drops that one strong reference, the entry goes dead at once, and Django skips it and
    sweeps it out on its next pass, as it does for any garbage-collected receiver. The
    weak references' callback is ``_remove_receiver`` on 5.2, ``_flag_dead_receivers``
    from 6.0. ``manage.py signals`` reads the same entries to list plain ``connect()``
    receivers.

``dispatcher.iscoroutinefunction``
    What Django itself uses to tell async receivers apart (asgiref's on 5.2 and 6.0, the
    standard library's on 6.1), so that entries written here are sorted as Django would.

``Signal._live_receivers(sender)``
    Every ``send()``, ``send_robust()``, ``asend()`` and ``asend_robust()`` calls it for
    ``(sync receivers, async receivers)``. The patch of ``Signal``
    (:mod:`signalkit._signal_patch`) wraps it so that plain receivers report their calls
    to whoever watches (:mod:`signalkit.outcomes`). ``DeclaredSignal.send()``
    (:mod:`signalkit.custom_signals`) calls it, after a look at whether
    ``Signal.receivers`` is empty, to call sync receivers as Django's ``send()`` does
    without a second call that passes the keywords on (the one read of these made
    outside this module: a helper here would cost that call again).

``Apps.all_models``, ``Apps._pending_operations``
    ``all_models`` maps an app label to its registered models, apps installed or not (a
    ``defaultdict``: read with ``get()``, which adds nothing). ``_pending_operations`` is
    what ``Apps.lazy_model_operation()`` queues: a dict from ``(app_label, model_name)``
    to a list of callables whose ``func`` attribute is the function that was given.
    Operations for a disconnected receiver, or for a string naming an abstract model
    (never registered), are taken out of it, so that Django's own check of lazy references
    does not report them.

``BaseDatabaseWrapper.atomic_blocks``, ``Atomic._from_testcase``
    The ``atomic()`` blocks open on a connection, and the flag ``TestCase`` sets on those
    it opens itself.

``Manager._queryset_class``
    The queryset class a manager made by ``from_queryset()``/``as_manager()`` builds.

``QuerySet._for_write``, ``Query.is_sliced``, ``Query.distinct_fields``, ``Query.combinator``, ``UpdateQuery.add_update_values()``
    What ``QuerySet.update()`` sets and checks before its query (``distinct_fields`` is
    refused there from 6.1; before, it is refused when the query is compiled).
    signalkit's queryset checks the same before it reads the primary keys of the rows
    it will update, so that what Django refuses is refused before any query or signal.

``DeferredAttribute.fetch_many`` (Django 6.1 only)
    Django 6.1's ``FETCH_PEERS`` mode loads a deferred field for every instance of a
    queryset at once through this method of the field's descriptor; tracking wraps it on
    the descriptor object of a tracked field, to keep the values it loads as baselines.

``django.utils.inspect.signature``
    ``inspect.signature`` that leaves deferred annotations (Python 3.14) unevaluated;
    early 5.2 releases lack it.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Hashable
from contextlib import suppress
from typing import Any, cast

import django
from django.apps.registry import Apps
from django.db.models import Manager, Model, QuerySet, sql
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import ModelSignal
from django.dispatch import Signal, dispatcher
from django.dispatch.dispatcher import _make_id  # type: ignore[attr-defined]

try:
    from django.utils.inspect import signature
except ImportError:  # pragma: no cover - Django 5.2 before 5.2.8
    from inspect import signature

__all__ = ["signature"]

# Django 6.0 added a weak reference to the sender to each entry.
_SENDER_REF = django.VERSION >= (6, 0)
# The method Django gives as callback to its weak references, to flag dead entries.
_FLAG_DEAD = "_flag_dead_receivers" if _SENDER_REF else "_remove_receiver"
_is_async: Callable[[Any], bool] = dispatcher.iscoroutinefunction  # type: ignore[attr-defined]
# Signal classes whose connect() and disconnect() are Django's: their entries can be
# written here. Any other override is called as it is, for each connection.
_DJANGO_METHODS = frozenset(
    {Signal.connect, Signal.disconnect, ModelSignal.connect, ModelSignal.disconnect}
)

#: The name of the method every send method calls for the receivers to call.
LIVE_RECEIVERS = "_live_receivers"


#: Django's key for a receiver or a sender (Django's own function, not a wrapper: it runs
#: for every connect and disconnect).
make_id: Callable[[object], Hashable] = _make_id


_NONE_ID = make_id(None)


# Signal.receivers ------------------------------------------------------------------------


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


#: The sender of a :func:`live_receivers` item when the signal keeps only its key.
UNKNOWN_SENDER: Any = object()


def live_receivers(signal: Signal) -> list[tuple[Any, Any, Any]]:
    """``(lookup key, receiver, sender)`` for each live receiver of ``signal``, in the
    order Django calls them (async ones apart).

    The sender is ``None`` for any sender, and :data:`UNKNOWN_SENDER` when the signal
    keeps only its key (always on 5.2; from 6.0, for senders that cannot be weakly
    referenced).
    """
    with signal.lock:
        raw = list(signal.receivers)
    found = []
    for item in raw:
        key, ref = item[0], item[1]
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if receiver is None:
            continue  # garbage-collected; Django drops it on its next send
        sender: Any = UNKNOWN_SENDER
        if key[1] == _NONE_ID:
            sender = None
        elif len(item) > 3 and isinstance(item[2], weakref.ReferenceType):
            sender = item[2]()
            if sender is None:
                continue  # a dead sender: Django ignores the receiver
        found.append((key, receiver, sender))
    return found


# The app registry --------------------------------------------------------------------------


def registered_models(app_registry: Apps, app_label: str) -> list[type[Model]]:
    """The models registered so far under ``app_label``, installed app or not."""
    return list(app_registry.all_models.get(app_label, {}).values())


def cancel_lazy_operation(
    app_registry: Apps, key: tuple[str, str], function: Callable[..., Any]
) -> None:
    """Remove ``function``, queued by ``app_registry.lazy_model_operation()`` for ``key``."""
    pending = app_registry._pending_operations
    waiting = pending.get(key)
    if not waiting:
        return
    waiting[:] = [op for op in waiting if getattr(op, "func", None) is not function]
    if not waiting:
        del pending[key]


# Transactions -----------------------------------------------------------------------------


def in_atomic_block_of_others(connection: Any) -> bool:
    """True if ``connection`` has an ``atomic()`` block open that a ``TestCase`` did not
    open for itself."""
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


# Querysets ------------------------------------------------------------------------------


def queryset_class(manager: Manager[Any]) -> Any:
    """The queryset class ``manager`` was built from, or ``None``."""
    return getattr(manager, "_queryset_class", None)


def prepare_update(queryset: QuerySet[Any], values: dict[str, Any]) -> bool:
    """What ``QuerySet.update(**values)`` does before its query; False where it would
    refuse the queryset (Django's own ``update()`` then raises as it does).

    Wrong field names raise ``FieldError`` here, as they do in Django's ``update()``.
    """
    query = queryset.query
    if query.is_sliced or query.distinct_fields or query.combinator:
        return False
    cast(sql.UpdateQuery, query.chain(sql.UpdateQuery)).add_update_values(values)
    mark_for_write(queryset)
    return True


def mark_for_write(queryset: QuerySet[Any]) -> None:
    """Make ``queryset.db`` the database for writes, as Django's writing methods do."""
    queryset._for_write = True  # type: ignore[attr-defined]


# Deferred fields --------------------------------------------------------------------------


def wrap_peer_fetch(
    cls: type[Model],
    attname: str,
    wrap: Callable[[Callable[[list[Model]], None]], Callable[[list[Model]], None]],
    done: Callable[[Any], bool],
) -> None:
    """Replace Django 6.1's ``fetch_many`` of the descriptor of ``attname`` on ``cls`` by
    ``wrap(fetch_many)``, unless ``done(fetch_many)`` says it already is; nothing before
    6.1 or for a field that is not deferrable.

    Set on the descriptor object itself: the class's method stays Django's.
    """
    descriptor = inspect.getattr_static(cls, attname, None)
    if not isinstance(descriptor, DeferredAttribute):
        return
    fetch_many = getattr(descriptor, "fetch_many", None)
    if fetch_many is None or done(fetch_many):
        return
    setattr(descriptor, "fetch_many", wrap(fetch_many))  # noqa: B010
