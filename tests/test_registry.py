"""signalkit's record of connections: what it holds strongly or weakly, and what "the same
receiver" is, so that none is ever connected twice (``signalkit.registry``)."""

from __future__ import annotations

import functools
import gc
import importlib
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import naming, registry
from signalkit.naming import sender_label
from tests.helpers import S, T, recorder
from tests.testapp.models import Tag

plain = DjangoSignal()

custom = signalkit.Signal()
other_custom = DjangoSignal()

pytestmark = pytest.mark.usefixtures("undo_connections")


# References ---------------------------------------------------------------------------


def test_closure_keeps_firing_after_garbage_collection() -> None:
    calls: list[str] = []

    def connect_inner() -> None:
        @signalkit.receiver(custom)
        def inner(**kwargs: Any) -> None:
            calls.append("inner")

    connect_inner()
    gc.collect()
    custom.send(sender=None)

    assert calls == ["inner"]


def test_partial_is_held_strongly() -> None:
    calls: list[str] = []
    signalkit.receiver(custom)(
        functools.partial(lambda tag, **kw: calls.append(tag), "p")
    )
    gc.collect()
    custom.send(sender=None)
    assert calls == ["p"]


def test_weak_receiver_drops_when_collected() -> None:
    calls: list[str] = []

    def make() -> Callable[..., None]:
        def weakly_held(**kwargs: Any) -> None:
            calls.append("weak")

        return weakly_held

    func = make()
    signalkit.receiver(custom, weak=True)(func)
    custom.send(sender=None)
    assert calls == ["weak"]
    path = naming.callable_path(func)

    del func
    gc.collect()
    custom.send(sender=None)

    assert calls == ["weak"]
    assert not custom.has_listeners(None)
    assert not [c for c in registry.connections() if c.path == path]


def test_weak_bound_method_drops_with_its_object() -> None:
    calls: list[str] = []

    class Listener:
        def on_custom(self, **kwargs: Any) -> None:
            calls.append("method")

    listener = Listener()
    signalkit.receiver(custom, weak=True)(listener.on_custom)
    custom.send(sender=None)
    assert calls == ["method"]

    del listener
    gc.collect()
    custom.send(sender=None)

    assert calls == ["method"]
    assert not custom.has_listeners(None)


def test_strong_bound_method_survives_and_disconnects() -> None:
    calls: list[str] = []

    class Listener:
        def on_custom(self, **kwargs: Any) -> None:
            calls.append("method")

    signalkit.receiver(custom)(Listener().on_custom)
    gc.collect()
    custom.send(sender=None)
    assert calls == ["method"]

    listener = next(
        c.func.__self__ for c in registry.connections() if c.path.endswith("on_custom")
    )
    # A fresh bound method object, as Django's own disconnect() accepts.
    assert signalkit.disconnect(listener.on_custom) is True
    custom.send(sender=None)
    assert calls == ["method"]


# dispatch_uid and double connection ---------------------------------------------------


def test_dispatch_uid_connects_once() -> None:
    first_calls, first = recorder()
    second_calls, second = recorder()
    signalkit.receiver(custom, dispatch_uid="sk-uid")(first)
    signalkit.receiver(custom, dispatch_uid="sk-uid")(second)

    custom.send(sender=None)
    assert (len(first_calls), len(second_calls)) == (1, 0)

    # Disconnecting the one that never got in leaves the first alone.
    assert signalkit.disconnect(second) is True
    custom.send(sender=None)
    assert (len(first_calls), len(second_calls)) == (2, 0)

    # Django's own disconnect by dispatch_uid works on signalkit's connection.
    assert custom.disconnect(dispatch_uid="sk-uid") is True
    custom.send(sender=None)
    assert len(first_calls) == 2


def test_falsy_dispatch_uid_is_ignored_like_django() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom, dispatch_uid="")(receive)
    custom.send(sender=None)
    assert custom.disconnect(receive) is True
    custom.send(sender=None)
    assert len(calls) == 1


def test_same_closure_decorated_twice_connects_once() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    signalkit.receiver(custom)(receive)

    custom.send(sender=None)

    assert len(calls) == 1
    assert len([c for c in registry.connections() if c.func is receive]) == 1


def test_two_closures_from_one_factory_both_connect() -> None:
    calls: list[int] = []

    def factory_(n: int) -> Callable[..., None]:
        def receive(**kwargs: Any) -> None:
            calls.append(n)

        return receive

    first, second = factory_(1), factory_(2)
    assert naming.callable_path(first) == naming.callable_path(second)
    signalkit.receiver(custom)(first)
    signalkit.receiver(custom)(second)

    custom.send(sender=None)

    assert sorted(calls) == [1, 2]


