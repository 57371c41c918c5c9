"""Case 3: load, change one field, save; a receiver must run only when ``status`` changed.

The limit for ``changed=`` is the hand-written way: a ``from_db`` snapshot
(``HandSnapshot``) and a ``post_save`` receiver with an ``if``, which re-arms the
snapshot after the save.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_init, post_save, pre_save

import signalkit
from benchmarks import data
from benchmarks.bench import receivers
from benchmarks.bench.models import (
    DirtyItem,
    HandSnapshot,
    Item,
    LifecycleItem,
    SkChanged,
    TrackerOne,
)
from benchmarks.runner import Case, Contender, Target

FLOOR = "floor: bare update, no receiver"
HAND = "hand-written from_db snapshot + if in post_save"
HAND_AA = "hand-written from_db snapshot + if in post_save, A/A copy"
SK_CHANGED = "signalkit on_post_save(changed='status')"


def build(scale: float) -> Case:
    n = max(2, int(100 * scale))
    expected = (n + 1) // 2  # every other row changes status, the rest only quantity
    notes = []
    models: list[Any] = [Item, HandSnapshot, LifecycleItem, TrackerOne, DirtyItem]

    def load_change_save(model: Any) -> Any:
        def run() -> None:
            with transaction.atomic():
                for i, obj in enumerate(model._default_manager.order_by("pk")[:n]):
                    if i % 2 == 0:
                        obj.status = "paid" if obj.status != "paid" else "draft"
                    else:
                        obj.quantity += 1
                    obj.save()

        return run

    def django_on(signal: Any, func: Any, model: Any) -> tuple[Any, Any]:
        return (
            lambda: signal.connect(func, sender=model),
            lambda: signal.disconnect(func, sender=model),
        )

    def snapshot_on() -> None:
        post_init.connect(receivers.snapshot_status, sender=Item)
        post_save.connect(receivers.status_changed_snapshot, sender=Item)

    def snapshot_off() -> None:
        post_init.disconnect(receivers.snapshot_status, sender=Item)
        post_save.disconnect(receivers.status_changed_snapshot, sender=Item)

    contenders = [
        Contender(FLOOR, load_change_save(Item), expected_calls=0),
        Contender(
            "naive: pre_save re-reads the row",
            load_change_save(Item),
            *django_on(pre_save, receivers.status_changed_reread, Item),
            expected_calls=expected,
        ),
    ]
    if _changed_works():
        models.append(SkChanged)
        contenders.append(
            Contender(
                SK_CHANGED,
                load_change_save(SkChanged),
                lambda: signalkit.on_post_save(SkChanged, changed="status")(
                    receivers.count
                ),
                lambda: signalkit.disconnect(receivers.count),
                expected_calls=expected,
            )
        )
    else:
        notes.append(
            "signalkit changed= is not implemented yet: its contender was skipped."
        )
    hand_on = django_on(post_save, receivers.status_changed_loaded, HandSnapshot)
    contenders += [
        Contender(
            HAND,
            load_change_save(HandSnapshot),
            *hand_on,
            expected_calls=expected,
        ),
        Contender(
            HAND_AA,
            load_change_save(HandSnapshot),
            *hand_on,
            expected_calls=expected,
        ),
        Contender(
            "django-lifecycle @hook(AFTER_UPDATE, when=, has_changed=)",
            load_change_save(LifecycleItem),
            expected_calls=expected,
        ),
        Contender(
            "model-utils FieldTracker(status) + post_save",
            load_change_save(TrackerOne),
            *django_on(post_save, receivers.status_changed_tracker, TrackerOne),
            expected_calls=expected,
        ),
        Contender(
            "dirtyfields + pre_save get_dirty_fields()",
            load_change_save(DirtyItem),
            *django_on(pre_save, receivers.status_changed_dirty, DirtyItem),
            expected_calls=expected,
        ),
        Contender(
            "hand-written post_init snapshot + post_save",
            load_change_save(Item),
            snapshot_on,
            snapshot_off,
            expected_calls=expected,
        ),
    ]

    def setup() -> None:
        for model in models:
            data.fill(model, n)

    return Case(
        number="3",
        key="update",
        title=f"load {n:,} rows, change one field, save(); receiver only if status changed",
        contenders=contenders,
        floor=FLOOR,
        targets=[
            Target(
                SK_CHANGED,
                HAND,
                1.01,
                "<=1.01x",
                goal="load, change, save with changed=",
            ),
            Target(
                HAND_AA, HAND, None, "noise", goal="A/A control: load, change, save"
            ),
        ],
        notes=[
            (
                "Every other row changes status, the others only quantity; the batch runs in "
                "one transaction.atomic(), loading included."
            ),
            *notes,
        ],
        setup=setup,
        repeat=80,
        per_run=n,
        unit="saves",
    )


def _changed_works() -> bool:
    try:
        # Only builds the decorator: nothing is connected until it is applied.
        signalkit.on_post_save(SkChanged, changed="status")
    except NotImplementedError:
        return False
    return True
