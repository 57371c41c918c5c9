"""Receivers shared by the cases. Each stands for the user's code: it only counts its
calls, so a case can check that the right number of them ran."""

from __future__ import annotations

from typing import Any


class Hits:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


hits = Hits()
# How many times a condition was evaluated: a receiver whose condition is false never
# runs, so this is what shows it was connected and asked.
evaluations = Hits()


def count(sender: Any, **kwargs: Any) -> None:
    """The user's receiver."""
    hits.count += 1


def read_pks(sender: Any, pks: Any, **kwargs: Any) -> None:
    """The user's ``post_update`` receiver that uses the primary keys it is given."""
    hits.count += 1
    for _ in pks:
        pass


def never(**kwargs: Any) -> bool:
    """A ``when=`` predicate that is always false; counts its evaluations."""
    evaluations.count += 1
    return False


def count_if_never(**kwargs: Any) -> None:
    """The hand-written equivalent of ``when=never``: a Django receiver that tests the
    same predicate with the same arguments and calls the user's code when it holds."""
    if never(**kwargs):
        count(**kwargs)


def snapshot_status(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Hand-written tracking, ``post_init``: remember the loaded status (every instance
    Django creates pays this, loaded or not: the weaker reference)."""
    instance._bench_status = instance.status


def status_changed_snapshot(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    """Hand-written tracking, ``post_save``: run the user's code if status changed."""
    if created or instance.status != instance._bench_status:
        hits.count += 1
    instance._bench_status = instance.status


def status_changed_loaded(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    """Hand-written tracking with a ``from_db`` snapshot (``HandSnapshot``), ``post_save``:
    run the user's code if status changed, then re-arm the snapshot."""
    if created or instance.status != instance._loaded_status:
        hits.count += 1
    instance._loaded_status = instance.status


def status_changed_reread(sender: Any, instance: Any, **kwargs: Any) -> None:
    """The naive way, ``pre_save``: read the stored status back from the database."""
    if instance.pk is None:
        hits.count += 1
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list(
        "status", flat=True
    )
    if old.first() != instance.status:
        hits.count += 1


def status_changed_tracker(sender: Any, instance: Any, **kwargs: Any) -> None:
    """django-model-utils, ``post_save``: ask the FieldTracker."""
    if instance.tracker.has_changed("status"):
        hits.count += 1


def status_changed_dirty(sender: Any, instance: Any, **kwargs: Any) -> None:
    """django-dirtyfields, ``pre_save`` (its own ``post_save`` receiver resets the state)."""
    if "status" in instance.get_dirty_fields():
        hits.count += 1


def in_background(sender: Any, **kwargs: Any) -> None:
    """The user's ``task=`` receiver. A worker would run it; the benchmark has none (its
    backends only store the task), so it never runs here. It is a module-level function,
    as ``task=`` requires: the worker imports it by its dotted path."""
    hits.count += 1
