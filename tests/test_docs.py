"""Every public name is documented in the API reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import signalkit
from signalkit import models, signals, testing
from signalkit.contrib import debug_toolbar

ROOT = Path(__file__).resolve().parent.parent


def documented() -> set[str]:
    """Fully qualified names of the autodoc entries, relative names under their module."""
    names: set[str] = set()
    module = ""
    for line in (ROOT / "docs" / "api.rst").read_text().splitlines():
        found = re.match(r"^\.\. (?:current)?module:: ([\w.]+)", line)
        if found:
            module = found.group(1)
        found = re.match(r"^\.\. auto(?:function|class|data):: ([\w.]+)", line)
        if found:
            name = found.group(1)
            names.add(name if "." in name else f"{module}.{name}")
    return names


def test_every_public_name_has_a_reference_entry() -> None:
    names = documented()
    missing = [
        f"signalkit.{n}" for n in signalkit.__all__ if f"signalkit.{n}" not in names
    ]
    missing += [
        f"signalkit.signals.{n}"
        for n in signals.__all__
        if f"signalkit.signals.{n}" not in names
    ]
    for module, public in (
        (models, ("SignalQuerySet", "SignalQuerySetMixin", "SignalManager")),
        (testing, ("capture", "assert_sent", "assert_not_sent", "mute", "trace")),
        (debug_toolbar, ("SignalsPanel",)),
    ):
        missing += [
            f"{module.__name__}.{n}"
            for n in public
            if f"{module.__name__}.{n}" not in names
        ]
    assert missing == []


def test_every_public_name_has_a_docstring() -> None:
    undocumented = [n for n in signalkit.__all__ if not getattr(signalkit, n).__doc__]
    assert undocumented == []


def test_command_outputs_shown_in_the_docs_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/docs_outputs.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
