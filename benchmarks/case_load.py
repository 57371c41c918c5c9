"""Case 2: loading rows (``list(queryset)``) with and without change tracking.

The limit for signalkit's tracking is what a careful developer writes by hand: a
``from_db`` override that keeps the loaded value (``HandSnapshot``). A ``post_init``
receiver, which every instance Django creates pays, is the weaker reference and is
measured beside it. After each run, one loaded instance of each tracking contender gets
a new status, and the contender must see the change: a tracker that is not on is not
cheap, it is absent.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_init

import signalkit
from benchmarks import data
from benchmarks.bench import receivers
from benchmarks.bench.models import (
    DirtyItem,
    HandSnapshot,
    LifecycleItem,
    LoadedOnly,
    SkTrackAll,
    SkTrackOne,
    TrackerAll,
    TrackerOne,
)
from benchmarks.runner import Case, Contender, Result, Target, excesses, ratio

UNTRACKED = "floor: untracked plain model"
HAND = "hand-written from_db snapshot (status)"
HAND_AA = "hand-written from_db snapshot (status), A/A copy"
SK_ONE = "signalkit.track(fields=['status'])"
_tracked = False

#: Does a tracker see that ``instance.status`` changed since it was loaded?
Seen = Callable[[Any], bool]


def signalkit_sees(instance: Any) -> bool:
    """Does signalkit see the change? Not when the model is not tracked."""
    try:
        return bool(signalkit.has_changed(instance, "status"))
    except ValueError:  # "not tracked": asking is an error, not an answer
        return False


def _from_db_sees(instance: Any) -> bool:
    return bool(instance.status != instance._loaded_status)


def _post_init_sees(instance: Any) -> bool:
    return bool(instance.status != instance._bench_status)


def _lifecycle_sees(instance: Any) -> bool:
    return bool(instance.has_changed("status"))


def _tracker_sees(instance: Any) -> bool:
    return bool(instance.tracker.has_changed("status"))


def _dirty_sees(instance: Any) -> bool:
    return "status" in instance.get_dirty_fields()


def build(scale: float) -> Case:
    n = max(1, int(500 * scale))
    notes = [
        (
            f"Each timed run loads {n:,} rows and drops them, interleaved with the other "
            "contenders' runs. After each run, one instance kept back gets a new status "
            "(untimed): every tracking contender must report the change."
        ),
        (
            "The hand-written from_db override is the limit for signalkit's tracking; "
            "the post_init receiver is measured for comparison (every instance pays it, "
            "loaded or not)."
        ),
    ]
    models: list[Any] = [
        LoadedOnly,
        HandSnapshot,
        LifecycleItem,
        TrackerOne,
        TrackerAll,
        DirtyItem,
    ]

    def contender(
        name: str,
        model: Any,
        seen: Seen | None,
        setup: Callable[[], object] | None = None,
        teardown: Callable[[], object] | None = None,
    ) -> Contender:
        return load_contender(name, model, n, seen, setup, teardown)

    contenders = [contender(UNTRACKED, LoadedOnly, None)]
    if hasattr(signalkit, "track"):
        track_models()
        models += [SkTrackOne, SkTrackAll]
        contenders += [
            contender(SK_ONE, SkTrackOne, signalkit_sees),
            contender("signalkit.track(all fields)", SkTrackAll, signalkit_sees),
        ]
    else:
        notes.append(
            "signalkit.track() does not exist yet: its contenders were skipped."
        )
    contenders += [
        contender(HAND, HandSnapshot, _from_db_sees),
        contender(HAND_AA, HandSnapshot, _from_db_sees),
        contender(
            "hand-written post_init snapshot (status)",
            LoadedOnly,
            _post_init_sees,
            lambda: post_init.connect(receivers.snapshot_status, sender=LoadedOnly),
            lambda: post_init.disconnect(receivers.snapshot_status, sender=LoadedOnly),
        ),
        contender("django-lifecycle LifecycleModel", LifecycleItem, _lifecycle_sees),
        contender("model-utils FieldTracker(status)", TrackerOne, _tracker_sees),
        contender("model-utils FieldTracker() all fields", TrackerAll, _tracker_sees),
        contender("dirtyfields DirtyFieldsMixin", DirtyItem, _dirty_sees),
    ]

    def setup() -> None:
        for model in models:
            data.fill(model, n)

    def summary(by_name: dict[str, Result]) -> list[str]:
        floor = by_name[UNTRACKED]

        def added(name: str) -> str:
            result = by_name[name]
            per_row = statistics.median(excesses(result, floor)) / n * 1e6
            return f"{ratio(result, floor) - 1:+.1%} ({per_row:+.2f} µs a row)"

        lines = [f"Over the untracked model, the from_db override adds {added(HAND)}"]
        if SK_ONE in by_name:
            lines[0] += f"; signalkit tracking one field {added(SK_ONE)}"
        return [lines[0] + " (medians of per-round ratios and differences)."]

    return Case(
        number="2",
        key="load",
        title=f"load {n:,} rows of an 8-field model: list(queryset)",
        contenders=contenders,
        floor=UNTRACKED,
        targets=[
            Target(SK_ONE, HAND, 1.01, "<=1.01x", goal="load rows, one tracked field"),
            Target(HAND_AA, HAND, None, "noise", goal="A/A control: load"),
        ],
        notes=notes,
        setup=setup,
        summary=summary,
        repeat=150,
        per_run=n,
        unit="rows",
    )


def load_contender(
    name: str,
    model: Any,
    n: int,
    seen: Seen | None,
    setup: Callable[[], object] | None = None,
    teardown: Callable[[], object] | None = None,
) -> Contender:
    """Load the ``n`` rows of ``model``; after the run, check with ``seen`` (when given)
    that a change to one loaded instance is seen."""
    kept: list[Any] = []

    def run() -> None:
        objs = list(model._default_manager.all())
        # One instance outlives the run, for the check; the rest are freed in the
        # timing, since freeing what tracking allocated is part of its cost.
        kept.append(objs[0])
        assert len(objs) == n

    def check() -> str | None:
        instance = kept.pop()
        if seen is None:
            return None
        instance.status = "changed after load"
        if not seen(instance):
            return "a changed status was not seen: tracking is off"
        return None

    return Contender(name, run, setup or _nothing, teardown or _nothing, check=check)


def track_models() -> None:
    """Turn tracking on for the signalkit tracking models, once.

    Tracking cannot be switched off again, so each tracked model is its own class."""
    global _tracked
    if not _tracked:
        signalkit.track("bench.SkTrackOne", fields=["status"])
        signalkit.track("bench.SkTrackAll")
        _tracked = True


def _nothing() -> None:
    return None
