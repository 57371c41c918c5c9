"""Readable names of signals, receivers and senders, and where receivers are defined
(``signalkit.naming``)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import naming
from tests.helpers import def_line, recorder
from tests.testapp.models import Author

custom = signalkit.Signal()
other_custom = DjangoSignal()

pytestmark = pytest.mark.usefixtures("undo_connections")


# naming ------------------------------------------------------------------------------


def test_names_for_messages() -> None:
    class Holder:
        def method(self, **kwargs: Any) -> None:
            pass  # pragma: no cover - never called

    assert (
        naming.signal_path(model_signals.post_save)
        == "django.db.models.signals.post_save"
    )
    assert naming.signal_name(custom) == "custom"
    assert naming.signal_path(other_custom) == "tests.test_naming.other_custom"
    assert naming.callable_path(Holder().method).endswith("Holder.method")
    assert naming.sender_label(None) is None
    assert naming.sender_label(Author) == "testapp.Author"
    assert naming.sender_label("x") == "'x'"
    assert not naming.is_module_level(Holder.method)
    assert naming.is_module_level(recorder)
    anonymous = DjangoSignal()
    assert naming.signal_path(anonymous) == repr(anonymous)
    assert naming.signal_name(anonymous) == repr(anonymous)
    holder = {"kept": signalkit.Signal()}
    assert naming.signal_name(holder["kept"]) == repr(holder["kept"])


F = TypeVar("F", bound=Callable[..., Any])


def on_parcel(sender: Any, **kwargs: Any) -> None:
    pass


def tagged(*labels: str) -> Callable[[F], F]:
    """A decorator taking arguments, which connects nothing."""

    def decorator(func: F) -> F:
        return func

    return decorator


@tagged(
    "spans",
    "lines",
)
@tagged("def")
def decorated(sender: Any, **kwargs: Any) -> None:
    pass


# Where receivers are defined ------------------------------------------------------------


def test_location_is_the_def_line_after_decorators() -> None:
    file, line = naming.source_location(decorated)
    assert Path(file or "").resolve() == Path(__file__).resolve()
    assert line == def_line(__file__, "decorated")


def test_location_of_code_without_a_file() -> None:
    assert naming.source_location(len) == (None, None)
    namespace: dict[str, Any] = {}
    exec("def made(**kwargs):\n    pass\n", namespace)
    file, line = naming.source_location(namespace["made"])
    assert (file, line) == ("<string>", 1)


def test_location_looks_through_wraps_and_partials() -> None:
    @functools.wraps(on_parcel)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        pass

    expected = def_line(__file__, "on_parcel")
    assert naming.source_location(wrapper)[1] == expected
    assert naming.definition(functools.partial(wrapper)) is on_parcel


def test_location_of_a_lambda_is_its_line() -> None:
    predicate = lambda **kwargs: True  # noqa: E731
    _file, line = naming.source_location(predicate)
    assert line == predicate.__code__.co_firstlineno


def test_location_when_the_source_file_is_gone() -> None:
    namespace: dict[str, Any] = {}
    code = compile(
        "\n\ndef gone(**kwargs):\n    pass\n", "/nonexistent/gone.py", "exec"
    )
    exec(code, namespace)
    assert naming.source_location(namespace["gone"]) == (
        "/nonexistent/gone.py",
        3,
    )


def test_installed_packages_are_shown_relative_to_their_sys_path_entry() -> None:
    from django.contrib.auth.models import update_last_login

    file, line = naming.source_location(update_last_login)
    assert file == os.path.join("django", "contrib", "auth", "models.py")
    assert isinstance(line, int)
