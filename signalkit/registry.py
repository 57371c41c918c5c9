"""signalkit's own record of every connection it made.

``disconnect()``, the system checks and ``manage.py signals`` read this record rather
than Django's ``Signal.receivers`` internals. Every lookup is by key, so connecting or
disconnecting one receiver costs the same however many are connected.

A receiver is never connected twice. What "the same receiver" means:

- A function defined at the top level of a module (or in a class body) is known by the
  file that defines it and its qualified name, not by its module name: the same file
  imported under two module names is one receiver. When such a function is decorated
  and signalkit holds connections for another function object of the same name and file
  that comes from an earlier execution of that file (a reload, a second import), those
  earlier connections are undone first, on every signal and whatever their senders. Two
  functions of the same name defined in one execution of a module stay two receivers.
- Anything else (closures, lambdas, methods, callable objects, ``functools.partial``) is
  known by the object itself, so two closures from one factory both connect.
- Decorating the same object again for the same signal and senders replaces the earlier
  connection; for other senders it adds one, as stacked decorators do.
"""

from __future__ import annotations

import inspect
import os
import weakref
from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache
from types import FunctionType
from typing import Any

from signalkit import _django, subscriptions
from signalkit.naming import callable_path, is_module_level, signal_name
from signalkit.options import Options
from signalkit.senders import Target
from signalkit.subscriptions import Subscription


class Connection:
    """One decorator application: a receiver on one signal for one sender argument."""

    __slots__ = (
        "__weakref__",
        "_attached",
        "_execution",
        "_func_id",
        "_ident",
        "_path",
        "connected",
        "func_ref",
        "options",
        "prepare",
        "signal",
        "subscriptions",
        "targets",
        "uid",
        "wrapper",
    )

    def __init__(
        self,
        signal: Any,
        func_ref: Callable[[], Any],
        targets: list[Target],
        options: Options,
        uid: Hashable,
        ident: Hashable,
        func_id: Hashable,
        execution: tuple[Any, Any] | None,
        prepare: Prepare | None,
    ) -> None:
        self.signal = signal
        self.func_ref = func_ref
        self.targets = targets
        self.options = options
        self.uid = uid
        #: Called with each sender before the receiver is attached to it.
        self.prepare = prepare
        self._ident = ident
        # Django's key for the function, as it was when connected.
        self._func_id = func_id
        # For a module-level function: the module namespace and spec it was created in.
        self._execution = execution
        # A weakly held function can disappear: remember its name for the messages.
        self._path = callable_path(func_ref()) if options.weak else None
        #: What Django calls; ``None`` once disconnected. Held here only, so that
        #: dropping it disconnects every sender at once.
        self.wrapper: Callable[..., Any] | None = None
        self.subscriptions: Sequence[Subscription] = ()
        self.connected = True
        self._attached: list[tuple[Any, _django.Handle]] = []

    def __repr__(self) -> str:
        return f"<Connection {self.describe()}>"

    @property
    def func(self) -> Any:
        """The user's function, or ``None`` if it was weakly held and is gone."""
        return self.func_ref()

    @property
    def path(self) -> str:
        """The receiver's dotted path."""
        return self._path or callable_path(self.func_ref())

    @property
    def senders(self) -> list[Any]:
        """The senders this connection is attached to, in the order they were attached."""
        return [sender for sender, _ in self._attached]

    def attach(self, sender: Any) -> None:
        """Connect the wrapper for ``sender`` (once), unless its key is taken."""
        if not self.connected or self.wrapper is None:
            return
        if any(s is sender for s, _ in self._attached):
            return
        if self.prepare is not None:
            self.prepare(sender)
        handle = _django.connect(self.signal, self.uid, self.wrapper, sender)
        # None: as in Django, the first receiver connected under a dispatch_uid wins;
        # not recording the sender keeps disconnect() from removing that other receiver.
        if handle is not None:
            self._attached.append((sender, handle))

    def detach(self, *, collecting: bool = False) -> None:
        """Disconnect from every sender and take no more models; idempotent.

        ``collecting``: called from a garbage-collection callback, which may run while
        this thread iterates signalkit's own records; those are then left for a later
        call to tidy.
        """
        self.connected = False
        if self.wrapper is not None:
            attached, self._attached = self._attached, []
            # The entries refer to the wrapper weakly: dropping it disconnects them all.
            self.wrapper = None
            handles = [handle for _, handle in attached]
            _django.disconnect(self.signal, handles, collecting=collecting)
        if collecting:
            for subscription in self.subscriptions:
                subscription.active = False
            return
        subs, self.subscriptions = self.subscriptions, ()
        if subs:
            subscriptions.unsubscribe(subs)

    def describe(self) -> str:
        return f"receiver {self.path!r} on {signal_name(self.signal)}"


# Every live connection, in the order they were made (a dict used as an ordered set).
_connections: dict[Connection, None] = {}
# Receiver identity (see the module docstring) -> its live connections, all from one
# execution of the module: a new one undoes them first.
_groups: dict[Hashable, dict[Connection, None]] = {}
# Django's key for a function -> its live connections: connecting or disconnecting one is
# a lookup, however many functions share an identity (copies of one function).
_by_func: dict[Hashable, dict[Connection, None]] = {}
# Connections of weakly held receivers that were garbage-collected, still to forget.
# Filled from garbage-collection callbacks, which must not edit the dicts above: they
# may run in the middle of an iteration over them.
_collected: list[Connection] = []


def _of(func: Any) -> list[Connection]:
    """The live connections of ``func``, compared as Django compares receivers (a bound
    method is a new object on every attribute access)."""
    wanted = _django.make_id(func)
    return [
        conn
        for conn in _by_func.get(wanted, ())
        if (func := conn.func_ref()) is not None and _django.make_id(func) == wanted
    ]


