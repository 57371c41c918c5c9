"""Every receiver a project has connected, for ``manage.py signals`` and the checks.

The signals looked at are Django's built-in ones, signalkit's own, every ``Signal`` bound
to a module attribute of an autodiscovered module (or of its imported submodules), every
``signalkit.Signal`` created, and every signal signalkit's decorators connected to.
Receivers signalkit connected are described from its record of connections, with their
options; receivers connected with a plain ``Signal.connect()`` are read from the signal
itself. This module collects and filters; :mod:`signalkit.rendering` prints.
"""

from __future__ import annotations

import difflib
import functools
import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.dispatch import Signal

from signalkit import _django, custom_signals, discovery, known_signals, registry
from signalkit.naming import (
    callable_path,
    module_of,
    sender_parts,
    signal_path,
    source_location,
)
from signalkit.registry import Connection
from signalkit.senders import parse_label, suggest_models


@dataclass(frozen=True, eq=False)
class Entry:
    """One receiver of one signal for one sender."""

    signal: str  # dotted path
    receiver: str  # dotted path of the user's function
    sender: str | None  # "app_label.Model", the repr of another sender, None for any
    options: dict[str, Any]  # the options that differ from their defaults, as given
    dispatch_uid: Any  # as given; None when signalkit or Django made the key
    resolved: bool = True  # False for a lazy sender string that names no model yet
    module: str = ""  # the module the receiver is defined in
    sender_app: str | None = None  # app label of a model sender (or of a lazy string)
    sender_model: str | None = None  # lower-case model name of a model sender
    function: Any = field(default=None, repr=False)  # the user's function

    @property
    def catch_all(self) -> bool:
        """True for a receiver connected for any sender (``sender=None``)."""
        return self.sender is None

    @property
    def signal_name(self) -> str:
        """The short name of the signal, such as ``post_save``."""
        return self.signal.rpartition(".")[2]

    @functools.cached_property
    def location(self) -> tuple[str | None, int | None]:
        """The file and line of the receiver's ``def`` (``None`` when unknown)."""
        return source_location(self.function)


# Finding signals ------------------------------------------------------------------------


def signals() -> list[Signal]:
    """Every signal ``manage.py signals`` looks at, sorted by dotted path."""
    found: dict[int, Signal] = {}
    for module in _signal_modules():
        for value in list(vars(module).values()):
            if isinstance(value, Signal):
                found.setdefault(id(value), value)
    for each in custom_signals.created_signals():
        found.setdefault(id(each), each)
    for conn in registry.connections():
        found.setdefault(id(conn.signal), conn.signal)
    return sorted(found.values(), key=signal_path)


def _signal_modules() -> list[ModuleType]:
    names = list(known_signals.ALWAYS_LISTED + known_signals.LISTED_IF_IMPORTED)
    modules = [m for m in map(known_signals.module, names) if m is not None]
    if apps.is_installed("django.contrib.auth"):
        modules.append(import_module(known_signals.AUTH))
    return modules + discovery.discovered_modules()


def select_signals(name: str, candidates: Sequence[Signal]) -> list[Signal]:
    """The signals of ``candidates`` whose short name or dotted path is ``name``.

    Raises ``ValueError`` naming the closest known signals when none matches.
    """
    paths = [signal_path(each) for each in candidates]
    chosen = [
        each
        for each, path in zip(candidates, paths, strict=True)
        if name in (path, path.rpartition(".")[2])
    ]
    if chosen:
        return chosen
    known = sorted({p.rpartition(".")[2] for p in paths} | set(paths))
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.6)
    maybe = (
        f" Did you mean {', '.join(repr(c) for c in close)}?"
        if close
        else " Give a short name such as 'post_save' or a dotted path such as "
        "'django.db.models.signals.post_save'."
    )
    raise ValueError(f"Unknown signal {name!r}.{maybe}")


# Finding receivers ----------------------------------------------------------------------


def receivers(signal_list: Iterable[Signal] | None = None) -> list[Entry]:
    """One entry per signal, receiver and sender, for ``signal_list`` (default: all).

    Signals come in the order given, receivers of a signal in the order Django calls
    them, followed by the lazy senders of that signal that never resolved.
    """
    if signal_list is None:
        signal_list = signals()
    live = registry.connections()
    by_wrapper = {id(conn.wrapper): conn for conn in live}
    found = [(each, _django.live_receivers(each)) for each in signal_list]
    unknown = {
        key[1]
        for _, items in found
        for key, _, s in items
        if s is _django.UNKNOWN_SENDER
    }
    by_id = _find_senders(unknown, [s for conn in live for s in conn.senders])
    entries: list[Entry] = []
    seen: set[tuple[Any, ...]] = set()
    for each, items in found:
        path = signal_path(each)
        for key, receiver, sender in items:
            if sender is _django.UNKNOWN_SENDER:
                sender = by_id.get(key[1], _Missing(key[1]))
            conn = by_wrapper.get(id(receiver))
            if conn is not None and conn.wrapper is receiver:
                entry = _from_connection(path, conn, sender)
            else:
                entry = _from_plain(path, key, receiver, sender)
            # One entry per receiver and sender, even when a receiver is connected
            # twice under two dispatch_uids.
            ident = (id(each), _django.make_id(entry.function), entry.sender)
            if ident not in seen:
                seen.add(ident)
                entries.append(entry)
        for conn in live:
            if conn.signal is each:
                entries.extend(_unresolved(path, conn))
    return entries


