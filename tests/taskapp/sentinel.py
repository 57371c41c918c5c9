"""Imported by nothing. If a worker ever imports it (because an event named it), it says so."""

from __future__ import annotations

import os

_path = os.environ.get("SIGNALKIT_TEST_SENTINEL")
if _path:
    with open(_path, "a") as f:
        f.write("imported\n")


def anything(**kwargs: object) -> None:
    """A callable for a forged event to name."""
