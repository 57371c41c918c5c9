"""Every receiver a project has connected, for ``manage.py signals`` and the checks.

The signals looked at are Django's built-in ones, signalkit's own, every ``Signal`` bound
to a module attribute of an autodiscovered module (or of its imported submodules), every
``signalkit.Signal`` created, and every signal signalkit's decorators connected to.
Receivers signalkit connected are described from its registry, with their options;
receivers connected with a plain ``Signal.connect()`` are read from the signal itself.
"""

from __future__ import annotations

import difflib
import functools
import gc
import inspect
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from types import MethodType, ModuleType
from typing import Any

from django.apps import apps
from django.core.management.color import Style
from django.db.models import Model
from django.dispatch import Signal

from signalkit import _django, conf, dispatch, registry
from signalkit.naming import callable_path, signal_path
from signalkit.registry import Connection

# Modules whose signals are always listed, and Django's modules listed once something
# imported them: importing them would connect setting_changed receivers of their own
# (and django.tasks is Django >= 6.0 only). django.contrib.auth.signals is listed when
# the app is installed.
_BUILTIN_MODULES = (
    "django.db.models.signals",
    "django.core.signals",
    "django.db.backends.signals",
    "signalkit.signals",
)
_IF_IMPORTED = ("django.test.signals", "django.tasks.signals", "django_tasks.signals")

# Django's signals that no model ever sends: their catch-all receivers are not listed
# for --sender. Every other signal, custom ones included, may be sent by a model.
_NEVER_FROM_MODELS = frozenset(
    {
        "django.contrib.auth.signals.user_login_failed",
        "django.core.signals.got_request_exception",
        "django.core.signals.request_finished",
        "django.core.signals.request_started",
        "django.core.signals.setting_changed",
        "django.db.backends.signals.connection_created",
        "django.db.models.signals.post_migrate",
        "django.db.models.signals.pre_migrate",
        "django.tasks.signals.task_enqueued",
        "django.tasks.signals.task_finished",
        "django.tasks.signals.task_started",
        "django.test.signals.template_rendered",
        # The django-tasks backport's, on Django 5.2.
        "django_tasks.signals.task_enqueued",
        "django_tasks.signals.task_finished",
        "django_tasks.signals.task_started",
    }
)


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

    def as_json(self) -> dict[str, Any]:
        """The entry as ``manage.py signals --format json`` prints it."""
        file, line = self.location
        return {
            "signal": self.signal,
            "receiver": self.receiver,
            "sender": self.sender,
            "file": file,
            "line": line,
            "options": {name: jsonable(v) for name, v in self.options.items()},
            "dispatch_uid": jsonable(self.dispatch_uid),
            "resolved": self.resolved,
            "catch_all": self.catch_all,
        }


# Finding signals ------------------------------------------------------------------------


def signals() -> list[Signal]:
    """Every signal ``manage.py signals`` looks at, sorted by dotted path."""
    found: dict[int, Signal] = {}
    for module in _signal_modules():
        for value in list(vars(module).values()):
            if isinstance(value, Signal):
                found.setdefault(id(value), value)
    for each in dispatch.created_signals():
        found.setdefault(id(each), each)
    for conn in registry.connections():
        found.setdefault(id(conn.signal), conn.signal)
    return sorted(found.values(), key=signal_path)


def _signal_modules() -> list[ModuleType]:
    modules = [import_module(name) for name in _BUILTIN_MODULES]
    if apps.is_installed("django.contrib.auth"):
        modules.append(import_module("django.contrib.auth.signals"))
    for name in _IF_IMPORTED:
        module = sys.modules.get(name)
        if module is not None:
            modules.append(module)
    return modules + discovered_modules()


def discovered_modules() -> list[ModuleType]:
    """The modules autodiscovery imported, and their imported submodules.

    Read from ``sys.modules``: nothing is imported here.
    """
    names = conf.get("MODULES")
    if not conf.is_valid("MODULES", names):
        names = conf.DEFAULTS["MODULES"]
    loaded = dict(sys.modules)
    found = []
    for app_config in apps.get_app_configs():
        for name in names:
            dotted = f"{app_config.name}.{name}"
            module = loaded.get(dotted)
            if module is None:
                continue
            found.append(module)
            prefix = f"{dotted}."
            found.extend(
                sub
                for sub_name, sub in sorted(loaded.items())
                if sub_name.startswith(prefix) and sub is not None
            )
    return found


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
    label, app_label, model_name = _describe_sender(sender)
    return Entry(
        signal=path,
        receiver=conn.path,
        sender=label,
        options=conn.options.non_default(),
        dispatch_uid=conn.options.dispatch_uid,
        module=_module_of(func),
        sender_app=app_label,
        sender_model=model_name,
        function=func,
    )


