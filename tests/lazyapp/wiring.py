"""The receivers of ``lazyapp``, and a record of which of them ran."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import class_prepared

import signalkit

#: (where the receiver was connected, the sender string it was connected with, the sender
#: it received), one per run.
runs: list[tuple[str, str, str]] = []

LABELS = ("lazyapp.Gauge", "lazyapp.GaugeProxy", "lazyapp.Reading")


def connect(origin: str, label: str) -> None:
    """Connect a post_save receiver for ``label`` that records its runs as ``origin``."""

    def record(sender: Any, **kwargs: Any) -> None:
        runs.append((origin, label, sender._meta.label))

    # An abstract model is a sender only with subclasses=True.
    signalkit.on_post_save(label, subclasses=label == "lazyapp.Reading")(record)


def connect_while_prepared(sender: Any, **kwargs: Any) -> None:
    """A class_prepared receiver connecting a receiver for the model being prepared."""
    meta = sender._meta
    # Not the models migrations build, nor the table of audit rows.
    if meta.apps is not apps or meta.app_label != "lazyapp":
        return
    if meta.model_name == "auditentry":
        return
    connect("class_prepared", meta.label)
    if meta.model_name == "gauge":
        # The abstract base is never prepared itself: connect it with its first child.
        connect("class_prepared", "lazyapp.Reading")


class_prepared.connect(connect_while_prepared, weak=False, dispatch_uid="lazyapp")
