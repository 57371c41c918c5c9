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
    for line in (ROOT / "docs" / "reference" / "api.rst").read_text().splitlines():
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


def test_the_mermaid_chart_pasted_into_markdown_is_the_commands_output() -> None:
    from tests.tutorial_page import blocks

    page = (ROOT / "docs" / "howto" / "seeing.rst").read_text()
    [markdown] = [b for b in blocks(page, includes=True) if b.language == "markdown"]
    fenced = "\n".join(text for _, text in markdown.body)
    output = (ROOT / "docs" / "_outputs" / "signals-app-shop.mmd").read_text()
    assert fenced == f"```mermaid\n{output.rstrip()}\n```"


def test_every_builtin_signal_has_an_anchor_in_the_signals_reference() -> None:
    from django.dispatch import Signal

    from signalkit import known_signals

    page = (ROOT / "docs" / "reference" / "signals.rst").read_text()
    anchors = set(re.findall(r"^   \* - _`(\w+)`", page, flags=re.MULTILINE))
    names = {"autoreload_started", "file_changed"}  # django.utils.autoreload's
    for module_name in known_signals.MODULES:
        module = known_signals.module(module_name)
        if module is None and module_name == known_signals.AUTH:
            from django.contrib.auth import signals as module
        if module is None:
            continue
        names |= {n for n, v in vars(module).items() if isinstance(v, Signal)}
    assert names - anchors == set()
    assert {"post_save", "pre_update", "user_logged_in"} <= names
