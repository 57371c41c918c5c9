"""One 8-field model (primary key included) per contender that needs its own class.

Every model has the same columns as ``Item``, the plain model. signalkit's tracking is
switched on per model and cannot be switched off, so each signalkit tracking contender gets
its own plain model; the plain ``Item`` stays untracked for the floor.
"""

from __future__ import annotations

from typing import Any

from dirtyfields import DirtyFieldsMixin
from django.db import models
from django_lifecycle import AFTER_CREATE, AFTER_UPDATE, LifecycleModel, hook
from model_utils import FieldTracker

from benchmarks.bench.receivers import hits


class ItemFields(models.Model):
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=20)
    quantity = models.IntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    is_active = models.BooleanField()
    notes = models.TextField()
    created_on = models.DateField()

    class Meta:
        abstract = True


class Item(ItemFields):
    """The plain model: the floor, plain Django receivers and signalkit receivers."""


class LoadedOnly(ItemFields):
    """Untracked, and only ever loaded, like the tracked models: the floor of the load
    and memory cases. ``Item`` is inserted by other cases first, and CPython lays out a
    class's instance dictionaries from how its first instances were made, which shows in
    the time and memory of loading."""


class SkTrackOne(ItemFields):
    """Tracked by ``signalkit.track(..., fields=["status"])`` when that exists."""


class SkTrackAll(ItemFields):
    """Tracked by ``signalkit.track(...)`` on all fields when that exists."""


class SkChanged(ItemFields):
    """Receives ``@signalkit.on_post_save(SkChanged, changed="status")``."""


class HandSnapshot(ItemFields):
    """Hand-written tracking of ``status`` as a careful developer writes it: a
    ``from_db`` override (Django's documented way), so only loaded rows pay."""

    _loaded_status: str | None

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Any:
        # **kwargs passes Django 6.1's fetch_mode on, and nothing on older versions.
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_status = instance.__dict__.get("status")
        return instance


class LifecycleItem(LifecycleModel, ItemFields):
    @hook(AFTER_CREATE)
    def on_create(self) -> None:
        hits.count += 1

    @hook(AFTER_UPDATE, when="status", has_changed=True)
    def on_status_change(self) -> None:
        hits.count += 1


class TrackerOne(ItemFields):
    tracker = FieldTracker(fields=["status"])


class TrackerAll(ItemFields):
    tracker = FieldTracker()


class DirtyItem(DirtyFieldsMixin, ItemFields):
    pass


try:  # bulk and queryset signals (API.md section 5) have not landed yet
    from signalkit.models import SignalQuerySet
except ImportError:
    SignalQuerySet = None

if SignalQuerySet is not None:

    class SkBulkItem(ItemFields):
        """Its manager sends signalkit's bulk and queryset signals."""

        objects = SignalQuerySet.as_manager()