def _remove(
    index: dict[Hashable, dict[Connection, None]], key: Hashable, conn: Connection
) -> None:
    conns = index.get(key)
    if conns is not None:
        conns.pop(conn, None)
        if not conns:
            del index[key]


def identity(func: Any) -> tuple[Hashable, tuple[Any, Any] | None]:
    """The identity signalkit knows a receiver by, and for a module-level function the
    execution of its module that created it (see the module docstring)."""
    inner = _unwrapped(func) if isinstance(func, FunctionType) else func
    if not (is_module_level(func) and is_module_level(inner)):
        return ("object", _django.make_id(func)), None
    namespace = inner.__globals__
    execution = (namespace, namespace.get("__spec__"))
    filename = inner.__code__.co_filename
    if filename.startswith("<"):  # exec'd or interactive code: no file to go by
        return ("module", inner.__module__, inner.__qualname__), execution
    return ("file", _real_path(filename), inner.__qualname__), execution


def _unwrapped(func: Any) -> Any:
    try:
        return inspect.unwrap(func)
    except ValueError:  # a __wrapped__ chain that loops
        return func


@lru_cache(maxsize=4096)
def _real_path(filename: str) -> str:
    return os.path.normcase(os.path.realpath(filename))


def _same_execution(one: tuple[Any, Any] | None, other: tuple[Any, Any] | None) -> bool:
    if one is None or other is None:
        return one is other
    return one[0] is other[0] and one[1] is other[1]


#: What builds the function Django calls for a receiver: from a callable returning the
#: receiver (``None`` once a weakly held one is gone), its identity and its options
#: (:func:`signalkit.delivery.build`).
Build = Callable[[Callable[[], Any], int, Options], Callable[..., Any]]
#: What a connection does with each sender before it attaches to it.
Prepare = Callable[[Any], None]


def connect(
    func: Any,
    signal: Any,
    targets: list[Target],
    options: Options,
    build: Build,
    prepare: Prepare | None = None,
) -> Connection:
    """Connect ``func`` to ``signal`` for ``targets``, through the function ``build``
    makes for it, calling ``prepare`` with each sender first (see the module docstring
    for what an earlier connection of the same receiver becomes)."""
    _forget_collected()
    ident, execution = identity(func)
    group = _groups.get(ident)
    if group and not _same_execution(next(iter(group))._execution, execution):
        # The function comes from a new execution of its module: what the earlier one
        # connected goes, whatever it was connected to.
        for earlier in list(group):
            disconnect_connection(earlier)
    for earlier in _of(func):
        if earlier.signal is signal and _same_targets(earlier.targets, targets):
            disconnect_connection(earlier)
    # Without a dispatch_uid, the connection is keyed exactly as Django keys ``func``
    # itself, so ``signal.disconnect(func, sender=...)`` finds what signalkit connected.
    func_id = _django.make_id(func)
    uid = options.dispatch_uid or func_id
    conn = Connection(
        signal,
        _StrongRef(func),
        targets,
        options,
        uid,
        ident,
        func_id,
        execution,
        prepare,
    )
    if options.weak:
        conn.func_ref = _weak(func, weakref.ref(conn))
    conn.wrapper = build(conn.func_ref, id(func), options)
    _connections[conn] = None
    _groups.setdefault(ident, {})[conn] = None
    _by_func.setdefault(func_id, {})[conn] = None
    try:
        conn.subscriptions = (
            subscriptions.subscribe(targets, conn.attach, conn.describe) or ()
        )
    except Exception:
        disconnect_connection(conn)
        raise
    return conn


def _same_targets(one: list[Target], other: list[Target]) -> bool:
    return one is other or [t.key for t in one] == [t.key for t in other]


class _StrongRef:
    """Called like a weak reference, returns the object it holds strongly."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __call__(self) -> Any:
        return self.obj


def _weak(func: Any, conn_ref: weakref.ref[Connection]) -> Callable[[], Any]:
    # The same test as Django's: builtins have __self__ too, but are not bound methods.
    is_method = hasattr(func, "__self__") and hasattr(func, "__func__")
    ref_type = weakref.WeakMethod if is_method else weakref.ref
    return ref_type(func, lambda _ref: _on_collected(conn_ref))


def _on_collected(conn_ref: weakref.ref[Connection]) -> None:
    # A garbage-collection callback: it may run while this thread holds a signal's lock
    # or iterates the registry, so it only drops the wrapper (which disconnects it from
    # Django without taking any lock) and leaves the bookkeeping to the next call.
    conn = conn_ref()
    if conn is None:
        return
    conn.detach(collecting=True)
    _collected.append(conn)


def _forget_collected() -> None:
    while _collected:
        disconnect_connection(_collected.pop())


def disconnect_connection(conn: Connection) -> None:
    """Undo one connection."""
    conn.detach()
    _connections.pop(conn, None)
    _remove(_groups, conn._ident, conn)
    _remove(_by_func, conn._func_id, conn)


def disconnect(func: Any) -> bool:
    """Undo every connection signalkit made for ``func``; True if there was any."""
    _forget_collected()
    found = _of(func)
    for conn in found:
        disconnect_connection(conn)
    return bool(found)


def connections() -> list[Connection]:
    """Every live connection, in the order they were made."""
    _forget_collected()
    return list(_connections)


def connection_for(wrapper: Any) -> Connection | None:
    """The live connection whose wrapper is ``wrapper``, if any."""
    func = getattr(wrapper, "__wrapped__", None)
    candidates: Any
    if func is not None:
        candidates = _by_func.get(_django.make_id(func), ())
    else:  # a weakly held receiver's wrapper keeps no reference to it
        candidates = list(_connections)
    return next((c for c in candidates if c.wrapper is wrapper), None)
