"""``signalkit.contrib.opentelemetry``: a span per receiver call, events for skipped ones,
and the trace context a ``task=`` event carries to its worker (a real ``db_worker``
included). Spans are read from the SDK's in-memory exporter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.dispatch import Signal
from django.test import override_settings
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode

import signalkit
from signalkit import tasks_compat, trace_context, worker
from tests.helpers import Boom, connected, make_parcel
from tests.taskapp import procs, receivers
from tests.testapp.models import Author

ping = signalkit.Signal()
plain = Signal()

pytestmark = pytest.mark.usefixtures("undo_connections")

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="session")
def tracer() -> trace.Tracer:
    """The SDK, installed once: OpenTelemetry's global provider can be set only once."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)
    return trace.get_tracer("tests")


@pytest.fixture
def spans(tracer: trace.Tracer) -> Iterator[InMemorySpanExporter]:
    """The exporter, emptied, with ``SIGNALKIT["OPENTELEMETRY"] = True``."""
    _EXPORTER.clear()
    with override_settings(SIGNALKIT={"OPENTELEMETRY": True}):
        yield _EXPORTER
    _EXPORTER.clear()


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def path(func: Any) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def span_id(span: Any) -> int:
    return int(span.get_span_context().span_id)


@pytest.mark.django_db
def test_one_span_per_receiver_call_a_child_of_the_current_span(
    spans: InMemorySpanExporter, tracer: trace.Tracer
) -> None:
    @signalkit.on_post_save(Author)
    def saved(sender: Any, **kwargs: Any) -> None:
        pass

    with tracer.start_as_current_span("request") as request:
        Author.objects.create(name="a")
    [span] = named(spans, f"post_save {path(saved)}")
    assert parent_id(span) == span_id(request)
    assert span.context is not None
    assert span.context.trace_id == request.get_span_context().trace_id
    assert dict(span.attributes or {}) == {
        "signalkit.signal": "django.db.models.signals.post_save",
        "signalkit.sender": "testapp.Author",
        "signalkit.receiver": path(saved),
        "signalkit.outcome": "ran",
        "db.namespace": "default",
    }
    assert span.status.status_code == StatusCode.UNSET


def test_plain_and_async_receivers_have_spans_too(
    spans: InMemorySpanExporter,
) -> None:
    def plain_receiver(**kwargs: Any) -> None:
        pass

    @signalkit.receiver(ping)
    async def mine(**kwargs: Any) -> None:
        pass

    with connected(plain, plain_receiver):
        plain.send(sender=None)
    async_to_sync(ping.asend)(sender=None)
    [span] = named(spans, f"plain {path(plain_receiver)}")
    # Neither a model sender nor a using alias: no such attributes.
    assert "signalkit.sender" not in (span.attributes or {})
    assert "db.namespace" not in (span.attributes or {})
    [async_span] = named(spans, f"ping {path(mine)}")
    assert (async_span.attributes or {})["signalkit.outcome"] == "ran"


@pytest.mark.parametrize("robust", [True, False])
def test_a_raising_receiver_records_its_exception_with_status_error(
    spans: InMemorySpanExporter, robust: bool
) -> None:
    @signalkit.receiver(ping, robust=robust)
    def fails(**kwargs: Any) -> None:
        raise Boom("no luck")

    if robust:
        ping.send(sender="s")
    else:
        with pytest.raises(Boom):
            ping.send(sender="s")
    [span] = named(spans, f"ping {path(fails)}")
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "Boom: no luck"
    assert (span.attributes or {})["signalkit.outcome"] == "raised"
    [event] = span.events
    assert event.name == "exception"
    assert (event.attributes or {})["exception.type"].endswith("Boom")
    assert (event.attributes or {})["exception.message"] == "no luck"


