"""The patch of ``django.dispatch.Signal`` under the testing helpers and the consumers of
outcomes: installed once, on Django's own methods, and idle while no helper is active and
nobody watches (``signalkit._signal_patch``)."""

from __future__ import annotations

import pytest
from django.dispatch import Signal

from signalkit import _signal_patch, observers
from signalkit.testing import (
    mute,
)
from tests import interpreter
from tests.helpers import Recorder, Watcher, connected

plain = Signal()

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")

# the dispatch hook ---------------------------------------------------------------------


def test_hook_wraps_djangos_methods_once() -> None:
    with mute():
        pass
    assert _signal_patch.INSTALLED
    patched = {name: Signal.__dict__[name] for name in _signal_patch._PATCHES}
    _signal_patch.install()
    _signal_patch._patch()
    assert {name: Signal.__dict__[name] for name in _signal_patch._PATCHES} == patched
    for name, method in patched.items():
        original = method.__signalkit_original__
        assert not hasattr(original, "__signalkit_original__")
        assert method.__wrapped__ is original
        assert method.__name__ == name


def test_hook_reinstalled_by_a_reloaded_module_wraps_djangos_methods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _signal_patch.install()
    originals = {
        name: Signal.__dict__[name].__signalkit_original__
        for name in _signal_patch._PATCHES
    }
    for name in _signal_patch._PATCHES:
        monkeypatch.setattr(Signal, name, Signal.__dict__[name])
    monkeypatch.setattr(_signal_patch, "INSTALLED", False)
    _signal_patch.install()
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
        "import signalkit.testing, signalkit.pytest_plugin, signalkit.observers\n"
        "assert dict(vars(d.Signal)) == before\n"
        "from signalkit import _signal_patch\n"
        "assert not _signal_patch.INSTALLED\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    interpreter.run_code(code)


def test_idle_hook_only_reads_the_context_variable() -> None:
    _signal_patch.install()
    assert _signal_patch._state.get() is None
    recorder = Recorder()
    with connected(plain, recorder):
        assert plain.send(sender="s") == [(recorder, "plain")]
        assert plain.has_listeners()


def test_the_default_settings_leave_signal_unpatched() -> None:
    code = (
        "import django; from django.conf import settings; "
        "settings.configure(INSTALLED_APPS=['signalkit']); django.setup(); "
        "from signalkit import _signal_patch, outcomes; "
        "print(_signal_patch.INSTALLED, outcomes.ACTIVE)"
    )
    assert interpreter.run_code(code).split() == ["False", "False"]


def test_a_watched_plain_receiver_keeps_its_name_and_its_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fails(**kwargs: object) -> None:
        raise ValueError("no")

    watcher = Watcher()
    with connected(plain, fails), observers.watching(watcher):
        [(receiver, error)] = plain.send_robust(sender="s")
    # Django's answer and its log of the error name the receiver, not its stand-in.
    assert receiver is fails
    assert isinstance(error, ValueError)
    assert fails.__qualname__ in caplog.text
    [outcome] = watcher.outcomes
    assert (outcome.kind, outcome.receiver, outcome.exception) == (
        "raised",
        fails,
        error,
    )
