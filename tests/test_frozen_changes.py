"""Receivers that run after their save see the changes of that save, frozen when it
scheduled them: ``on_commit=True`` receivers at the commit, and ``task=`` receivers in a
worker, another process, later (API.md section 4), limited to the fields the event
carries."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import DEFERRED
from django.db.models.signals import post_save

import signalkit
from signalkit import events, frozen_changes, tasks_compat, worker
from tests.taskapp import procs, receivers
from tests.taskapp.models import Parcel
from tests.trackapp.models import Order, Stock, Untracked

Seen = list[dict[str, Any]]


def answers(instance: Any, *fields: str) -> dict[str, Any]:
    """What a receiver can ask about ``instance``."""
    return {
        "changes": signalkit.changes(instance),
        "previous": {f: signalkit.previous(instance, f) for f in fields},
        "has_changed": {f: signalkit.has_changed(instance, f) for f in fields},
    }


@pytest.fixture
def late() -> Iterator[Callable[..., Seen]]:
    """Connect an ``on_commit=True`` receiver on Order recording what it can ask."""
    connected: list[Any] = []

    def connect(*, is_async: bool = False, **options: Any) -> Seen:
        seen: Seen = []
        if is_async:

            async def receiver(sender: Any, instance: Order, **kwargs: Any) -> None:
                seen.append(answers(instance, "status", "note"))

        else:

            def receiver(sender: Any, instance: Order, **kwargs: Any) -> None:  # type: ignore[misc]
                seen.append(answers(instance, "status", "note"))

        signalkit.on_post_save(Order, on_commit=True, **options)(receiver)
        connected.append(receiver)
        return seen

    yield connect
    for receiver in connected:
        assert signalkit.disconnect(receiver)


FIRST = {
    "changes": {"status": ("draft", "paid")},
    "previous": {"status": "draft", "note": ""},
    "has_changed": {"status": True, "note": False},
}
SECOND = {
    "changes": {"status": ("paid", "shipped"), "note": ("", "n")},
    "previous": {"status": "paid", "note": ""},
    "has_changed": {"status": True, "note": True},
}


def loaded_order() -> Order:
    return Order.objects.get(pk=Order.objects.create().pk)


def two_saves_in_one_transaction(order: Order) -> Order:
    with transaction.atomic():
        order.status = "paid"
        order.save()
        order.status = "shipped"
        order.note = "n"
        order.save()
    return order


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("options", [{}, {"changed": "status"}, {"robust": True}])
def test_on_commit_receivers_see_the_save_that_scheduled_them(
    late: Callable[..., Seen], is_async: bool, options: dict[str, Any]
) -> None:
    order = loaded_order()
    seen = late(is_async=is_async, **options)
    two_saves_in_one_transaction(order)
    assert seen == [FIRST, SECOND]
    # Outside the receivers, the instance answers for itself again.
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "status") == "shipped"


@pytest.mark.django_db
def test_captured_on_commit_callbacks_see_their_save(
    late: Callable[..., Seen], django_capture_on_commit_callbacks: Any
) -> None:
    order = loaded_order()
    seen = late(changed=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        order.status = "paid"
        order.save()
        order.status = "shipped"
        order.note = "n"
        order.save()
    assert seen == [FIRST, SECOND]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_only_the_fields_the_save_wrote(
    late: Callable[..., Seen], is_async: bool
) -> None:
    order = loaded_order()
    seen = late(is_async=is_async)
    with transaction.atomic():
        order.status = "paid"
        order.note = "n"
        order.save(update_fields=["note"])
        order.status = "draft"
    assert seen == [
        {
            "changes": {"note": ("", "n")},
            "previous": {"status": "draft", "note": ""},
            "has_changed": {"status": False, "note": True},
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_an_insert_is_seen_as_an_insert(late: Callable[..., Seen]) -> None:
    seen = late(created=True)
    with transaction.atomic():
        order = Order.objects.create(status="new")
        order.status = "changed"
        order.save()
    assert seen == [
        {
            "changes": {
                "status": (None, "new"),
                "total": (None, 0),
                "data": (None, {}),
                "note": (None, ""),
            },
            "previous": {"status": None, "note": None},
            "has_changed": {"status": True, "note": True},
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_in_place_edits_after_the_save_do_not_reach_the_frozen_changes() -> None:
    seen: Seen = []

    def receiver(sender: Any, instance: Order, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    order = Order.objects.get(pk=Order.objects.create(data={"a": [1]}).pk)
    signalkit.on_post_save(Order, on_commit=True, changed="data")(receiver)
    try:
        with transaction.atomic():
            order.data["a"].append(2)
            order.save()
            order.data["a"].append(3)  # after the save, before the commit
    finally:
        signalkit.disconnect(receiver)
    assert seen == [{"data": ({"a": [1]}, {"a": [1, 2]})}]


@pytest.mark.django_db(transaction=True)
def test_a_late_receiver_that_saves_again_lets_that_save_answer_for_itself() -> None:
    inner: Seen = []
    late_seen: Seen = []

    def during_save(sender: Any, instance: Order, **kwargs: Any) -> None:
        inner.append(signalkit.changes(instance))

    def after_commit(sender: Any, instance: Order, **kwargs: Any) -> None:
        late_seen.append(signalkit.changes(instance))
        instance.note = "from the late receiver"
        instance.save()
        late_seen.append(signalkit.changes(instance))

    order = loaded_order()
    signalkit.on_pre_save(Order)(during_save)
    signalkit.on_post_save(Order, on_commit=True, changed="status")(after_commit)
    try:
        with transaction.atomic():
            order.status = "paid"
            order.save()
    finally:
        signalkit.disconnect(during_save)
        signalkit.disconnect(after_commit)
    assert inner == [
        {"status": ("draft", "paid")},
        {"note": ("", "from the late receiver")},
    ]
    assert late_seen == [{"status": ("draft", "paid")}, {"status": ("draft", "paid")}]
    assert signalkit.changes(order) == {}


@pytest.mark.django_db(transaction=True)
def test_untracked_models_freeze_nothing() -> None:
    item = Untracked.objects.create()
    assert frozen_changes.freeze(item) is None
    callback = object()
    assert frozen_changes.answering_later(callback, item) is callback  # type: ignore[arg-type]
    assert frozen_changes.answering_later(callback, None) is callback  # type: ignore[arg-type]


@pytest.mark.django_db
def test_answering_from_is_local_to_the_thread() -> None:
    order = Order.objects.get(pk=Order.objects.create().pk)
    order.status = "paid"
    frozen = frozen_changes.freeze(order)
    order.status = "shipped"
    other: list[Any] = []
    with frozen_changes.answering_from(order, frozen):
        assert signalkit.changes(order) == {"status": ("draft", "paid")}
        thread = threading.Thread(target=lambda: other.append(signalkit.changes(order)))
        thread.start()
        thread.join()
    assert other == [{"status": ("draft", "shipped")}]
    assert signalkit.changes(order) == {"status": ("draft", "shipped")}


# The JSON form, for a task= receiver's worker ------------------------------------------------


@pytest.mark.django_db
def test_frozen_changes_round_trip_through_json() -> None:
    stock = Stock.objects.get(
        pk=Stock.objects.create(
            name="s",
            count=3,
            price=Decimal("10.00"),
            seen_at=datetime(2024, 1, 2, tzinfo=timezone.utc),
            settings={"a": 1},
        ).pk
    )
    partial = Stock.objects.only("id", "name").get(pk=stock.pk)
    for instance in (stock, partial):
        instance.price = Decimal("12.50")
        instance.seen_at = datetime(2025, 6, 7, 8, 9, tzinfo=timezone.utc)
        instance.settings = {"a": [1, 2]}
        instance.code = "12345678-1234-5678-1234-567812345678"
    frozen = frozen_changes.freeze(stock)
    assert frozen is not None
    sent = frozen_changes.to_json(stock, frozen)
    assert sent["price"] == {"old": "10.00", "new": "12.50"}
    assert json.loads(json.dumps(sent)) == sent
    # As a worker gets it: the instance rebuilt from the event, the changes from JSON.
    sent_event = events.parse(events.encode(post_save, Stock, {"instance": stock}))
    rebuilt = events.decode(sent_event)[2]["instance"]
    with frozen_changes.answering_from(rebuilt, frozen_changes.from_json(Stock, sent)):
        assert signalkit.changes(rebuilt) == {
            "price": (Decimal("10.00"), Decimal("12.50")),
            "seen_at": (
                datetime(2024, 1, 2, tzinfo=timezone.utc),
                datetime(2025, 6, 7, 8, 9, tzinfo=timezone.utc),
            ),
            "settings": ({"a": 1}, {"a": [1, 2]}),
            # Decoded through the field, as the worker's instance itself is.
            "code": (None, uuid.UUID(stock.code)),
        }
        assert signalkit.previous(rebuilt, "price") == Decimal("10.00")
        assert signalkit.previous(rebuilt, "count") == 3
        assert not signalkit.has_changed(rebuilt, "name")
    partial_frozen = frozen_changes.freeze(partial)
    assert partial_frozen is not None
    sent = frozen_changes.to_json(partial, partial_frozen)
    assert sent["price"] == {"new": "12.50"}  # the old value was never loaded
    assert frozen_changes.from_json(Stock, sent).changed["price"] == (
        DEFERRED,
        Decimal("12.50"),
    )


@pytest.mark.django_db
def test_an_expression_cannot_be_sent() -> None:
    from django.db.models import F

    stock = Stock.objects.create()
    stock.count = F("count") + 1
    frozen = frozen_changes.freeze(stock)
    assert frozen is not None
    with pytest.raises(TypeError, match="'count' cannot be sent to a task= receiver"):
        frozen_changes.to_json(stock, frozen)


# task= receivers: the changes travel with the event -------------------------------------


RECORD_CHANGES = "tests.taskapp.receivers.record_changes"
TRACKED = ["label", "weight"]


@pytest.fixture
def connect() -> Iterator[Callable[..., None]]:
    """Connect ``record_changes`` as a ``task=`` receiver with these task options."""
    receivers.received.clear()
    tasks_compat.backend("default").clear()

    def connect(**task: Any) -> None:
        signalkit.on_post_save("taskapp.Parcel", changed=TRACKED, task=task)(
            receivers.record_changes
        )

    yield connect
    signalkit.disconnect(receivers.record_changes)
    receivers.received.clear()


@pytest.mark.django_db(transaction=True)
def test_each_event_answers_for_its_own_save(connect: Callable[..., None]) -> None:
    connect(backend="immediate")
    parcel = Parcel.objects.create(label="p1", weight=Decimal("1.250"))
    with transaction.atomic():
        parcel.label = "p2"
        parcel.save()
        parcel.label = "p3"
        parcel.weight = Decimal("2.000")
        parcel.save()
    created, first, second = receivers.received
    assert created["changes"] == {"label": ["None", "p1"], "weight": ["None", "1.250"]}
    assert created["previous_label"] == "None"
    # Both ran after the commit, when the instance in memory already said "p3".
    assert first["changes"] == {"label": ["p1", "p2"]}
    assert first["previous_label"] == "p1"
    assert first["previous_weight"] == "1.250"
    assert second["changes"] == {"label": ["p2", "p3"], "weight": ["1.250", "2.000"]}
    assert second["previous_label"] == "p2"


@pytest.mark.django_db
def test_only_the_changes_of_carried_fields_travel(
    django_capture_on_commit_callbacks: Any, connect: Callable[..., None]
) -> None:
    connect(backend="default", fields=["label"])
    parcel = Parcel.objects.create(label="p1", weight=Decimal("1.250"))
    tasks_compat.backend("default").clear()
    with django_capture_on_commit_callbacks(execute=True):
        parcel.label = "p2"
        parcel.weight = Decimal("9.000")  # secret, say: must not leave the process
        parcel.save()
    [result] = tasks_compat.backend("default").results
    _path, payload = result.args
    assert json.loads(payload)["changes"] == {"label": {"old": "p1", "new": "p2"}}
    assert "9.000" not in payload


def _event(changes: Any) -> dict[str, Any]:
    parcel = Parcel.objects.create(label="p1")
    event: dict[str, Any] = json.loads(
        events.encode(post_save, Parcel, {"instance": parcel, "created": False})
    )
    event["changes"] = changes
    return event


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        ["label"],  # not a dict
        {"label": "p2"},  # a change that is not {"old": ..., "new": ...}
        {"label": {"old": "p1"}},  # no new value
        {"label": {"new": "p2", "extra": 1}},
        {"blob": {"new": "x"}},  # a field nothing tracks
        {"weight": {"old": "1", "new": "not a number"}},  # invalid for the field
    ],
)
def test_forged_changes_are_refused(changes: Any, connect: Callable[..., None]) -> None:
    connect(backend="default")
    with pytest.raises(worker.EventRefused):
        worker.run(RECORD_CHANGES, json.dumps(_event(changes)))
    assert receivers.received == []


@pytest.mark.django_db
def test_changes_for_an_event_without_an_instance_are_refused(
    connect: Callable[..., None],
) -> None:
    connect(backend="default")
    event = _event({"label": {"new": "p2"}})
    del event["kwargs"]["instance"]
    with pytest.raises(worker.EventRefused, match="belong to no instance"):
        worker.run(RECORD_CHANGES, json.dumps(event))


@pytest.mark.django_db(transaction=True)
def test_a_db_worker_process_sees_the_changes_of_the_save(
    tmp_path: Path, connect: Callable[..., None]
) -> None:
    connect(backend="db")
    parcel = Parcel.objects.create(label="p1", weight=Decimal("1.250"))
    parcel.label = "p2"
    parcel.weight = Decimal("2.500")
    parcel.save()
    parcel.label = "p3"  # after the event was enqueued: not part of it
    result = procs.run_db_worker(procs.worker_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [
        json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()
    ]
    created, updated = lines
    assert created["changes"] == {"label": ["None", "p1"], "weight": ["None", "1.250"]}
    assert updated["changes"] == {"label": ["p1", "p2"], "weight": ["1.250", "2.500"]}
    assert updated["previous_label"] == "p1"
    assert updated["previous_weight"] == "1.250"
    assert all(line["pid"] != os.getpid() for line in lines)
