"""Settings of the worker (and writer) processes the task tests start."""

from __future__ import annotations

from tests.settings import *  # noqa: F403

SIGNALKIT = {"MODULES": ["signals", "worker_signals"]}
