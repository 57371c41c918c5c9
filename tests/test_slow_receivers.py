"""``SIGNALKIT["SLOW_RECEIVER_MS"]``: one WARNING per receiver call slower than that, for
every kind of receiver and wherever it runs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.dispatch import Signal
from django.test import override_settings

import signalkit
from signalkit import tasks_compat, worker
from tests.helpers import connected
from tests.testapp.models import Author

ping = signalkit.Signal()
plain = Signal()

pytestmark = pytest.mark.usefixtures("undo_connections")


@pytest.fixture
def slow_at_5ms(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.WARNING, logger="signalkit")
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": 5}):
        yield caplog


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "signalkit" and r.levelno == logging.WARNING
    ]


def nap(**kwargs: Any) -> None:
    time.sleep(0.02)


def test_a_slow_receiver_logs_one_warning_naming_it(
    slow_at_5ms: pytest.LogCaptureFixture,
) -> None:
    signalkit.receiver(ping)(nap)

    @signalkit.receiver(ping)
    def quick(**kwargs: Any) -> None:
        pass

    ping.send(sender="the sender")
    [message] = warnings_of(slow_at_5ms)
    assert message.startswith(
        f"signalkit: slow receiver {__name__}.nap on ping from sender 'the sender' took "
    )
    milliseconds = float(message.split(" took ")[1].split(" ms")[0])
    assert milliseconds >= 20
    assert "(SIGNALKIT['SLOW_RECEIVER_MS'] is 5)" in message


def test_a_receiver_that_raises_is_timed_too(
    slow_at_5ms: pytest.LogCaptureFixture,
) -> None:
    @signalkit.receiver(ping, robust=True)
    def slow_failure(**kwargs: Any) -> None:
        nap()
        raise RuntimeError("late")

    ping.send(sender=None)
    [message] = warnings_of(slow_at_5ms)
    assert f"{__name__}.{slow_failure.__qualname__} on ping from sender None" in message


def test_plain_django_receivers_sync_and_async(
    slow_at_5ms: pytest.LogCaptureFixture,
) -> None:
    async def anap(**kwargs: Any) -> None:
        time.sleep(0.02)

    with connected(plain, nap), connected(plain, anap):
        plain.send(sender="s")
        async_to_sync(plain.asend)(sender="a")
    messages = warnings_of(slow_at_5ms)
    # asend() runs sync and async receivers in an order that depends on Django's version.
    assert sorted(m.split(" took ")[0].rsplit(".", 1)[1] for m in messages) == [
        "anap on plain from sender 'a'",
        "anap on plain from sender 's'",
        "nap on plain from sender 'a'",
        "nap on plain from sender 's'",
    ]


def test_async_signalkit_receivers(slow_at_5ms: pytest.LogCaptureFixture) -> None:
    @signalkit.receiver(ping)
    async def anap(**kwargs: Any) -> None:
        time.sleep(0.02)

    async_to_sync(ping.asend)(sender="s")
    ping.send(sender="s")  # sync send(): Django runs it through async_to_sync
    assert len(warnings_of(slow_at_5ms)) == 2


@pytest.mark.django_db(transaction=True)
def test_on_commit_receivers_are_timed_at_the_commit(
    slow_at_5ms: pytest.LogCaptureFixture,
) -> None:
    signalkit.on_post_save(Author, on_commit=True)(nap)
    with transaction.atomic():
        Author.objects.create(name="a")
        assert warnings_of(slow_at_5ms) == []
    [message] = warnings_of(slow_at_5ms)
    assert f"{__name__}.nap on post_save from sender testapp.Author took" in message


@pytest.mark.django_db
def test_task_receivers_are_timed_in_the_worker(
    slow_at_5ms: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.taskapp import receivers
    from tests.taskapp.models import Depot

    backend = tasks_compat.backend("default")
    backend.clear()
    signalkit.on_post_save(Depot, task=True)(receivers.touch_marker)
    with django_capture_on_commit_callbacks(execute=True):
        Depot.objects.create(name="north")
    [result] = backend.results
    backend.clear()
    assert warnings_of(slow_at_5ms) == []  # enqueued, not run
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": 0}):
        worker.run(*result.args)
    found = [
        m
        for m in warnings_of(slow_at_5ms)
        if "tests.taskapp.receivers.touch_marker on post_save" in m
    ]
    assert len(found) == 1


def test_a_call_within_the_threshold_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signalkit.receiver(ping)(nap)
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": 10_000}):
        ping.send(sender="s")
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": None}):
        ping.send(sender="s")
    assert warnings_of(caplog) == []


@pytest.mark.django_db(transaction=True)
def test_task_receivers_are_timed_in_a_db_worker(tmp_path: Path) -> None:
    from tests.helpers import connect_to_parcels, make_parcel
    from tests.taskapp import procs, receivers

    connect_to_parcels(receivers.record, task="db")
    make_parcel()
    env = procs.worker_env(tmp_path, SIGNALKIT_TEST_SLOW_RECEIVER_MS="0")
    result = procs.run_db_worker(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "signalkit: slow receiver tests.taskapp.receivers.record on post_save from "
        "sender taskapp.Parcel took "
    ) in result.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1
