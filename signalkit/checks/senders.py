"""``signalkit.E001`` and ``signalkit.E004``: lazy senders that cannot be used."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks

from signalkit import _django, senders, subscriptions
from signalkit.subscriptions import Subscription

_ADVICE = (
    "Fix the string in the decorator, or add the app that defines the model to "
    "INSTALLED_APPS."
)


def check_senders(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``signalkit.E001`` for strings that resolve to nothing, ``E004`` for abstract ones."""
    errors: list[checks.CheckMessage] = []
    for sub in subscriptions.string_subscriptions():
        if sub.failure is not None:
            message, hint, check_id = _problem(sub)
            errors.append(
                checks.Error(message, hint=hint, obj=sub.target.text, id=check_id)
            )
    return errors


def _problem(sub: Subscription) -> tuple[str, str, str]:
    """The message, hint and id for a subscription that attaches nothing."""
    text = sub.target.text
    where = f"The {sub.owner} listens to {text!r}"
    if sub.failure == "app":
        return (
            f"{where}, but no installed app has the label {sub.target.app_label!r}.",
            _app_hint(sub.target.app_label),
            "signalkit.E001",
        )
    if sub.failure == "model":
        return (
            f"{where}, but {_what_is_missing(sub)}, so the receiver never runs.",
            _model_hint(text),
            "signalkit.E001",
        )
    return (
        f"{where}, an abstract model, which never sends signals itself.",
        (
            "Pass subclasses=True to receive the signals of its concrete subclasses, "
            "or name a concrete model."
        ),
        "signalkit.E004",
    )


def _what_is_missing(sub: Subscription) -> str:
    app_label = sub.target.app_label
    if _django.registered_models(apps, app_label) or app_label in apps.app_configs:
        return f"app {app_label!r} has no model named {sub.target.text.partition('.')[2]!r}"
    return f"no installed app has the label {app_label!r}"


def _model_hint(text: str) -> str:
    close = senders.suggest_models(text)
    if not close:
        return _ADVICE
    names = ", ".join(repr(label) for label in close)
    # Equal but for case: only the app label can differ, as model names are not
    # case-sensitive.
    note = (
        " App labels are case-sensitive."
        if any(label.lower() == text.lower() for label in close)
        else ""
    )
    return f"Did you mean {names}?{note} {_ADVICE}"


def _app_hint(app_label: str) -> str:
    close = difflib.get_close_matches(app_label, list(apps.app_configs), n=3)
    maybe = (
        f"Did you mean {', '.join(repr(c + '.*') for c in close)}? " if close else ""
    )
    return (
        f"{maybe}A wildcard names an app by its label (AppConfig.label), such as "
        f"'auth.*'; add the app to INSTALLED_APPS or fix the label."
    )
