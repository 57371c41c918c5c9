"""Integrations with other tools, each behind an extra of its own: ``debug_toolbar``
(``signalkit[debug-toolbar]``) and ``opentelemetry`` (``signalkit[otel]``)."""
