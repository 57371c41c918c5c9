"""Senders as a decorator gives them: ``None``, a model, ``"app_label.Model"``,
``"app_label.*"``, any other object, or a list of these, with ``subclasses=``.

:func:`parse` validates them into :class:`Target` objects, without looking a string up;
:mod:`signalkit.subscriptions` turns those into the models a receiver is connected for,
now or when the models load. :func:`parse_label` and :func:`suggest_models` are the one
reading of a model label and the one "did you mean" of every message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model


@dataclass(frozen=True, slots=True)
class Target:
    """One sender as written in a decorator, before it is resolved."""

    kind: str  # "any", "object", "model", "lazy" or "app"
    value: Any = None  # the object or model class, for "object" and "model"
    app_label: str = ""
    model_name: str = ""  # lower case, for "lazy"
    subclasses: bool = False
    text: str = ""  # the string as written, for "lazy" and "app"

    @property
    def key(self) -> tuple[Any, ...]:
        """A hashable identity used to tell re-decorations apart."""
        if self.kind in ("object", "model"):
            return (self.kind, id(self.value), self.subclasses)
        return (self.kind, self.app_label, self.model_name, self.subclasses)


def is_model(obj: object) -> bool:
    """True for a Django model class (abstract ones included)."""
    return isinstance(obj, type) and issubclass(obj, Model)


def parse(
    sender: object, *, subclasses: bool, where: str = "the signal"
) -> list[Target]:
    """Validate a decorator's ``sender`` argument and split it into targets.

    Raises ``ValueError`` for a malformed string and ``TypeError`` for an abstract model
    without ``subclasses=True``; well-formed strings are never looked up here. ``where``
    names the signal(s) in error messages.
    """
    items = list(sender) if isinstance(sender, (list, tuple)) else [sender]
    if not items:
        raise ValueError(
            f"sender for {where} is an empty list: give at least one sender, or sender=None "
            f"for any sender."
        )
    return [_parse_one(item, subclasses, where) for item in items]


def _parse_one(sender: object, subclasses: bool, where: str) -> Target:
    if isinstance(sender, (list, tuple)):
        raise TypeError(f"sender lists for {where} cannot be nested: {sender!r}.")
    if isinstance(sender, str):
        return _parse_string(sender, subclasses, where)
    if is_model(sender):
        if sender._meta.abstract and not subclasses:  # type: ignore[attr-defined]
            raise TypeError(
                f"{sender.__name__} is an abstract model and never sends {where} itself; "  # type: ignore[attr-defined]
                f"pass subclasses=True to receive the signals of its concrete subclasses."
            )
        return Target("model", sender, subclasses=subclasses)
    if subclasses:
        raise TypeError(
            f"Receiver option subclasses=True on {where} needs a model sender, not "
            f"{sender!r}: it covers the subclasses and proxies of a model class."
        )
    if sender is None:
        return Target("any")
    return Target("object", sender)


def parse_label(text: str) -> tuple[str, str] | None:
    """Split ``"app_label.ModelName"`` into its app label and model name, as written;
    ``None`` for a string of any other form. ``"app_label.*"`` splits too."""
    app_label, dot, model_name = text.partition(".")
    if not dot or not app_label or not model_name or "." in model_name:
        return None
    return app_label, model_name


def suggest_models(text: str, n: int = 3) -> list[str]:
    """The labels of the registered models closest to ``text`` (``"app_label.Model"``,
    compared without case), closest first; never the model ``text`` names itself."""
    own = parse_label(text)
    own_key = None if own is None else (own[0], own[1].lower())
    labels = {
        model._meta.label.lower(): model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if (model._meta.app_label, model._meta.model_name) != own_key
    }
    close = difflib.get_close_matches(text.lower(), list(labels), n=n, cutoff=0.6)
    return [labels[c] for c in close]


def _parse_string(text: str, subclasses: bool, where: str) -> Target:
    parsed = parse_label(text)
    if parsed is None:
        raise ValueError(
            f"sender {text!r} for {where} is not of the form 'app_label.ModelName' (or "
            f"'app_label.*'): signalkit reads a string sender as a model, named lazily, "
            f"such as 'auth.User' or settings.AUTH_USER_MODEL. For a sender that is not "
            f"a model, pass the object the signal is sent with (sender=Checkout), not a "
            f"string."
        )
    app_label, model_name = parsed
    if model_name == "*":
        if subclasses:
            raise TypeError(
                f"Receiver option subclasses=True on {where} makes no sense with {text!r}: "
                f"a wildcard already covers every model of the app."
            )
        return Target("app", app_label=app_label, text=text)
    return Target(
        "lazy",
        app_label=app_label,
        model_name=model_name.lower(),
        subclasses=subclasses,
        text=text,
    )


def subclasses_of(model: type[Model]) -> Iterator[type[Model]]:
    """Every subclass of ``model``, at any depth, abstract ones included."""
    seen = set()
    stack = list(model.__subclasses__())
    while stack:
        child = stack.pop()
        if child not in seen:
            seen.add(child)
            yield child
            stack.extend(child.__subclasses__())
