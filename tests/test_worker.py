"""The worker's side of ``task=``: forged queue rows and broker messages run nothing.

A worker accepts only a receiver its own startup connected with ``task=`` to the event's
signal, and a well-formed event; anything else is refused, logged and fails the task,
before anything the event names is imported. Checked in process, through a real
``db_worker`` and through a real Celery worker on Redis.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models.signals import post_delete, post_save
from django_tasks_db.models import DBTaskResult, get_date_max

import signalkit
from signalkit import events, worker
from tests.taskapp import procs, receivers
from tests.taskapp.models import Parcel

POST_SAVE = "django.db.models.signals.post_save"
RECORD = "tests.taskapp.receivers.record"
REFUSED = "signalkit.worker.EventRefused"


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    yield
    for func in (
        receivers.record,
        receivers.touch_marker,
        receivers.touch_marker_task,
    ):
        signalkit.disconnect(func)
    receivers.received.clear()


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A victim file and directory a forged event aims at, and files that prove a run."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    (victim_dir / "inside").write_text("precious")
    found = {
        "victim": victim,
        "victim_dir": victim_dir,
        "marker": tmp_path / "marker.jsonl",
        "sentinel": tmp_path / "sentinel.txt",
    }
    monkeypatch.setenv("SIGNALKIT_TEST_MARKER", str(found["marker"]))
    monkeypatch.setenv("SIGNALKIT_TEST_SENTINEL", str(found["sentinel"]))
    return found


def event(signal: str = POST_SAVE, sender: Any = None, **kwargs: Any) -> dict[str, Any]:
    return {"signal": signal, "sender": sender, "kwargs": kwargs}


def forged(files: dict[str, Path]) -> list[tuple[str, dict[str, Any], str]]:
    """(receiver path, event, what the refusal says) of each forged event."""
    victim, victim_dir = str(files["victim"]), str(files["victim_dir"])
    parcel_model = {"__signalkit__": "model", "model": "taskapp.Parcel"}
    return [
        # A standard-library function that opens (so truncates) a file before it
        # complains about its unexpected arguments.
        (
            "logging.basicConfig",
            event(filename=victim, filemode="w", force=True),
            "not a receiver connected with task=",
        ),
        ("os.remove", event(path=victim), "not a receiver connected with task="),
        (
            "shutil.rmtree",
            event(path=victim_dir),
            "not a receiver connected with task=",
        ),
        (
            "tests.taskapp.receivers.not_a_receiver",
            event(),
            "not a receiver connected with task=",
        ),
        (
            "tests.taskapp.receivers.touch_marker",
            event(sender=parcel_model),
            f"connected to '{POST_SAVE}' without task=",
        ),
        (
            "tests.taskapp.receivers.touch_marker_task",
            event(sender=parcel_model),
            "connected with task= to other signals",
        ),
        (
            RECORD,
            event(signal="tests.taskapp.sentinel.anything"),
            "not in a module this process imported",
        ),
        (
            "tests.taskapp.sentinel.anything",
            event(),
            "not a receiver connected with task=",
        ),
        (RECORD, event(signal="django.conf.settings"), "is not a Signal"),
        (
            RECORD,
            event(sender={"__signalkit__": "model", "model": "nope.Nope"}),
            "'nope.Nope', which is not installed",
        ),
        (
            RECORD,
            event(
                sender=parcel_model,
                instance={
                    "__signalkit__": "instance",
                    "model": "taskapp.Parcel",
                    "using": "elsewhere",
                    "fields": {"id": 1},
                },
            ),
            "names the database 'elsewhere', which is not configured",
        ),
        (
            RECORD,
            {**event(sender=parcel_model), "trace_context": {"traceparent": victim}},
            "its traceparent is not a W3C traceparent",
        ),
    ]


def assert_nothing_ran(files: dict[str, Path]) -> None:
    assert files["victim"].read_text() == "precious"
    assert (files["victim_dir"] / "inside").read_text() == "precious"
    assert not files["marker"].exists()
    assert not files["sentinel"].exists()


# In process.


@pytest.mark.django_db
def test_forged_events_are_refused_and_logged(
    files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    # Connected as tests.taskapp.worker_signals connects them in worker processes.
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    signalkit.on_post_save(Parcel)(receivers.touch_marker)
    signalkit.receiver(receivers.shipment_priced, task=True)(
        receivers.touch_marker_task
    )
    for path, forged_event, reason in forged(files):
        caplog.clear()
        with pytest.raises(worker.EventRefused, match=reason):
            worker.run(path, json.dumps(forged_event))
        [log] = caplog.records
        assert log.levelname == "ERROR"
        assert path in log.getMessage()
        assert reason in log.getMessage()
    assert_nothing_ran(files)


@pytest.mark.django_db
def test_a_receiver_connected_with_task_runs() -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    parcel = Parcel.objects.create(label="p1")
    sent = events.encode(
        post_save, Parcel, {"instance": parcel, "created": True, "using": "default"}
    )
    worker.run(RECORD, sent)
    [got] = receivers.received
    assert got["signal"] is post_save
    assert got["label"] == "p1"


@pytest.mark.django_db
def test_a_task_receiver_on_another_signal_is_refused() -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    parcel = Parcel.objects.create(label="p1")
    sent = events.encode(post_delete, Parcel, {"instance": parcel, "using": "default"})
    with pytest.raises(worker.EventRefused, match="other signals, not to"):
        worker.run(RECORD, sent)
    assert receivers.received == []


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("not a dict", "not a dict with the keys"),
        ({"signal": POST_SAVE, "sender": None}, "not a dict with the keys"),
        (event(signal=3), "names no signal"),
        ({**event(), "kwargs": []}, "kwargs are not a dict"),
        (
            {"signal": POST_SAVE, "sender": None, "kwargs": {"sender": 1}},
            "argument name 'sender'",
        ),
        (event(x={"__signalkit__": "pickle", "data": "..."}), "malformed"),
        (event(x={"__signalkit__": "set", "items": "abc"}), "no list of items"),
        (event(x={"__signalkit__": "set", "items": [[1]]}), "unhashable"),
        (
            event(x={"__signalkit__": "model", "model": "taskapp.Parcel", "more": 1}),
            "malformed",
        ),
        (
            event(
                x={
                    "__signalkit__": "instance",
                    "model": "taskapp.Parcel",
                    "using": "default",
                    "fields": {"id": 1, "weight": "heavy"},
                }
            ),
            "taskapp.Parcel.weight in it is not valid",
        ),
        (
            event(
                x={
                    "__signalkit__": "instance",
                    "model": "taskapp.Parcel",
                    "using": "default",
                    "fields": {"label": "x"},
                }
            ),
            "has no primary key value",
        ),
    ],
)
@pytest.mark.django_db
def test_malformed_events_are_refused(bad: Any, reason: str) -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    with pytest.raises(worker.EventRefused, match=reason):
        worker.run(RECORD, json.dumps(bad))
    assert receivers.received == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        # What earlier development versions queued: the event as a dict.
        (event(), "it is a dict, not the JSON string signalkit writes"),
        (None, "it is a NoneType, not the JSON string"),
        ('{"signal": ', "its text is not JSON"),
        ('{"signal": NaN}', "it holds NaN, which encode"),
        ("[" * 100_000 + "]" * 100_000, "nests more than"),
    ],
)
@pytest.mark.django_db
def test_payloads_that_are_not_signalkits_json_string_are_refused(
    payload: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    with pytest.raises(worker.EventRefused, match=reason):
        worker.run(RECORD, payload)
    assert receivers.received == []
    [log] = caplog.records
    assert log.levelname == "ERROR"
    assert reason in log.getMessage()


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    ("trace_context", "reason"),
    [
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "not a dict"),
        ({"tracestate": "a=b"}, "not a dict"),
        ({"traceparent": TRACEPARENT, "baggage": "k=v"}, "not a dict"),
        ({"traceparent": 3}, "not a dict"),
        ({"traceparent": TRACEPARENT.upper()}, "not a W3C traceparent"),
        ({"traceparent": f"01{TRACEPARENT[2:]}"}, "not a W3C traceparent"),
        ({"traceparent": f"00-{'0' * 32}-b7ad6b7169203331-01"}, "not a W3C"),
        ({"traceparent": f"{TRACEPARENT}\n"}, "not a W3C traceparent"),
        (
            {"traceparent": TRACEPARENT, "tracestate": "a=\u00e9"},
            "not a W3C tracestate",
        ),
    ],
)
@pytest.mark.django_db
def test_a_malformed_trace_context_refuses_the_event(
    trace_context: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Decided: refused, like anything else encode() could not have written; a
    trace context is never half-trusted."""
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    parcel = Parcel.objects.create(label="p1")
    sent = events.encode(post_save, Parcel, {"instance": parcel, "using": "default"})
    with pytest.raises(worker.EventRefused, match=reason):
        worker.run(
            RECORD, json.dumps({**json.loads(sent), "trace_context": trace_context})
        )
    assert receivers.received == []
    # The message says what is wrong, never what the queue held.
    assert "b7ad6b7169203331" not in caplog.text


