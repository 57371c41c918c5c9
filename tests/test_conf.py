from __future__ import annotations

import importlib.util

import pytest
from django.test import override_settings

from signalkit import conf


def test_defaults_when_unset() -> None:
    assert conf.get_config() == {
        "AUTODISCOVER": True,
        "MODULES": ["signals"],
        "TASK_BACKEND": "default",
        "SLOW_RECEIVER_MS": None,
        "OPENTELEMETRY": False,
    }


def test_user_keys_override_defaults_and_reset_on_setting_changed() -> None:
    assert conf.get("MODULES") == ["signals"]
    with override_settings(
        SIGNALKIT={"MODULES": ["receivers"], "SLOW_RECEIVER_MS": 50}
    ):
        assert conf.get("MODULES") == ["receivers"]
        assert conf.get("SLOW_RECEIVER_MS") == 50
        assert conf.get("AUTODISCOVER") is True
    assert conf.get("MODULES") == ["signals"]


def test_other_settings_do_not_clear_the_cache() -> None:
    first = conf.get_config()
    with override_settings(DEBUG=True):
        assert conf.get_config() is first


def test_settings_version_moves_with_any_setting_change() -> None:
    before = conf.settings_version()
    with override_settings(DEBUG=True):
        inside = conf.settings_version()
        assert inside != before
    assert conf.settings_version() not in (before, inside)


def test_valid_settings_have_no_problems() -> None:
    valid = {
        "AUTODISCOVER": False,
        "MODULES": ("signals", "receivers"),
        "TASK_BACKEND": "celery",
        "SLOW_RECEIVER_MS": 12.5,
        "OPENTELEMETRY": True,
    }
    with override_settings(SIGNALKIT=valid):
        assert conf.problems() == []
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": None}):
        assert conf.problems() == []


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("AUTODISCOVER", "yes", "bool"),
        ("AUTODISCOVER", 1, "bool"),
        ("MODULES", "signals", "list or tuple of str"),
        ("MODULES", ["signals", 3], "list or tuple of str"),
        ("TASK_BACKEND", None, "str"),
        ("SLOW_RECEIVER_MS", "100", "int, float or None"),
        ("SLOW_RECEIVER_MS", True, "int, float or None"),
        ("OPENTELEMETRY", "yes", "bool"),
        ("OPENTELEMETRY", 1, "bool"),
        ("OPENTELEMETRY", None, "bool"),
    ],
)
def test_wrong_types_name_key_and_expected_type(
    key: str, value: object, expected: str
) -> None:
    with override_settings(SIGNALKIT={key: value}):
        [(found_key, message, hint)] = conf.problems()
    assert found_key == key
    assert f"SIGNALKIT[{key!r}] must be {expected}" in message
    assert repr(value) in message
    assert key in hint


def test_unknown_key_suggests_the_close_one() -> None:
    with override_settings(SIGNALKIT={"MODULE": ["signals"]}):
        [(key, message, hint)] = conf.problems()
    assert key == "MODULE"
    assert "unknown key 'MODULE'" in message
    assert "Did you mean 'MODULES'?" in hint


def test_unknown_key_without_a_close_one_lists_the_known_keys() -> None:
    with override_settings(SIGNALKIT={"COLOUR": "red"}):
        [(_, _, hint)] = conf.problems()
    assert "Did you mean" not in hint
    assert (
        "AUTODISCOVER, MODULES, TASK_BACKEND, SLOW_RECEIVER_MS, OPENTELEMETRY" in hint
    )


def test_setting_that_is_not_a_dict() -> None:
    with override_settings(SIGNALKIT=["signals"]):
        [(_, message, _)] = conf.problems()
        assert conf.get_config()["MODULES"] == ["signals"]
    assert "must be a dict, not list" in message


@pytest.mark.parametrize("value", [-5, -0.1, float("nan"), float("inf"), float("-inf")])
def test_slow_receiver_ms_must_be_finite_and_not_negative(value: float) -> None:
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": value}):
        [(key, message, hint)] = conf.problems()
    assert key == "SLOW_RECEIVER_MS"
    assert "finite number of milliseconds, zero or more, or None" in message
    assert repr(value) in message
    assert "SLOW_RECEIVER_MS" in hint


@pytest.mark.parametrize("value", [0, 0.0, 50, 12.5, None])
def test_slow_receiver_ms_valid_values(value: float | None) -> None:
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": value}):
        assert conf.problems() == []


@pytest.mark.parametrize(
    "name", ["", "../etc", ".signals", "signals.", "a b", "signals.py"]
)
def test_modules_must_be_module_names(name: str) -> None:
    with override_settings(SIGNALKIT={"MODULES": ["signals", name]}):
        [(key, message, _)] = conf.problems()
    assert key == "MODULES"
    assert f"SIGNALKIT['MODULES'] contains {name!r}" in message


def test_opentelemetry_needs_the_api_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def without_opentelemetry(name: str, *args: object) -> object:
        return None if name.startswith("opentelemetry") else real(name, *args)

    monkeypatch.setattr(conf, "find_spec", without_opentelemetry)
    with override_settings(SIGNALKIT={"OPENTELEMETRY": True}):
        [(key, message, hint)] = conf.problems()
    assert key == "OPENTELEMETRY"
    assert "the OpenTelemetry API is not installed" in message
    assert "pip install 'django-signalkit[otel]'" in message
    assert "OPENTELEMETRY" in hint
    with override_settings(SIGNALKIT={"OPENTELEMETRY": False}):
        assert conf.problems() == []
