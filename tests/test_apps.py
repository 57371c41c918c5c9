"""The app configuration: what ready() does and refuses."""

from __future__ import annotations

import types

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

import signalkit
from signalkit.apps import SignalkitConfig


def test_ready_refuses_another_distributions_package() -> None:
    # What an install of PyPI's unrelated 'signalkit' over django-signalkit leaves: our
    # apps.py, their __init__.py (which defines neither autodiscover nor the decorators).
    impostor = types.ModuleType("signalkit")
    impostor.__file__ = "/site-packages/signalkit/__init__.py"
    config = SignalkitConfig("signalkit", impostor)
    with pytest.raises(ImproperlyConfigured) as raised:
        config.ready()
    message = str(raised.value)
    assert "/site-packages/signalkit/__init__.py" in message
    assert "is not django-signalkit's" in message
    assert "pip install django-signalkit" in message


def test_the_installed_app_is_this_package() -> None:
    config = apps.get_app_config("signalkit")
    assert isinstance(config, SignalkitConfig)
    assert config.module is signalkit
