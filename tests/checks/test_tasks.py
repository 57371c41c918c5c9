"""Checks ``signalkit.E003``, ``E005``, ``W003``, ``W004``, ``W005`` and ``W006``: ``task=``
receivers and signalkit's Celery transport."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings

import signalkit
from signalkit import celery_transport, registry
from tests.helpers import connect_to_parcels
from tests.taskapp import receivers
from tests.taskapp.models import Parcel

pytestmark = pytest.mark.usefixtures("undo_connections")


# Checks.


@pytest.mark.django_db(databases=["default", "other"])
def test_w003_for_the_immediate_backend() -> None:
    connect_to_parcels(receivers.record, task="immediate")
    found = [m for m in checks.run_checks() if m.id and m.id.startswith("signalkit.")]
    assert [m.id for m in found] == ["signalkit.W003"]
    assert "'immediate'" in found[0].msg
    assert "ImmediateBackend" in found[0].msg


@pytest.mark.django_db(databases=["default", "other"])
def test_e005_for_an_unknown_alias() -> None:
    connect_to_parcels(receivers.record, task="nope")
    found = [m for m in checks.run_checks() if m.id and m.id.startswith("signalkit.")]
    assert [m.id for m in found] == ["signalkit.E005"]
    assert "'nope'" in found[0].msg


def test_e003_for_a_receiver_not_importable_by_its_path() -> None:
    def record(signal: Any, sender: Any, **kwargs: Any) -> None: ...

    # Connected the way a decorator would, but under a module-level path that is bound
    # to another function: what a worker would import is not this receiver.
    record.__qualname__ = "record"
    record.__module__ = "tests.taskapp.receivers"
    signalkit.on_post_save(Parcel, task=True)(record)
    try:
        found = [m for m in checks.run_checks() if m.id == "signalkit.E003"]
        assert len(found) == 1
        assert "tests.taskapp.receivers.record" in found[0].msg
    finally:
        signalkit.disconnect(record)
    assert all(c.func is not record for c in registry.connections())


# JSONField's check asks every database whether it supports JSON.
@pytest.mark.django_db(databases=["default", "other"])
@pytest.mark.parametrize(
    ("annotations", "named"),
    [
        ({celery_transport.TASK_NAME: {"acks_late": False}}, "acks_late"),
        ({"*": {"reject_on_worker_lost": False}}, "reject_on_worker_lost"),
        (
            [{"*": {"acks_late": False, "reject_on_worker_lost": False}}],
            "acks_late and reject_on_worker_lost",
        ),
    ],
)
def test_w004_when_task_annotations_turn_the_options_off(
    celery_app: Any, annotations: Any, named: str
) -> None:
    signalkit.receiver(receivers.shipment_priced, task="celery")(receivers.record)
    # Bind the task first: annotations present when Celery binds it would stay on it.
    assert celery_app.tasks[celery_transport.TASK_NAME].acks_late is True
    before = celery_app.conf.task_annotations
    celery_app.conf.task_annotations = annotations
    try:
        found = [m for m in checks.run_checks() if m.id == "signalkit.W004"]
    finally:
        celery_app.conf.task_annotations = before
    [message] = found
    assert f"turns off {named} for signalkit's task" in message.msg
    assert "CELERY_TASK_ANNOTATIONS" in (message.hint or "")


@pytest.mark.django_db(databases=["default", "other"])
def test_no_w004_or_w005_without_celery_receivers(celery_app: Any) -> None:
    assert celery_app.tasks[celery_transport.TASK_NAME].acks_late is True
    before = celery_app.conf.task_annotations
    celery_app.conf.task_annotations = {"*": {"acks_late": False}}
    try:
        ids = {m.id for m in checks.run_checks()}
    finally:
        celery_app.conf.task_annotations = before
    assert not ids & {"signalkit.W004", "signalkit.W005"}


@pytest.mark.django_db(databases=["default", "other"])
@pytest.mark.parametrize("how", ["task='celery'", "task=True, TASK_BACKEND='celery'"])
def test_w006_when_the_loaded_celery_app_has_no_broker(
    celery_app: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    for variable in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.delenv(variable, raising=False)
    task: Any = "celery" if how == "task='celery'" else True
    settings = {"TASK_BACKEND": "celery"} if task is True else {}
    with override_settings(SIGNALKIT=settings):
        signalkit.receiver(receivers.shipment_priced, task=task)(receivers.record)
        assert [m for m in checks.run_checks() if m.id == "signalkit.W006"] == []
        # The setting itself, not conf.broker_url (Celery reads the environment first).
        monkeypatch.setitem(celery_app.conf, "broker_url", None)
        found = [m for m in checks.run_checks() if m.id == "signalkit.W006"]
    [message] = found
    assert "'tests.taskapp.receivers.record' on shipment_priced" in message.msg
    assert "the Celery app this process loaded" in message.msg
    assert "'signalkit_tests', which has no broker configured" in message.msg
    assert "amqp://guest@localhost//" in message.msg
    assert "CELERY_BROKER_URL" in (message.hint or "")


@pytest.mark.django_db(databases=["default", "other"])
def test_the_broker_from_the_environment_counts(
    celery_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    signalkit.receiver(receivers.shipment_priced, task="celery")(receivers.record)
    monkeypatch.setitem(celery_app.conf, "broker_url", None)
    monkeypatch.setenv("CELERY_BROKER_URL", str(settings.CELERY_BROKER_URL))
    assert "signalkit.W006" not in {m.id for m in checks.run_checks()}
    monkeypatch.delenv("CELERY_BROKER_URL")
    assert "signalkit.W006" in {m.id for m in checks.run_checks()}
