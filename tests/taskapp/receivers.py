"""Module-level receivers the task tests connect with task=... (not autodiscovered).

In-process backends append to ``received``; worker processes append a JSON line to the
file named by SIGNALKIT_TEST_OUTPUT, so the test can read what the worker got.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from signalkit import Signal

received: list[dict[str, Any]] = []


def describe(signal: Any, sender: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    instance = kwargs.get("instance")
    return {
        "signal": signal,
        "sender": sender,
        "kwargs": kwargs,
        "label": getattr(instance, "label", None),
    }


def record(signal: Any, sender: Any, **kwargs: Any) -> None:
    received.append(describe(signal, sender, kwargs))
    output = os.environ.get("SIGNALKIT_TEST_OUTPUT")
    if output:
        instance = kwargs.get("instance")
        line = {
            "sender": sender._meta.label,
            "label": instance.label,
            "weight": str(instance.weight),
            "pid": os.getpid(),
        }
        with open(output, "a") as f:
            f.write(json.dumps(line) + "\n")


def explode(signal: Any, sender: Any, **kwargs: Any) -> None:
    raise RuntimeError("receiver failed in the worker")


async def record_async(signal: Any, sender: Any, **kwargs: Any) -> None:
    received.append(describe(signal, sender, kwargs))


shipment_priced = Signal(args=("amount",))


def _append_line(path: str, line: dict[str, Any]) -> None:
    # One write() on an O_APPEND descriptor: a process killed around it leaves a whole
    # line or none.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(line) + "\n").encode())
    finally:
        os.close(fd)


def _hold(phase: str) -> None:
    """Wait while the fault test's hold file asks to stop in ``phase``, so it can kill us here."""
    hold = os.environ.get("SIGNALKIT_TEST_HOLD")
    if not hold:
        return
    try:
        with open(hold) as f:
            wanted = f.read()
    except FileNotFoundError:
        return
    if wanted != phase:
        return
    # Written aside and renamed: a test that sees the file reads the whole pid, never ''.
    with open(f"{hold}.inside.tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(f"{hold}.inside.tmp", f"{hold}.inside")
    deadline = time.monotonic() + 120  # never hang for ever if the test is gone
    while os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.01)


def fault_record(signal: Any, sender: Any, instance: Any, **kwargs: Any) -> None:
    """The kill test's receiver: one line per run, with holds before and after it."""
    _hold("before")
    _append_line(
        os.environ["SIGNALKIT_TEST_OUTPUT"],
        {"label": instance.name, "pid": os.getpid()},
    )
    _hold("after")


def touch_marker(signal: Any = None, sender: Any = None, **kwargs: Any) -> None:
    """Writes the marker file: proof that it ran (the forged-event tests expect it never does)."""
    marker = os.environ.get("SIGNALKIT_TEST_MARKER")
    if marker:
        _append_line(marker, {"ran": "touch_marker"})


def touch_marker_task(signal: Any = None, sender: Any = None, **kwargs: Any) -> None:
    """Like touch_marker; connected with task= to shipment_priced only (worker_signals)."""
    touch_marker()


def not_a_receiver(**kwargs: Any) -> None:
    """A project function that is connected to nothing."""
    touch_marker()


def record_changes(signal: Any, sender: Any, instance: Any, **kwargs: Any) -> None:
    """What changes() and previous() answer for the instance, where the receiver runs."""
    import signalkit

    line = {
        "changes": {
            k: [str(v) for v in pair] for k, pair in signalkit.changes(instance).items()
        },
        "previous_label": str(signalkit.previous(instance, "label")),
        "previous_weight": str(signalkit.previous(instance, "weight")),
        "pid": os.getpid(),
    }
    received.append(line)
    output = os.environ.get("SIGNALKIT_TEST_OUTPUT")
    if output:
        _append_line(output, line)
