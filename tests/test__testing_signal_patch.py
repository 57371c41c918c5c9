"""The patch of ``django.dispatch.Signal`` under the testing helpers: installed once, on
Django's own methods, and idle while no helper is active
(``signalkit._testing_signal_patch``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.dispatch import Signal

from signalkit import _testing_signal_patch
from signalkit.testing import (
    mute,
)
from tests import interpreter
from tests.helpers import Recorder, connected

plain = Signal()

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")

# the dispatch hook ---------------------------------------------------------------------


def test_hook_wraps_djangos_methods_once() -> None:
    with mute():
        pass
    assert _testing_signal_patch.INSTALLED
    patched = {name: Signal.__dict__[name] for name in _testing_signal_patch._PATCHES}
    _testing_signal_patch.install()
    _testing_signal_patch._patch()
    assert {
        name: Signal.__dict__[name] for name in _testing_signal_patch._PATCHES
    } == patched
    for name, method in patched.items():
        original = method.__signalkit_original__
        assert not hasattr(original, "__signalkit_original__")
        assert method.__wrapped__ is original
        assert method.__name__ == name


def test_hook_reinstalled_by_a_reloaded_module_wraps_djangos_methods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _testing_signal_patch.install()
    originals = {
        name: Signal.__dict__[name].__signalkit_original__
        for name in _testing_signal_patch._PATCHES
    }
    for name in _testing_signal_patch._PATCHES:
        monkeypatch.setattr(Signal, name, Signal.__dict__[name])
    monkeypatch.setattr(_testing_signal_patch, "INSTALLED", False)
    _testing_signal_patch.install()
    for name, original in originals.items():
        assert Signal.__dict__[name].__signalkit_original__ is original
    recorder = Recorder()
    with connected(plain, recorder), mute(plain):
        plain.send(sender="muted")
    assert recorder.senders == []


def test_importing_the_helpers_patches_nothing() -> None:
    code = (
        "import django.dispatch as d\n"
        "before = dict(vars(d.Signal))\n"
        "import signalkit.testing, signalkit.pytest_plugin\n"
        "assert dict(vars(d.Signal)) == before\n"
        "from signalkit import _testing_signal_patch\n"
        "assert not _testing_signal_patch.INSTALLED\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=interpreter.CWD,
        env=interpreter.env({"PATH": ""}),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_idle_hook_only_reads_the_context_variable() -> None:
    _testing_signal_patch.install()
    assert _testing_signal_patch._state.get() is None
    recorder = Recorder()
    with connected(plain, recorder):
        assert plain.send(sender="s") == [(recorder, "plain")]
        assert plain.has_listeners()