def _from_plain(path: str, key: Any, receiver: Any, sender: Any) -> Entry:
    func = receiver
    while isinstance(func, functools.partial):
        func = func.func
    label, app_label, model_name = _describe_sender(sender)
    # Without a dispatch_uid, Django keys a receiver by the receiver itself.
    uid = None if key[0] == _django.make_id(receiver) else key[0]
    return Entry(
        signal=path,
        receiver=callable_path(func),
        sender=label,
        options={},
        dispatch_uid=uid,
        module=_module_of(func),
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
                    module=_module_of(func),
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


def _describe_sender(sender: Any) -> tuple[str | None, str | None, str | None]:
    """The label, app label and lower-case model name of a sender."""
    if sender is None:
        return None, None, None
    if isinstance(sender, type) and issubclass(sender, Model):
        meta = sender._meta
        return meta.label, meta.app_label, meta.model_name
    return repr(sender), None, None


def _module_of(func: Any) -> str:
    if isinstance(func, MethodType):
        func = func.__func__
    module = getattr(func, "__module__", None) or type(func).__module__
    return str(module)


# Describing receivers -------------------------------------------------------------------


def definition(func: Any) -> Any:
    """The function, method or class whose source defines ``func``.

    Looks through ``functools.partial``, bound methods and decorators that set
    ``__wrapped__``; a callable object is defined by its class's ``__call__``.
    """
    for _ in range(100):  # a bound on chains that loop back on themselves
        if isinstance(func, functools.partial):
            func = func.func
        elif isinstance(func, MethodType):
            func = func.__func__
        elif hasattr(func, "__wrapped__") and not isinstance(func, type):
            func = func.__wrapped__
        else:
            break
    if not (inspect.isroutine(func) or isinstance(func, type)) and callable(func):
        func = type(func).__call__
    return func


def source_location(func: Any) -> tuple[str | None, int | None]:
    """The file (relative to the working directory when under it) and ``def`` line."""
    target = definition(func)
    try:
        file = inspect.getsourcefile(target) or inspect.getfile(target)
    except (TypeError, OSError):  # builtins and C functions have no file
        return None, None
    try:
        lines, start = inspect.getsourcelines(target)
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        return _display_path(file), code.co_firstlineno if code is not None else None
    # getsourcelines() starts at the first decorator; the def comes after them.
    for offset, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ", "class ")):
            return _display_path(file), start + offset
    return _display_path(file), start


def _display_path(file: str) -> str:
    # The project's own files relative to the working directory; installed packages
    # relative to their sys.path entry (django/contrib/auth/models.py), the same on every
    # machine and in every virtualenv.
    if file.startswith("<"):  # "<string>" and the like: code with no file
        return file
    absolute = os.path.abspath(file)
    installed = _under_installed(absolute)
    if installed is not None:
        return installed
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # pragma: no cover - another drive, on Windows
        return absolute
    return absolute if relative.startswith(os.pardir) else relative


def _under_installed(absolute: str) -> str | None:
    in_project = absolute.startswith(os.getcwd() + os.sep)
    entries = sorted((os.path.abspath(p) for p in sys.path if p), key=len, reverse=True)
    for entry in entries:
        site = os.path.basename(entry) in ("site-packages", "dist-packages")
        if absolute.startswith(entry + os.sep) and (site or not in_project):
            return os.path.relpath(absolute, entry)
    return None


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: callables as dotted paths, tuples as lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if callable(value):
        return callable_path(value)
    return repr(value)


# Filters --------------------------------------------------------------------------------


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
    app_label, dot, model_name = text.partition(".")
    if not dot or not app_label or not model_name or "." in model_name:
        raise ValueError(
            f"--sender takes a model as 'app_label.ModelName', for example 'auth.User', "
            f"not {text!r}."
        )
    entries = list(entries)
    wanted = (app_label, model_name.lower())
    kept = [
        e
        for e in entries
        if (e.catch_all and e.signal not in _NEVER_FROM_MODELS)
        or (e.sender_app, e.sender_model) == wanted
    ]
    if any(not e.catch_all for e in kept):
        return kept
    try:
        apps.get_registered_model(app_label, model_name)
    except LookupError:
        labels = [m._meta.label for m in apps.get_models(include_auto_created=True)]
        lowered = {lab.lower(): lab for lab in labels}
        close = difflib.get_close_matches(text.lower(), list(lowered), n=3, cutoff=0.6)
        maybe = (
            f" Did you mean {', '.join(repr(lowered[c]) for c in close)}?"
            if close
            else ""
        )
        raise ValueError(
            f"--sender {text!r} names no installed model.{maybe} The app label is "
            f"case-sensitive, the model name is not."
        ) from None
    return kept


# Output ---------------------------------------------------------------------------------


def render_json(entries: Iterable[Entry]) -> str:
    """The entries as a JSON list, indented."""
    return json.dumps([e.as_json() for e in entries], indent=2)


def render_text(entries: Sequence[Entry], style: Style) -> str:
    """The entries grouped by signal, one block per receiver."""
    if not entries:
        return "No receivers match."
    lines: list[str] = []
    current = None
    for entry in entries:
        if entry.signal != current:
            if current is not None:
                lines.append("")
            current = entry.signal
            lines.append(style.MIGRATE_HEADING(entry.signal))
        lines.append(f"  {style.MIGRATE_LABEL(entry.receiver)}")
        if entry.catch_all:
            sender = style.NOTICE("(any sender)")
        elif not entry.resolved:
            sender = f"{entry.sender} {style.WARNING('(unresolved)')}"
        else:
            sender = str(entry.sender)
        lines.append(f"    sender: {sender}")
        if entry.options:
            shown = ", ".join(
                f"{name}={_option_text(value)}" for name, value in entry.options.items()
            )
            lines.append(f"    options: {shown}")
        if entry.dispatch_uid is not None:
            lines.append(f"    dispatch_uid: {entry.dispatch_uid!r}")
        file, line = entry.location
        if file is not None:
            lines.append(f"    defined at: {file}:{line}")
    count = len(entries)
    signal_count = len({e.signal for e in entries})
    lines.append("")
    lines.append(
        f"{count} receiver{'s' if count != 1 else ''} on {signal_count} "
        f"signal{'s' if signal_count != 1 else ''}."
    )
    return "\n".join(lines)


def _option_text(value: Any) -> str:
    if callable(value):
        return callable_path(value)
    return repr(value)


def render_mermaid(entries: Sequence[Entry]) -> str:
    """A Mermaid ``flowchart``: sender nodes, then signal nodes, then receiver nodes.

    A signal node stands for one signal from one sender, so the chart never suggests that
    a receiver listens to a sender it does not. Unresolved lazy senders have a dotted edge.
    """
    ids = _NodeIds()
    shorts: dict[str, set[str]] = {}
    for entry in entries:
        shorts.setdefault(entry.signal_name, set()).add(entry.signal)
    nodes: list[str] = []
    edges: list[str] = []
    declared: set[str] = set()
    drawn: set[str] = set()

    def node(key: tuple[str, ...], text: str, shape: str) -> str:
        node_id = ids.get(key)
        if node_id not in declared:
            declared.add(node_id)
            opening, closing = shape.split(" ")
            nodes.append(f"    {node_id}{opening}{_mermaid_label(text)}{closing}")
        return node_id

    def edge(line: str) -> None:
        if line not in drawn:
            drawn.add(line)
            edges.append(f"    {line}")

    for entry in entries:
        if entry.catch_all:
            sender_text = "any sender"
        elif not entry.resolved:
            sender_text = f"{entry.sender} (unresolved)"
        else:
            sender_text = str(entry.sender)
        sender_id = node(("sender", sender_text), sender_text, "[ ]")
        signal_text = (
            entry.signal_name if len(shorts[entry.signal_name]) == 1 else entry.signal
        )
        signal_id = node(("signal", entry.signal, sender_text), signal_text, "([ ])")
        receiver_id = node(("receiver", entry.receiver), entry.receiver, "( )")
        arrow = "-->" if entry.resolved else "-.->"
        edge(f"{sender_id} {arrow} {signal_id}")
        edge(f"{signal_id} --> {receiver_id}")
    if not entries:
        nodes.append('    empty["No receivers match."]')
    return "\n".join(["flowchart LR", *nodes, *edges])


class _NodeIds:
    """Mermaid node ids: letters, digits and underscores, one per key, never shared."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], str] = {}
        self._used: set[str] = set()

    def get(self, key: tuple[str, ...]) -> str:
        if key in self._ids:
            return self._ids[key]
        base = re.sub(r"[^0-9A-Za-z_]+", "_", "_".join(key)).strip("_")
        node_id, n = base, 1
        while node_id in self._used:
            n += 1
            node_id = f"{base}_{n}"
        self._used.add(node_id)
        self._ids[key] = node_id
        return node_id


def _mermaid_label(text: str) -> str:
    # Mermaid's entity codes: a quote would end the label, < and > would be read as HTML.
    escaped = text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return f'"{escaped}"'
