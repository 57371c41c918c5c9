"""Check ``signalkit.W002``: catch-all delete and m2m_changed receivers."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core import checks
from django.db.models import signals as model_signals

import signalkit
from signalkit.checks.fast_paths import check_catch_all_receivers
from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("undo_connections")


def kit_catch_all(sender: Any, **kwargs: Any) -> None:
    pass


def plain_catch_all(sender: Any, **kwargs: Any) -> None:
    pass


def per_sender(sender: Any, **kwargs: Any) -> None:
    pass


def w002() -> list[checks.CheckMessage]:
    return [m for m in check_catch_all_receivers() if m.id == "signalkit.W002"]


def test_no_warning_for_the_test_project() -> None:
    assert w002() == []


def test_signalkit_and_plain_catch_all_post_delete_receivers_warn() -> None:
    signalkit.on_post_delete()(kit_catch_all)
    model_signals.post_delete.connect(plain_catch_all)
    try:
        messages = w002()
    finally:
        model_signals.post_delete.disconnect(plain_catch_all)
    assert sorted(str(m.obj) for m in messages) == [
        "tests.checks.test_fast_paths.kit_catch_all",
        "tests.checks.test_fast_paths.plain_catch_all",
    ]
    for message in messages:
        assert isinstance(message, checks.Warning)
        assert f"The receiver {message.obj!r} listens to post_delete" in message.msg
        assert "(sender=None)" in message.msg
        assert "turns off Django's fast delete for every model" in message.msg
        assert message.hint is not None
        assert "a list of models, or 'app_label.*'" in message.hint
        assert "SILENCED_SYSTEM_CHECKS" in message.hint


def test_pre_delete_and_m2m_changed_warn() -> None:
    signalkit.on_pre_delete()(kit_catch_all)
    signalkit.on_m2m_changed()(plain_catch_all)
    messages = {str(m.obj): m for m in w002()}
    pre = messages["tests.checks.test_fast_paths.kit_catch_all"]
    assert "listens to pre_delete" in pre.msg
    assert "fast delete" in pre.msg
    m2m = messages["tests.checks.test_fast_paths.plain_catch_all"]
    assert "listens to m2m_changed" in m2m.msg
    assert "fast add() for every many-to-many relation" in m2m.msg
    assert "through model of each relation" in (m2m.hint or "")


def test_per_sender_receivers_do_not_warn() -> None:
    signalkit.on_post_delete("testapp.Author")(kit_catch_all)
    signalkit.on_pre_delete("testapp.*")(per_sender)
    model_signals.post_delete.connect(plain_catch_all, sender=Author)
    try:
        assert w002() == []
    finally:
        model_signals.post_delete.disconnect(plain_catch_all, sender=Author)


def test_other_signals_do_not_warn() -> None:
    signalkit.on_post_save()(kit_catch_all)
    assert w002() == []


def test_djangos_own_receivers_do_not_warn() -> None:
    def django_receiver(sender: Any, **kwargs: Any) -> None:
        pass

    django_receiver.__module__ = "django.contrib.example"
    model_signals.pre_delete.connect(django_receiver, weak=False)
    try:
        assert w002() == []
    finally:
        model_signals.pre_delete.disconnect(django_receiver)


def test_app_configs_limit_the_check_to_receivers_of_those_apps() -> None:
    signalkit.on_post_delete()(kit_catch_all)
    outside = check_catch_all_receivers(app_configs=[apps.get_app_config("auth")])
    assert outside == []
    tests_app = type("Config", (), {"name": "tests"})()
    inside = check_catch_all_receivers(app_configs=[tests_app])  # type: ignore[list-item]
    assert [m.obj for m in inside] == ["tests.checks.test_fast_paths.kit_catch_all"]
