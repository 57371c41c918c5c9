"""Checks ``signalkit.E001`` and ``signalkit.E004``: lazy senders that cannot be used."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core import checks
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit.checks.senders import check_senders
from tests.helpers import sender_check_messages, sender_recorder
from tests.testapp.models import Author

plain = DjangoSignal()

pytestmark = pytest.mark.usefixtures("undo_connections")

# Checks ---------------------------------------------------------------------------------


def test_e001_for_a_typo_suggests_the_model() -> None:
    def typo_receiver(**kwargs: Any) -> None:
        pass  # pragma: no cover - never called

    signalkit.on_post_save("testapp.Autor")(typo_receiver)

    [error] = sender_check_messages()
    assert error.id == "signalkit.E001"
    assert error.level == checks.ERROR
    assert "'testapp.Autor'" in error.msg
    assert "typo_receiver" in error.msg
    assert "post_save" in error.msg
    assert error.hint is not None and "'testapp.Author'" in error.hint

    signalkit.disconnect(typo_receiver)
    assert sender_check_messages() == []


def test_e001_without_a_close_match() -> None:
    _, receive = sender_recorder()
    signalkit.receiver(plain, sender="zzzz.Qqqqqq")(receive)

    [error] = sender_check_messages()
    assert error.id == "signalkit.E001"
    assert error.hint is not None and "Did you mean" not in error.hint


def test_e001_for_an_unknown_app_label() -> None:
    def wildcard_receiver(**kwargs: Any) -> None:
        pass  # pragma: no cover - never called

    signalkit.on_post_save("nope.*")(wildcard_receiver)
    signalkit.on_post_save("testapp.*")(wildcard_receiver)

    [error] = sender_check_messages()
    assert error.id == "signalkit.E001"
    assert "'nope.*'" in error.msg
    assert "'nope'" in error.msg
    assert "wildcard_receiver" in error.msg


def test_e001_is_reported_by_djangos_check_framework() -> None:

    _, receive = sender_recorder()
    signalkit.on_post_save("testapp.Autor")(receive)

    # Django's own model checks need the database; run only the registered signalkit one.
    assert check_senders in checks.registry.registry.get_checks()
    found = [m for m in check_senders(None) if m.id == "signalkit.E001"]

    assert [m.obj for m in found] == ["testapp.Autor"]


def test_e004_for_a_lazy_abstract_model() -> None:
    def abstract_receiver(**kwargs: Any) -> None:
        pass  # pragma: no cover - never called

    signalkit.on_post_save("testapp.Timestamped")(abstract_receiver)

    [error] = sender_check_messages()
    assert error.id == "signalkit.E004"
    assert "'testapp.Timestamped'" in error.msg
    assert "abstract_receiver" in error.msg
    assert error.hint is not None and "subclasses=True" in error.hint


def test_the_check_settles_a_string_still_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Even if ready() never ran after the strings were connected, the check never
    # reports a model that exists.
    seen, receive = sender_recorder()
    monkeypatch.setattr(apps, "models_ready", False)
    signalkit.receiver(plain, sender="testapp.Timestamped", subclasses=True)(receive)
    monkeypatch.setattr(apps, "models_ready", True)

    assert sender_check_messages() == []
    plain.send(sender=Author)
    assert seen == [Author]


def test_lazy_senders_connected_while_models_load_raise_no_check_error() -> None:
    # Before the fix, the class_prepared ones were reported as "'lazyapp.Gauge' is not
    # an installed model ... Did you mean 'lazyapp.Gauge'?".
    assert [m for m in sender_check_messages() if m.obj.startswith("lazyapp.")] == []
    assert not [key for key in apps._pending_operations if key[0] == "lazyapp"]


def test_e001_hint_never_suggests_the_string_itself() -> None:
    _, receive = sender_recorder()
    signalkit.receiver(plain, sender="testapp.Authors")(receive)
    signalkit.receiver(plain, sender="TestApp.author")(receive)

    errors = {m.obj: m for m in sender_check_messages()}

    assert "app 'testapp' has no model named 'Authors'" in errors["testapp.Authors"].msg
    assert "Did you mean 'testapp.Author'" in errors["testapp.Authors"].hint
    assert "no installed app has the label 'TestApp'" in errors["TestApp.author"].msg
    assert "Did you mean 'testapp.Author'" in errors["TestApp.author"].hint
    assert "App labels are case-sensitive" in errors["TestApp.author"].hint