@pytest.mark.django_db
def test_a_trace_context_is_accepted_and_unused_while_opentelemetry_is_off() -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    parcel = Parcel.objects.create(label="p1")
    sent = events.encode(
        post_save,
        Parcel,
        {"instance": parcel, "using": "default"},
        context={"traceparent": TRACEPARENT, "tracestate": "vendor=x,other=y"},
    )
    worker.run(RECORD, sent)
    assert [got["label"] for got in receivers.received] == ["p1"]


@pytest.mark.django_db
def test_deeply_nested_event_is_refused_not_a_recursion_error() -> None:
    signalkit.on_post_save(Parcel, task=True)(receivers.record)
    deep: Any = 1
    for _ in range(events.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(worker.EventRefused, match="nests more than"):
        worker.run(RECORD, json.dumps(event(x=deep)))


# Through a real db_worker: rows written into the task table by hand.


def forge_row(receiver_path: str, forged_event: Any) -> DBTaskResult:
    """A task row for ``forged_event``, written as signalkit writes events (JSON text);
    a real event from :func:`events.encode` is that text already."""
    if not isinstance(forged_event, str):
        forged_event = json.dumps(forged_event)
    row: DBTaskResult = DBTaskResult.objects.create(
        args_kwargs={"args": [receiver_path, forged_event], "kwargs": {}},
        task_path="signalkit.tasks.run_receiver",
        backend_name="db",
        queue_name="default",
        priority=0,
        run_after=get_date_max(),
    )
    return row


@pytest.mark.django_db(transaction=True)
def test_db_worker_refuses_forged_rows(tmp_path: Path, files: dict[str, Path]) -> None:
    cases = forged(files)
    rows = [forge_row(path, forged_event) for path, forged_event, _ in cases]
    parcel = Parcel.objects.create(label="real")
    real = forge_row(
        RECORD,
        events.encode(
            post_save, Parcel, {"instance": parcel, "created": True, "using": "default"}
        ),
    )
    result = procs.run_db_worker(procs.worker_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert_nothing_ran(files)
    for row, (path, _, reason) in zip(rows, cases, strict=True):
        row.refresh_from_db()
        assert row.status == "FAILED", path
        assert row.exception_class_path == REFUSED
        assert reason in row.traceback
        assert f"signalkit refused a background event for receiver '{path}'" in (
            result.stderr
        )
    real.refresh_from_db()
    assert real.status == "SUCCESSFUL"
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    assert json.loads(line)["label"] == "real"


# Through a real Celery worker on Redis: messages published by hand.


@pytest.mark.django_db(transaction=True)
def test_celery_worker_refuses_forged_messages(
    tmp_path: Path, files: dict[str, Path], celery_broker: Any
) -> None:
    from signalkit.celery_transport import TASK_NAME

    queue = f"signalkit-forged-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    cases = forged(files)
    for path, forged_event, _ in cases:
        celery_broker.send_task(
            TASK_NAME, args=[path, json.dumps(forged_event)], queue=queue
        )
    parcel = Parcel.objects.create(label="real")
    real = events.encode(
        post_save, Parcel, {"instance": parcel, "created": True, "using": "default"}
    )
    # Sent last: a solo worker takes messages in order, so its line means all were seen.
    celery_broker.send_task(TASK_NAME, args=[RECORD, real], queue=queue)
    output = tmp_path / "out.jsonl"
    proc = procs.start(procs.celery_worker_args(queue), procs.worker_env(tmp_path))
    try:
        procs.wait_for(output.exists, 60, alive=proc)
    finally:
        log = procs.stop(proc)
    assert output.exists(), log
    assert_nothing_ran(files)
    for path, _, reason in cases:
        assert f"signalkit refused a background event for receiver '{path}'" in log
        assert reason in log
    [line] = output.read_text().splitlines()
    assert json.loads(line)["label"] == "real"