@pytest.mark.django_db
def test_a_skipped_receiver_is_an_event_on_the_current_span(
    spans: InMemorySpanExporter, tracer: trace.Tracer
) -> None:
    @signalkit.on_post_save(Author, created=False)
    def on_update(sender: Any, **kwargs: Any) -> None:
        pass

    with tracer.start_as_current_span("request"):
        Author.objects.create(name="a")
    assert named(spans, f"post_save {path(on_update)}") == []
    [request] = named(spans, "request")
    [event] = [e for e in request.events if e.name == "signalkit.skipped"]
    assert dict(event.attributes or {}) == {
        "receiver": path(on_update),
        "reason": "created",
    }


def test_spans_nest_as_the_receivers_do(spans: InMemorySpanExporter) -> None:
    @signalkit.receiver(ping)
    def outer(**kwargs: Any) -> None:
        plain.send(sender="inner")

    def inner(**kwargs: Any) -> None:
        pass

    with connected(plain, inner):
        ping.send(sender="outer")
    [outer_span] = named(spans, f"ping {path(outer)}")
    [inner_span] = named(spans, f"plain {path(inner)}")
    assert parent_id(inner_span) == span_id(outer_span)


@pytest.mark.django_db(transaction=True)
def test_an_on_commit_receiver_has_its_span_at_the_commit(
    spans: InMemorySpanExporter,
) -> None:
    @signalkit.on_post_save(Author, on_commit=True)
    def later(sender: Any, **kwargs: Any) -> None:
        pass

    with transaction.atomic():
        Author.objects.create(name="a")
        assert named(spans, f"post_save {path(later)}") == []
    assert len(named(spans, f"post_save {path(later)}")) == 1


def test_no_span_while_it_is_off(tracer: trace.Tracer) -> None:
    _EXPORTER.clear()

    @signalkit.receiver(ping)
    def mine(**kwargs: Any) -> None:
        pass

    ping.send(sender="s")
    assert _EXPORTER.get_finished_spans() == ()


# The trace context of task= receivers -------------------------------------------------


def traceparent_of(span: Any) -> str:
    context = span.get_span_context()
    flags = int(context.trace_flags)
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags:02x}"


@pytest.mark.django_db
def test_a_task_event_carries_the_senders_trace_context_to_the_worker(
    spans: InMemorySpanExporter,
    tracer: trace.Tracer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    backend = tasks_compat.backend("default")
    backend.clear()
    signalkit.on_post_save("taskapp.Parcel", task=True)(receivers.record)
    with (
        tracer.start_as_current_span("request") as request,
        django_capture_on_commit_callbacks(execute=True),
    ):
        make_parcel()
    [result] = backend.results
    backend.clear()
    _receiver_path, payload = result.args
    event = json.loads(payload)
    assert event[trace_context.KEY] == {"traceparent": traceparent_of(request)}
    # The worker runs it outside any span of its own: the event's context is the parent.
    worker.run(*result.args)
    [span] = named(spans, f"post_save {path(receivers.record)}")
    assert parent_id(span) == span_id(request)
    assert span.context is not None
    assert span.context.trace_id == request.get_span_context().trace_id
    receivers.received.clear()


@pytest.mark.django_db(transaction=True)
def test_the_span_in_a_db_worker_is_a_child_of_the_span_that_sent_it(
    spans: InMemorySpanExporter, tracer: trace.Tracer, tmp_path: Path
) -> None:
    signalkit.on_post_save("taskapp.Parcel", task="db")(receivers.record)
    with tracer.start_as_current_span("request") as request:
        make_parcel()
    exported = tmp_path / "spans.jsonl"
    env = procs.worker_env(tmp_path, SIGNALKIT_TEST_SPANS=str(exported))
    result = procs.run_db_worker(env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    [span] = [s for s in lines if s["name"] == f"post_save {path(receivers.record)}"]
    context = request.get_span_context()
    assert span["trace_id"] == f"{context.trace_id:032x}"
    assert span["parent_span_id"] == f"{context.span_id:016x}"
    assert span["attributes"]["signalkit.outcome"] == "ran"
    assert span["attributes"]["signalkit.sender"] == "taskapp.Parcel"
    # And the receiver really ran there.
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    assert json.loads(line)["label"] == "p1"
