"""What ``manage.py signals --format json`` says about the receivers: their signal,
sender and options, read once per process.

The panel and the home page use signalkit's own introspection for this (its JSON output
is documented), rather than guessing from the source: ``options`` tells, for instance,
that a receiver runs at the commit (``on_commit``) or in a task (``task``).
"""

from __future__ import annotations

import functools
import json
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.dispatch import Signal
from django.utils.module_loading import import_string


@functools.cache
def entries() -> tuple[dict[str, Any], ...]:
    """Every receiver ``manage.py signals`` lists, as its JSON objects.

    Each has ``signal`` and ``receiver`` (dotted paths), ``sender`` (``"app_label.Model"``
    or ``None``), ``file``, ``line`` and ``options`` (those that differ from the defaults).
    Receivers are connected at startup, so one reading per process is enough.
    """
    out = StringIO()
    call_command("signals", format="json", stdout=out)
    return tuple(json.loads(out.getvalue()))


def of_module(module_name: str) -> list[dict[str, Any]]:
    """The entries of the receivers defined in the module ``module_name``, by line."""
    found = [
        entry
        for entry in entries()
        if entry["receiver"].rpartition(".")[0] == module_name
    ]
    return sorted(found, key=lambda entry: entry["line"] or 0)


def find(receiver: str, signal: Signal | str | None = None) -> dict[str, Any] | None:
    """The entry of the receiver with the dotted path ``receiver`` on ``signal`` (a
    ``Signal`` or a dotted path; ``None``: any), or ``None`` if none is listed."""
    for entry in entries():
        if entry["receiver"] == receiver and _is(entry["signal"], signal):
            return entry
    return None


def _is(path: str, signal: Signal | str | None) -> bool:
    if signal is None:
        return True
    if isinstance(signal, str):
        return path == signal
    try:
        return import_string(path) is signal
    except ImportError:
        return False


def short_name(entry: dict[str, Any]) -> str:
    """The signal's name without its module: ``post_save``, ``order_paid``."""
    return str(entry["signal"]).rpartition(".")[2]
