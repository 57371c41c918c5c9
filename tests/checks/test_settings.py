"""Check ``signalkit.E002``: the ``SIGNALKIT`` setting."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings

from tests.helpers import signalkit_messages

# JSONField's check asks every database whether it supports JSON.
pytestmark = pytest.mark.django_db(databases=["default", "other"])


def test_e002_for_wrong_type() -> None:
    with override_settings(SIGNALKIT={"MODULES": "signals"}):
        [message] = signalkit_messages()
    assert message.id == "signalkit.E002"
    assert isinstance(message, checks.Error)
    assert "SIGNALKIT['MODULES'] must be list or tuple of str" in message.msg
    assert message.hint is not None
    assert "default: ['signals']" in message.hint
    assert message.obj == "settings.SIGNALKIT"


def test_e002_for_each_bad_key() -> None:
    with override_settings(SIGNALKIT={"AUTODISCOVERY": True, "TASK_BACKEND": 3}):
        messages = signalkit_messages()
    assert [m.id for m in messages] == ["signalkit.E002", "signalkit.E002"]
    assert "'AUTODISCOVERY'" in messages[0].msg
    assert "Did you mean 'AUTODISCOVER'?" in (messages[0].hint or "")
    assert "SIGNALKIT['TASK_BACKEND'] must be str" in messages[1].msg


def test_e002_reports_a_bad_value_through_the_check_framework() -> None:
    from signalkit.checks.settings import check_settings

    with override_settings(
        SIGNALKIT={"SLOW_RECEIVER_MS": float("nan"), "MODULES": [""]}
    ):
        errors = check_settings(None)
    assert [e.id for e in errors] == ["signalkit.E002", "signalkit.E002"]
    assert {e.msg.split("]")[0] for e in errors} == {
        "SIGNALKIT['SLOW_RECEIVER_MS'",
        "SIGNALKIT['MODULES'",
    }