def test_two_module_level_lambdas_both_connect() -> None:
    calls: list[str] = []
    namespace: dict[str, Any] = {"calls": calls, "__name__": "tests.fake_lambdas"}
    exec(
        "a = lambda **kw: calls.append('a')\nb = lambda **kw: calls.append('b')",
        namespace,
    )
    assert namespace["a"].__qualname__ == namespace["b"].__qualname__ == "<lambda>"

    signalkit.receiver(custom)(namespace["a"])
    signalkit.receiver(custom)(namespace["b"])
    custom.send(sender=None)

    assert sorted(calls) == ["a", "b"]


MODULE_SOURCE = """
from __future__ import annotations

import signalkit
from tests.test_registry import S, custom

calls = []


@signalkit.receiver(custom, sender=S)
def handler(sender, **kwargs):
    calls.append(sender)


@signalkit.on_post_save("testapp.Tag", dispatch_uid="reimport-uid")
def with_uid(sender, **kwargs):
    calls.append("uid")
"""


@pytest.fixture
def reimportable(tmp_path: Path) -> Iterator[str]:
    name = "signalkit_reimport_target"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE_SOURCE))
    sys.path.insert(0, str(tmp_path))
    try:
        yield name
    finally:
        sys.path.remove(str(tmp_path))
        module = sys.modules.pop(name, None)
        for attr in ("handler", "with_uid"):
            if module is not None:
                signalkit.disconnect(getattr(module, attr))


def test_reimported_module_replaces_its_connections(reimportable: str) -> None:
    module = importlib.import_module(reimportable)
    old_handler = module.handler
    module = importlib.reload(module)
    assert module.handler is not old_handler

    custom.send(sender=S)
    model_signals.post_save.send(sender=Tag, instance=None, created=True)

    # The reloaded module has a fresh ``calls`` list; the old functions must not run.
    assert module.calls == [S, "uid"]
    paths = [c.path for c in registry.connections()]
    assert paths.count(f"{reimportable}.handler") == 1
    assert paths.count(f"{reimportable}.with_uid") == 1
    assert signalkit.disconnect(old_handler) is False


def test_module_executed_twice_under_one_name_connects_once(reimportable: str) -> None:
    # The same as an app imported under a second name: same dotted path, new objects.
    import types

    for _ in range(2):
        module = types.ModuleType(reimportable)
        sys.modules[reimportable] = module
        exec(
            compile(textwrap.dedent(MODULE_SOURCE), reimportable, "exec"),
            module.__dict__,
        )

    custom.send(sender=S)
    assert module.calls == [S]


# What "the same receiver" is (registry.py's docstring) -------------------------------


@pytest.fixture
def source_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path for modules the test writes; they are disconnected and
    unimported afterwards."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        for name in set(sys.modules) - before:
            module = sys.modules.pop(name)
            for value in list(vars(module).values()):
                if callable(value):
                    signalkit.disconnect(value)


