"""For worker processes the OpenTelemetry tests start: an SDK tracer provider that writes
each finished span as a JSON line to a file the test reads."""

from __future__ import annotations

import json
from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


class FileExporter(SpanExporter):
    """Appends one JSON line per span to ``path``, as each span ends."""

    def __init__(self, path: str) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with open(self.path, "a") as f:
            for span in spans:
                context = span.get_span_context()
                parent = span.parent
                line = {
                    "name": span.name,
                    "trace_id": f"{context.trace_id:032x}" if context else None,
                    "span_id": f"{context.span_id:016x}" if context else None,
                    "parent_span_id": f"{parent.span_id:016x}" if parent else None,
                    "attributes": dict(span.attributes or {}),
                    "status": span.status.status_code.name,
                }
                f.write(json.dumps(line) + "\n")
        return SpanExportResult.SUCCESS


def install(path: str) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileExporter(path)))
    trace.set_tracer_provider(provider)
