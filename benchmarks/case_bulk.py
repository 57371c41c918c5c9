"""Case 6: ``bulk_create()`` and ``QuerySet.update()``.

Django's own calls are the reference. The bench model ``SkBulkItem`` (same columns as
``Item``) has signalkit's ``SignalQuerySet`` as its manager, so its rows measure
signalkit's bulk and queryset signals: with no receiver connected they must cost nothing
(at most 1.02x Django's own call), and with one, what sending them adds. Should
``SignalQuerySet`` not be importable, only Django's own calls are measured.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from benchmarks import data, environment
from benchmarks.bench import models, receivers
from benchmarks.runner import Case, Contender, Target

CREATE_FLOOR = "floor: Django bulk_create()"
UPDATE_FLOOR = "floor: Django update()"
SK_NONE = "signalkit SignalQuerySet, no receiver"
HAND_UPDATE = "by hand: Django update() + one pk query, receiver reads pks"
HAND_UPDATE_AA = "by hand: Django update() + one pk query, A/A copy"
SK_READS = "signalkit + post_update receiver reading pks"
PRESENT = (
    "SkBulkItem has the same columns as Item and signalkit's SignalQuerySet as its "
    "manager; with no receiver connected it must run Django's own method (<=1.02x)."
)
MISSING = (
    "signalkit's bulk signals (API.md section 5) do not exist yet: only Django's own call "
    "is measured."
)


def build(scale: float) -> list[Case]:
    n = max(1, int(10000 * scale))
    rows = data.rows(n)
    sk_model: Any = getattr(models, "SkBulkItem", None)

    def bulk_create(model: Any) -> Any:
        def run() -> None:
            model._default_manager.bulk_create(
                [model(**row) for row in rows], batch_size=1000
            )

        return run

    def update(model: Any) -> Any:
        def run() -> None:
            model._default_manager.update(quantity=F("quantity") + 1)

        return run

    create = [
        Contender(
            CREATE_FLOOR, bulk_create(models.Item), teardown=_emptier(models.Item)
        )
    ]

    def update_by_hand(model: Any) -> Any:
        # What a careful developer writes to tell their code which rows an update()
        # touched: the primary keys, then the update, in one transaction.
        def run() -> None:
            rows = model._default_manager.all()
            with transaction.atomic():
                pks = list(rows.values_list("pk", flat=True))
                count = rows.update(quantity=F("quantity") + 1)
                receivers.read_pks(sender=model, pks=pks, count=count)

        return run

    updates = [
        Contender(UPDATE_FLOOR, update(models.Item)),
        Contender(HAND_UPDATE, update_by_hand(models.Item), expected_calls=1),
        Contender(HAND_UPDATE_AA, update_by_hand(models.Item), expected_calls=1),
    ]
    notes = [PRESENT if sk_model is not None else MISSING]
    if sk_model is not None:
        sk_create, sk_update = _signalkit_contenders(
            sk_model, bulk_create(sk_model), update(sk_model)
        )
        create += sk_create
        updates += sk_update
    with_sk = [models.Item] + ([sk_model] if sk_model is not None else [])

    def empty_tables() -> None:
        for model in with_sk:
            environment.empty(model)

    def fill_tables() -> None:
        for model in with_sk:
            data.fill(model, n)

    return [
        Case(
            "6a",
            "bulk",
            f"bulk_create() of {n:,} rows (batch_size=1000)",
            create,
            CREATE_FLOOR,
            targets=[Target(SK_NONE, CREATE_FLOOR, 1.02, "<=1.02x Django's own")],
            notes=list(notes),
            setup=empty_tables,
            repeat=11,
            per_run=n,
            unit="rows",
        ),
        Case(
            "6b",
            "bulk",
            f"QuerySet.update() of {n:,} rows",
            updates,
            UPDATE_FLOOR,
            targets=[
                Target(SK_NONE, UPDATE_FLOOR, 1.02, "<=1.02x Django's own"),
                Target(
                    SK_READS,
                    HAND_UPDATE,
                    1.2,
                    "<=1.2x",
                    goal="SignalQuerySet.update() with a receiver",
                ),
                Target(
                    HAND_UPDATE_AA,
                    HAND_UPDATE,
                    None,
                    "noise",
                    goal="A/A control: update()",
                ),
            ],
            notes=[
                *notes,
                (
                    "The goal's receiver iterates over pks, as the hand-written one does, "
                    "so both do the same work; the receiver that ignores pks shows what "
                    "an update() costs when nobody asks for them (the memory case "
                    "measures whether a pk list is held then)."
                ),
            ],
            setup=fill_tables,
            repeat=40,
            per_run=n,
            unit="rows",
        ),
    ]


def _emptier(model: Any) -> Any:
    return lambda: environment.empty(model)


def _signalkit_contenders(
    model: Any, bulk_create: Any, update: Any
) -> tuple[list[Contender], list[Contender]]:
    import signalkit
    from signalkit import signals

    def connect(signal: Any, func: Any = receivers.count) -> Any:
        return lambda: signalkit.receiver(signal, sender=model)(func)

    def disconnect_and_empty() -> None:
        signalkit.disconnect(receivers.count)
        environment.empty(model)

    def disconnect() -> None:
        signalkit.disconnect(receivers.count)
        signalkit.disconnect(receivers.read_pks)

    create = [
        Contender(
            SK_NONE,
            bulk_create,
            teardown=_emptier(model),
        ),
        Contender(
            "signalkit + post_bulk_create receiver",
            bulk_create,
            connect(signals.post_bulk_create),
            disconnect_and_empty,
            expected_calls=1,
        ),
    ]
    updates = [
        Contender(SK_NONE, update),
        Contender(
            "signalkit + post_update receiver",
            update,
            connect(signals.post_update),
            disconnect,
            expected_calls=1,
        ),
        Contender(
            SK_READS,
            update,
            connect(signals.post_update, receivers.read_pks),
            disconnect,
            expected_calls=1,
        ),
    ]
    return create, updates