def write_module(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    importlib.invalidate_caches()


TWICE_SOURCE = """
    import signalkit
    from tests.test_registry import custom

    calls = []


    @signalkit.receiver(custom)
    def handler(sender, **kwargs):
        calls.append(__name__)
"""


def test_same_file_imported_under_two_names_connects_once(source_dir: Path) -> None:
    write_module(source_dir / "twicepkg" / "__init__.py", "")
    write_module(source_dir / "twicepkg" / "twice.py", TWICE_SOURCE)
    sys.path.insert(0, str(source_dir / "twicepkg"))
    try:
        first = importlib.import_module("twicepkg.twice")
        second = importlib.import_module("twice")
    finally:
        sys.path.remove(str(source_dir / "twicepkg"))
    assert first is not second and first.handler is not second.handler

    custom.send(sender=None)

    # The later import replaced the earlier one's connection.
    assert (first.calls, second.calls) == ([], ["twice"])
    assert signalkit.disconnect(first.handler) is False
    assert signalkit.disconnect(second.handler) is True


EDITED_SOURCE = """
    import signalkit
    from tests.testapp.models import Tag

    calls = []


    @signalkit.on_post_save({sender})
    def handler(sender, **kwargs):
        calls.append(sender)
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [("Tag", '"testapp.Tag"'), ('"testapp.Tag"', "Tag"), ("Tag", '"testapp.*"')],
)
def test_reload_after_editing_the_sender_connects_once(
    source_dir: Path, before: str, after: str
) -> None:
    path = source_dir / "edited_sender.py"
    write_module(path, EDITED_SOURCE.format(sender=before))
    module = importlib.import_module("edited_sender")
    write_module(path, EDITED_SOURCE.format(sender=after))
    module = importlib.reload(module)

    model_signals.post_save.send(sender=Tag, instance=None, created=True)

    assert module.calls == [Tag]
    assert [c.path for c in registry.connections()].count("edited_sender.handler") == 1


def test_reload_after_moving_the_receiver_to_another_signal(source_dir: Path) -> None:
    path = source_dir / "moved_signal.py"
    source = TWICE_SOURCE.replace("tests.test_registry import custom", "{0}")
    write_module(path, source.format("tests.test_registry import custom"))
    module = importlib.import_module("moved_signal")
    write_module(
        path,
        source.format("tests.test_registry import other_custom as custom"),
    )
    module = importlib.reload(module)

    custom.send(sender=None)
    other_custom.send(sender=None)

    assert module.calls == ["moved_signal"]
    assert not custom.has_listeners(None)


def test_two_functions_of_one_name_in_one_module_both_connect(source_dir: Path) -> None:
    # As with Django's receiver(): the second definition is another function.
    write_module(
        source_dir / "redefined.py",
        """
        import signalkit
        from tests.test_registry import S, T, custom

        calls = []


        @signalkit.receiver(custom, sender=S)
        def handler(sender, **kwargs):
            calls.append("first")


        @signalkit.receiver(custom, sender=T)
        def handler(sender, **kwargs):
            calls.append("second")
        """,
    )
    module = importlib.import_module("redefined")

    custom.send(sender=S)
    custom.send(sender=T)

    assert module.calls == ["first", "second"]


def _module_level_receiver(sender: Any, **kwargs: Any) -> None:
    """Copied below: every copy has this file and this name."""


def test_copies_of_one_function_connect_and_disconnect_one_by_one() -> None:
    # One identity (file and name) and one execution: each copy is its own receiver, and
    # disconnecting one leaves the others.
    copies = [
        types.FunctionType(
            _module_level_receiver.__code__, _module_level_receiver.__globals__
        )
        for _ in range(3)
    ]
    for func in copies:
        signalkit.receiver(custom, sender=S)(func)
    assert len({registry.identity(f)[0] for f in copies}) == 1

    assert signalkit.disconnect(copies[1]) is True
    assert signalkit.disconnect(copies[1]) is False

    remaining = [c.func for c in registry.connections() if c.signal is custom]
    assert [f for f in copies if any(f is r for r in remaining)] == [
        copies[0],
        copies[2],
    ]


def test_stacked_decorators_with_other_senders_both_connect() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom, sender=T)(signalkit.receiver(custom, sender=S)(receive))

    custom.send(sender=S)
    custom.send(sender=T)

    assert [c["sender"] for c in calls] == [S, T]


def test_decorated_functions_are_known_by_the_function_they_wrap(
    source_dir: Path,
) -> None:
    # A decorator's wrapper comes from the decorator's file; two wrapped functions of
    # the same name in two modules are still two receivers.
    write_module(
        source_dir / "wrapping.py",
        """
        import functools


        def logged(func):
            @functools.wraps(func)
            def wrapper(**kwargs):
                return func(**kwargs)

            return wrapper
        """,
    )
    for name in ("wrapped_one", "wrapped_two"):
        write_module(
            source_dir / f"{name}.py",
            f"""
            import signalkit
            from tests.test_registry import custom
            from wrapping import logged

            calls = []


            @signalkit.receiver(custom)
            @logged
            def handler(**kwargs):
                calls.append({name!r})
            """,
        )
    one = importlib.import_module("wrapped_one")
    two = importlib.import_module("wrapped_two")

    custom.send(sender=None)

    assert (one.calls, two.calls) == (["wrapped_one"], ["wrapped_two"])


def module_level(**kwargs: Any) -> None:
    """A receiver defined at the top of this module."""


def test_identity_of_receivers() -> None:
    _, closure = recorder()
    kind, *_ = registry.identity(closure)[0]
    assert kind == "object"
    ident, execution = registry.identity(module_level)
    assert ident == ("file", registry._real_path(__file__), "module_level")
    assert execution is not None and execution[0] is globals()


def test_connection_records_its_senders() -> None:
    _, receive = recorder()
    signalkit.receiver(plain, sender=["testapp.Author", None])(receive)

    [conn] = [c for c in registry.connections() if c.func is receive]

    assert [sender_label(s) for s in conn.senders] == ["testapp.Author", None]
    assert "plain" in conn.describe()
