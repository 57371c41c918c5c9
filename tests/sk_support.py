"""Helpers shared by the tests of signalkit's receivers, senders, delivery and dispatch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import models

import signalkit
from signalkit import baseline, registry

_numbers = itertools.count()


@contextmanager
def connections_undone() -> Iterator[None]:
    """Undo, on exit, every connection signalkit made inside the block."""
    before = {id(conn) for conn in registry.connections()}
    try:
        yield
    finally:
        for conn in registry.connections():
            if id(conn) in before:
                continue
            func = conn.func
            if func is None or not signalkit.disconnect(func):
                registry.disconnect_connection(conn)


def unique_model_name() -> str:
    """A model name no test has used yet, so the registry never warns about a re-registration."""
    return f"Late{next(_numbers)}"


@contextmanager
def late_model(
    *bases: type[models.Model], name: str | None = None, **meta: Any
) -> Iterator[type[models.Model]]:
    """Define a model in the global registry (app ``testapp``) now, and remove it on exit."""
    name = name or unique_model_name()
    meta_class = type("Meta", (), {"app_label": "testapp", **meta})
    attrs = {"__module__": "tests.testapp.models", "Meta": meta_class}
    model: type[models.Model] = type(name, bases or (models.Model,), attrs)
    try:
        yield model
    finally:
        del apps.all_models["testapp"][name.lower()]
        apps.clear_cache()


def is_tracked(model: type[models.Model]) -> bool:
    """True if anything tracks fields of ``model`` (its class carries the tracked fields)."""
    return bool(getattr(model, baseline.FIELDS, None))