def _find_senders(wanted: set[Any], known: Iterable[Any]) -> dict[Any, Any]:
    """The live objects whose Django id is in ``wanted``, by that id."""
    found: dict[Any, Any] = {}
    if not wanted:
        return found
    for obj in (
        *known,
        *apps.get_models(include_auto_created=True, include_swapped=True),
        *apps.get_app_configs(),
    ):
        found.setdefault(_django.make_id(obj), obj)
    missing = {ident for ident in wanted if ident not in found}
    if missing:
        # Any other object the garbage collector tracks (not strings or numbers).
        # Compared by id() alone: reading an attribute could evaluate a lazy object.
        for obj in gc.get_objects():
            if id(obj) in missing:
                found.setdefault(id(obj), obj)
    return {ident: found[ident] for ident in wanted if ident in found}


def _from_connection(path: str, conn: Connection, sender: Any) -> Entry:
    func = conn.func if conn.func is not None else conn.wrapper
    label, app_label, model_name = sender_parts(sender)
    return Entry(
        signal=path,
        receiver=conn.path,
        sender=label,
        options=conn.options.non_default(),
        dispatch_uid=conn.options.dispatch_uid,
        module=module_of(func),
        sender_app=app_label,
        sender_model=model_name,
        function=func,
    )


def _from_plain(path: str, key: Any, receiver: Any, sender: Any) -> Entry:
    func = receiver
    while isinstance(func, functools.partial):
        func = func.func
    label, app_label, model_name = sender_parts(sender)
    # Without a dispatch_uid, Django keys a receiver by the receiver itself.
    uid = None if key[0] == _django.make_id(receiver) else key[0]
    return Entry(
        signal=path,
        receiver=callable_path(func),
        sender=label,
        options={},
        dispatch_uid=uid,
        module=module_of(func),
        sender_app=app_label,
        sender_model=model_name,
        function=func,
    )


def _unresolved(path: str, conn: Connection) -> list[Entry]:
    """Entries for the lazy senders of ``conn`` that never attach anything."""
    func = conn.func if conn.func is not None else conn.wrapper
    entries = []
    for sub in conn.subscriptions:
        target = sub.target
        if sub.failure is not None:
            entries.append(
                Entry(
                    signal=path,
                    receiver=conn.path,
                    sender=target.text,
                    options=conn.options.non_default(),
                    dispatch_uid=conn.options.dispatch_uid,
                    resolved=False,
                    module=module_of(func),
                    sender_app=target.app_label,
                    sender_model=target.model_name or None,
                    function=func,
                )
            )
    return entries


class _Missing:
    """A sender known only by its id, such as a string on Django 5.2."""

    def __init__(self, ident: Any) -> None:
        self.ident = ident

    def __repr__(self) -> str:
        shown = f"{self.ident:#x}" if isinstance(self.ident, int) else repr(self.ident)
        return f"<unknown sender {shown}>"


# Filters --------------------------------------------------------------------------------

#: The packages whose own receivers ``manage.py signals`` lists only with ``--all``: they
#: are there in every project, and a project's own receivers are what one looks for.
FRAMEWORKS = ("django", "signalkit")


def is_framework(entry: Entry) -> bool:
    """True for a receiver defined in Django or in signalkit (see :data:`FRAMEWORKS`)."""
    return any(
        entry.module == name or entry.module.startswith(f"{name}.")
        for name in FRAMEWORKS
    )


def without_frameworks(entries: Iterable[Entry]) -> list[Entry]:
    """The entries of receivers not defined in Django or signalkit."""
    return [e for e in entries if not is_framework(e)]


def for_app(entries: Iterable[Entry], label: str) -> list[Entry]:
    """The entries of receivers defined in app ``label`` or listening to its models.

    Raises ``ValueError`` for a label no installed app has.
    """
    try:
        app_config = apps.get_app_config(label)
    except LookupError:
        labels = [c.label for c in apps.get_app_configs()]
        close = difflib.get_close_matches(label, labels, n=3, cutoff=0.6)
        maybe = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"No installed app has the label {label!r}.{maybe} The labels are: "
            f"{', '.join(sorted(labels))}."
        ) from None
    prefix = f"{app_config.name}."
    return [
        e
        for e in entries
        if e.module == app_config.name
        or e.module.startswith(prefix)
        or e.sender_app == label
    ]


def for_sender(entries: Iterable[Entry], text: str) -> list[Entry]:
    """The entries for model ``"app_label.ModelName"``, and the catch-all ones.

    Catch-all receivers of Django's signals that no model sends (``request_started``,
    ``setting_changed``, ``post_migrate``...) are left out. The model name is
    case-insensitive, as in lazy senders. Raises ``ValueError`` for a malformed string,
    or one that names no installed model and no listed sender.
    """
    parsed = parse_label(text)
    if parsed is None:
        raise ValueError(
            f"The sender {text!r} is not a model label of the form "
            f"'app_label.ModelName', such as 'auth.User'."
        )
    app_label, model_name = parsed
    entries = list(entries)
    wanted = (app_label, model_name.lower())
    kept = [
        e
        for e in entries
        if (e.catch_all and e.signal not in known_signals.NEVER_FROM_MODELS)
        or (e.sender_app, e.sender_model) == wanted
    ]
    if any(not e.catch_all for e in kept):
        return kept
    try:
        apps.get_registered_model(app_label, model_name)
    except LookupError:
        close = suggest_models(text)
        maybe = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"{text!r} names no installed model.{maybe} The app label is "
            f"case-sensitive, the model name is not."
        ) from None
    return kept
