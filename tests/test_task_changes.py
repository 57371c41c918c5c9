"""``task=`` receivers answer ``changes()`` and ``previous()`` for the save that sent them.

The changes are frozen when the event is enqueued and travel with it, so a worker, in
another process and later, sees what that save changed (API.md section 4), limited to
the fields the event carries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models.signals import post_save

import signalkit
from signalkit import events, tasks_compat, worker
from tests.taskapp import procs, receivers
from tests.taskapp.models import Parcel

RECORD_CHANGES = "tests.taskapp.receivers.record_changes"
TRACKED = ["label", "weight"]


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    tasks_compat.backend("default").clear()
    yield
    signalkit.disconnect(receivers.record_changes)
    receivers.received.clear()


def connect(**task: Any) -> None:
    signalkit.on_post_save("taskapp.Parcel", changed=TRACKED, task=task)(
        receivers.record_changes
    )


@pytest.mark.django_db(transaction=True)
def test_each_event_answers_for_its_own_save() -> None:
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
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(backend="default", fields=["label"])
    parcel = Parcel.objects.create(label="p1", weight=Decimal("1.250"))
    tasks_compat.backend("default").clear()
    with django_capture_on_commit_callbacks(execute=True):
        parcel.label = "p2"
        parcel.weight = Decimal("9.000")  # secret, say: must not leave the process
        parcel.save()
    [result] = tasks_compat.backend("default").results
    _path, event = result.args
    assert event["changes"] == {"label": {"old": "p1", "new": "p2"}}
    assert "9.000" not in json.dumps(event)


def _event(changes: Any) -> dict[str, Any]:
    parcel = Parcel.objects.create(label="p1")
    event = events.encode(post_save, Parcel, {"instance": parcel, "created": False})
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
def test_forged_changes_are_refused(changes: Any) -> None:
    connect(backend="default")
    with pytest.raises(worker.EventRefused):
        worker.run(RECORD_CHANGES, _event(changes))
    assert receivers.received == []


@pytest.mark.django_db
def test_changes_for_an_event_without_an_instance_are_refused() -> None:
    connect(backend="default")
    event = _event({"label": {"new": "p2"}})
    del event["kwargs"]["instance"]
    with pytest.raises(worker.EventRefused, match="belong to no instance"):
        worker.run(RECORD_CHANGES, event)


@pytest.mark.django_db(transaction=True)
def test_a_db_worker_process_sees_the_changes_of_the_save(tmp_path: Path) -> None:
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
