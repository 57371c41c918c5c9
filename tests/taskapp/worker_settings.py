"""Settings of the worker (and writer) processes the task tests start.

``SIGNALKIT_TEST_SPANS`` (a file) turns OpenTelemetry on, exporting each span there;
``SIGNALKIT_TEST_SLOW_RECEIVER_MS`` sets ``SLOW_RECEIVER_MS``.
"""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

SIGNALKIT = {"MODULES": ["signals", "worker_signals"]}

if os.environ.get("SIGNALKIT_TEST_SPANS"):
    from tests.taskapp import otel_export

    otel_export.install(os.environ["SIGNALKIT_TEST_SPANS"])
    SIGNALKIT["OPENTELEMETRY"] = True
if os.environ.get("SIGNALKIT_TEST_SLOW_RECEIVER_MS"):
    SIGNALKIT["SLOW_RECEIVER_MS"] = float(os.environ["SIGNALKIT_TEST_SLOW_RECEIVER_MS"])
