"""The ``SIGNALKIT`` setting: one dict over documented defaults, read lazily."""

from __future__ import annotations

import difflib
import math
from functools import cache
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

SETTING_NAME = "SIGNALKIT"

#: Every key ``SIGNALKIT`` accepts, with its default value.
DEFAULTS: dict[str, Any] = {
    "AUTODISCOVER": True,
    "MODULES": ["signals"],
    "TASK_BACKEND": "default",
    "SLOW_RECEIVER_MS": None,
    "OPENTELEMETRY": False,
}


def _is_str_sequence(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _is_number_or_none(value: object) -> bool:
    return value is None or (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    )


def is_module_name(name: str) -> bool:
    """True for a module name relative to an app: ``"signals"``, ``"signals.handlers"``."""
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def module_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a submodule of an app, or ``None`` if it can."""
    if name.endswith((".py", ".pyc")) and is_module_name(name.rpartition(".")[0]):
        return (
            f"{name!r} is a file name: give the module name, "
            f"{name.rpartition('.')[0]!r}."
        )
    if not is_module_name(name):
        return (
            f"{name!r} is not a module name: each entry names a submodule of every "
            f"installed app, as Python identifiers joined by dots, such as 'signals' "
            f"or 'signals.handlers' (no paths, no leading dot, not empty)."
        )
    return None


def _modules_value_problem(value: Any) -> str | None:
    for name in value:
        problem = module_name_problem(name)
        if problem is not None:
            return f"SIGNALKIT['MODULES'] contains {problem}"
    return None


def _milliseconds_value_problem(value: Any) -> str | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        return (
            f"SIGNALKIT['SLOW_RECEIVER_MS'] must be a finite number of milliseconds, "
            f"zero or more, or None; not {value!r}."
        )
    return None


def _opentelemetry_value_problem(value: bool) -> str | None:
    if value and find_spec("opentelemetry.trace") is None:
        return (
            "SIGNALKIT['OPENTELEMETRY'] is True, but the OpenTelemetry API is not "
            "installed: python -m pip install 'django-signalkit[otel]'."
        )
    return None


#: For each key: a test of the value's type, the type it describes (for messages), and a
#: check of a value of that type returning what is wrong with it, or ``None``.
VALIDATORS: dict[str, tuple[Any, str, Any]] = {
    "AUTODISCOVER": (lambda v: isinstance(v, bool), "bool", None),
    "MODULES": (_is_str_sequence, "list or tuple of str", _modules_value_problem),
    "TASK_BACKEND": (lambda v: isinstance(v, str), "str", None),
    "SLOW_RECEIVER_MS": (
        _is_number_or_none,
        "int, float or None",
        _milliseconds_value_problem,
    ),
    "OPENTELEMETRY": (
        lambda v: isinstance(v, bool),
        "bool",
        _opentelemetry_value_problem,
    ),
}


def problem(key: str, value: object) -> str | None:
    """A sentence saying what is wrong with ``SIGNALKIT[key] = value``, or ``None``."""
    test, expected, check = VALIDATORS[key]
    if not test(value):
        return (
            f"SIGNALKIT[{key!r}] must be {expected}, not {type(value).__name__} "
            f"({value!r})."
        )
    return None if check is None else check(value)


def problems() -> list[tuple[str, str, str]]:
    """Everything wrong with ``settings.SIGNALKIT``: (key, message, hint) triples."""
    value = user_settings()
    if not isinstance(value, dict):
        return [
            (
                "",
                f"The SIGNALKIT setting must be a dict, not {type(value).__name__}.",
                'Write SIGNALKIT = {"MODULES": ["signals"]} or remove the setting.',
            )
        ]
    found = []
    for key, item in value.items():
        if key not in VALIDATORS:
            close = difflib.get_close_matches(str(key), list(VALIDATORS), n=1)
            known = ", ".join(VALIDATORS)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            found.append(
                (
                    str(key),
                    f"SIGNALKIT has an unknown key {key!r}.",
                    f"{hint}The known keys are {known}.",
                )
            )
        elif (message := problem(key, item)) is not None:
            found.append(
                (
                    key,
                    message,
                    f"Set SIGNALKIT[{key!r}] to a {VALIDATORS[key][1]} (default: {DEFAULTS[key]!r}).",
                )
            )
    return found


def user_settings() -> Any:
    """Return ``settings.SIGNALKIT`` as the user wrote it (an empty dict when unset)."""
    value = getattr(settings, SETTING_NAME, None)
    return {} if value is None else value


#: Counts the changes of Django settings seen since signalkit first read one
#: (``setting_changed``, which ``override_settings`` sends). An answer worked out from
#: settings (which ``TASKS`` backend a receiver's events go to) is kept with the count
#: :func:`settings_version` gave when it was worked out, and is stale once they differ.
changes_seen = 0


def settings_version() -> int:
    """The current :data:`changes_seen`, once changes are being counted."""
    _watch()
    return changes_seen


def _watch() -> None:
    # Connected by the first read rather than at import: importing signalkit connects
    # no receiver.
    setting_changed.connect(_reset, dispatch_uid="signalkit.conf.reset")


@cache
def get_config() -> dict[str, Any]:
    """Return the effective configuration: the defaults updated with the user's keys.

    The result is cached until the setting changes (``override_settings`` in tests sends
    ``setting_changed``, which clears the cache). Validation is the job of the
    ``signalkit.E002`` system check, so unknown keys are passed through untouched here.
    """
    _watch()
    config = dict(DEFAULTS)
    value = user_settings()
    if isinstance(value, dict):
        config.update(value)
    return config


def get(key: str) -> Any:
    """Return the effective value of one ``SIGNALKIT`` key."""
    return get_config()[key]


def _reset(*, setting: str, **kwargs: Any) -> None:
    global changes_seen
    # Any setting: what an answer depends on (SIGNALKIT, TASKS, DATABASES...) is the
    # keeper's business, and settings change rarely outside tests.
    changes_seen += 1
    if setting == SETTING_NAME:
        get_config.cache_clear()
