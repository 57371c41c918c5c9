"""Case 10: memory. What tracking keeps per loaded instance, and what ``update()`` with a
receiver holds at its peak when the receiver never reads ``pks``.

Measured with :mod:`tracemalloc` (Python's allocations; SQLite's own are not seen), so
these runs are not timed: each returns its figure, and the figures are exact up to the
allocator's rounding. Memory per instance is what a list of loaded rows holds, divided by
the rows; the goal is on the excess over the untracked model. The peak of ``update()``
is divided by the rows updated: a list of primary keys costs at least 8 bytes a row (its
pointers) and about 36 with the integers, so an excess under 8 bytes a row means no list
was held.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

import signalkit
from benchmarks import data
from benchmarks.bench import models, receivers
from benchmarks.bench.models import (
    HandSnapshot,
    Item,
    LoadedOnly,
    SkTrackOne,
    TrackerOne,
)
from benchmarks.case_load import track_models
from benchmarks.runner import Case, Contender, Target

UNTRACKED = "floor: untracked plain model"
HAND = "hand-written from_db snapshot (status)"
SK_ONE = "signalkit.track(fields=['status'])"

UPDATE_FLOOR = "floor: Django update()"
UPDATE_HAND = "by hand: update() + pk list"
SK_IGNORES = "signalkit + post_update receiver that ignores pks"


def _per_instance(name: str, model: Any, n: int) -> Callable[[], dict[str, float]]:
    def run() -> dict[str, float]:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            objs = list(model._default_manager.all())
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert len(objs) == n
        return {name: held / n}

    return run


def _peak_per_row(
    name: str, update: Callable[[], None], n: int
) -> Callable[[], dict[str, float]]:
    def run() -> dict[str, float]:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            update()
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        return {name: peak / n}

    return run


def build(scale: float) -> list[Case]:
    n_load = max(10, int(2000 * scale))
    n_update = max(10, int(10000 * scale))
    return [_instances(n_load), _update(n_update)]


def _instances(n: int) -> Case:
    loaded = [(UNTRACKED, LoadedOnly), (HAND, HandSnapshot), (SK_ONE, SkTrackOne)]
    loaded.append(("model-utils FieldTracker(status)", TrackerOne))
    track_models()

    def setup() -> None:
        for _, model in loaded:
            data.fill(model, n)

    return Case(
        number="10a",
        key="memory",
        title=f"memory held per loaded instance, {n:,} rows (bytes, not seconds)",
        contenders=[Contender(name, _per_instance(name, m, n)) for name, m in loaded],
        floor=UNTRACKED,
        targets=[
            Target(
                SK_ONE,
                HAND,
                100,
                "<=+100 B",
                goal="memory per tracked instance",
                over_floor=True,
            )
        ],
        notes=[
            (
                "Bytes a list of loaded instances holds per instance (tracemalloc); the "
                "goal is on signalkit's excess over the untracked model, the "
                "hand-written from_db snapshot's excess beside it."
            ),
        ],
        setup=setup,
        repeat=5,
        amounts="bytes",
    )


def _update(n: int) -> Case:
    sk_model: Any = getattr(models, "SkBulkItem", None)

    def update(model: Any) -> Callable[[], None]:
        return lambda: model._default_manager.update(quantity=F("quantity") + 1)

    def update_by_hand() -> None:
        rows = Item._default_manager.all()
        with transaction.atomic():
            pks = list(rows.values_list("pk", flat=True))
            count = rows.update(quantity=F("quantity") + 1)
            receivers.read_pks(sender=Item, pks=pks, count=count)

    contenders = [
        Contender(UPDATE_FLOOR, _peak_per_row(UPDATE_FLOOR, update(Item), n)),
        Contender(
            UPDATE_HAND,
            _peak_per_row(UPDATE_HAND, update_by_hand, n),
            expected_calls=1,
        ),
    ]
    targets = []
    if sk_model is not None:
        from signalkit import signals

        contenders.append(
            Contender(
                SK_IGNORES,
                _peak_per_row(SK_IGNORES, update(sk_model), n),
                lambda: signalkit.receiver(signals.post_update, sender=sk_model)(
                    receivers.count
                ),
                lambda: signalkit.disconnect(receivers.count),
                expected_calls=1,
            )
        )
        targets.append(
            Target(
                SK_IGNORES,
                UPDATE_HAND,
                8,
                "<=+8 B/row",
                goal="update() with a receiver: no pk list held unless asked",
                over_floor=True,
            )
        )

    def setup() -> None:
        for model in [Item] + ([sk_model] if sk_model is not None else []):
            data.fill(model, n)

    return Case(
        number="10b",
        key="memory",
        title=f"peak memory of update() of {n:,} rows, per row (bytes, not seconds)",
        contenders=contenders,
        floor=UPDATE_FLOOR,
        targets=targets,
        notes=[
            (
                "Peak of Python's allocations during the call, per row updated "
                "(tracemalloc). A held list of primary keys costs at least 8 B a row."
            ),
        ],
        setup=setup,
        repeat=5,
        amounts="bytes",
    )
