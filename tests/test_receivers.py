"""Contract section 2: the decorators, their options, references and disconnection."""

from __future__ import annotations

import functools
import gc
import importlib
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import factory.django
import pytest
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import _django, naming, registry
from tests.sk_support import connections_undone
from tests.testapp.models import Author, Book, Tag

custom = signalkit.Signal()
other_custom = DjangoSignal()


class Sender:
    """A plain (non-model) sender object; strings are lazy model senders in signalkit."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<Sender {self.name}>"


S, T, U = Sender("s"), Sender("t"), Sender("u")


@pytest.fixture(autouse=True)
def _undo_connections() -> Iterator[None]:
    with connections_undone():
        yield


def recorder() -> tuple[list[dict[str, Any]], Callable[..., None]]:
    """A list of calls and a closure receiver that appends its keyword arguments to it."""
    calls: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> None:
        calls.append(kwargs)

    return calls, receive


# The decorator itself ---------------------------------------------------------------


def test_decorator_returns_the_original_function() -> None:
    def handler(sender: Any, **kwargs: Any) -> str:
        return f"direct:{sender}"

    decorated = signalkit.receiver(custom)(handler)

    assert decorated is handler
    assert handler("me") == "direct:me"
    assert custom.send(sender=S)[0][1] == "direct:<Sender s>"


def test_receiver_gets_signal_sender_and_arguments() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)

    custom.send(sender=S, value=1)

    assert calls == [{"signal": custom, "sender": S, "value": 1}]


SHORTCUTS = [
    (signalkit.on_pre_init, model_signals.pre_init),
    (signalkit.on_post_init, model_signals.post_init),
    (signalkit.on_pre_save, model_signals.pre_save),
    (signalkit.on_post_save, model_signals.post_save),
    (signalkit.on_pre_delete, model_signals.pre_delete),
    (signalkit.on_post_delete, model_signals.post_delete),
    (signalkit.on_m2m_changed, model_signals.m2m_changed),
]


@pytest.mark.parametrize(
    ("shortcut", "signal"), SHORTCUTS, ids=lambda v: getattr(v, "__name__", "")
)
def test_shortcut_takes_the_sender_positionally(
    shortcut: Callable[..., Any], signal: DjangoSignal
) -> None:
    calls, receive = recorder()
    assert shortcut(Tag)(receive) is receive

    signal.send(sender=Tag, marker=1)
    signal.send(sender=Book, marker=2)

    assert calls == [{"signal": signal, "sender": Tag, "marker": 1}]


@pytest.mark.parametrize(
    ("shortcut", "signal"), SHORTCUTS, ids=lambda v: getattr(v, "__name__", "")
)
def test_shortcut_is_named_and_documented(
    shortcut: Callable[..., Any], signal: DjangoSignal
) -> None:
    short = naming.signal_name(signal)
    assert shortcut.__name__ == f"on_{short}"
    assert shortcut.__module__ == "signalkit"
    assert short in (shortcut.__doc__ or "")


def test_shortcut_takes_options() -> None:
    calls, receive = recorder()
    signalkit.on_post_save(Tag, created=True)(receive)

    model_signals.post_save.send(sender=Tag, instance=None, created=False)
    model_signals.post_save.send(sender=Tag, instance=None, created=True)

    assert [c["created"] for c in calls] == [True]


def test_list_of_signals_connects_to_each() -> None:
    calls, receive = recorder()
    signalkit.receiver([custom, other_custom], sender=S)(receive)

    custom.send(sender=S)
    other_custom.send(sender=S)
    other_custom.send(sender=T)

    assert [c["signal"] for c in calls] == [custom, other_custom]


def test_tuple_of_signals_connects_to_each() -> None:
    calls, receive = recorder()
    signalkit.receiver((custom, other_custom))(receive)

    custom.send(sender=None)
    other_custom.send(sender=None)

    assert len(calls) == 2


# Option validation ------------------------------------------------------------------


def raises_type_error(*fragments: str) -> Any:
    """pytest.raises(TypeError) whose message must contain every fragment."""

    class Checker:
        def __enter__(self) -> None:
            self.ctx = pytest.raises(TypeError)
            self.info = self.ctx.__enter__()

        def __exit__(self, *exc: Any) -> bool:
            handled = self.ctx.__exit__(*exc)
            message = str(self.info.value)
            for fragment in fragments:
                assert fragment in message, f"{fragment!r} not in {message!r}"
            return bool(handled)

    return Checker()


def test_unknown_option_suggests_the_closest() -> None:
    with raises_type_error("'create'", "Did you mean 'created'?", "post_save"):
        signalkit.on_post_save(Author, create=True)


def test_unknown_option_without_close_match_lists_the_options() -> None:
    with pytest.raises(TypeError) as info:
        signalkit.receiver(custom, frobnicate=1)
    message = str(info.value)
    assert "'frobnicate'" in message
    assert "Did you mean" not in message
    assert "on_commit" in message
    assert "for custom." in message


@pytest.mark.parametrize(
    "signal", [model_signals.pre_save, model_signals.post_delete, custom]
)
def test_created_only_on_post_save(signal: DjangoSignal) -> None:
    with raises_type_error("created=", naming.signal_name(signal)):
        signalkit.receiver(signal, created=True)


def test_created_rejects_one_wrong_signal_of_a_list() -> None:
    with raises_type_error("created=", "post_delete"):
        signalkit.receiver(
            [model_signals.post_save, model_signals.post_delete], created=False
        )


def test_created_must_be_a_bool() -> None:
    with raises_type_error("created=", "post_save", "'yes'"):
        signalkit.on_post_save(Author, created="yes")


def test_created_none_is_the_default() -> None:
    calls, receive = recorder()
    signalkit.on_post_save(Tag, created=None)(receive)
    model_signals.post_save.send(sender=Tag, instance=None, created=False)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "signal",
    [
        model_signals.post_delete,
        model_signals.pre_init,
        model_signals.m2m_changed,
        custom,
    ],
)
def test_changed_only_on_pre_and_post_save(signal: DjangoSignal) -> None:
    # The TypeError for a wrong signal comes before the NotImplementedError of issue #5.
    with raises_type_error("changed=", naming.signal_name(signal), "pre_save"):
        signalkit.receiver(signal, changed="name")


@pytest.mark.parametrize("changed", [5, [], ["name", 3], ("",), {"name"}])
def test_changed_must_be_field_names(changed: Any) -> None:
    with raises_type_error("changed=", "post_save"):
        signalkit.on_post_save(Author, changed=changed)


@pytest.mark.parametrize("signal", [model_signals.pre_save, model_signals.post_save])
@pytest.mark.parametrize("changed", ["name", ["name", "created_at"], ("name",)])
def test_changed_is_accepted_on_save_signals(
    signal: DjangoSignal, changed: Any
) -> None:
    def on_change(sender: Any, **kwargs: Any) -> None: ...

    signalkit.receiver(signal, sender=Author, changed=changed)(on_change)
    [conn] = [c for c in registry.connections() if c.func is on_change]
    expected = (changed,) if isinstance(changed, str) else tuple(changed)
    assert conn.options.changed == expected
    assert conn.senders == [Author]


def test_other_mistakes_are_reported_with_changed() -> None:
    with raises_type_error("when="):
        signalkit.on_post_save(Author, changed="name", when=5)
    with pytest.raises(ValueError, match="no_dot"):
        signalkit.on_post_save("no_dot", changed="name")


@pytest.mark.parametrize(
    "option", ["subclasses", "on_commit", "robust", "reentrant", "weak"]
)
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_boolean_options_take_only_bools(option: str, value: Any) -> None:
    with raises_type_error(f"{option}=", "post_save", repr(value)):
        signalkit.on_post_save(Author, **{option: value})


def test_when_must_be_callable() -> None:
    with raises_type_error("when=", "pre_delete"):
        signalkit.on_pre_delete(Author, when=True)


@pytest.mark.parametrize(
    "predicate",
    [
        lambda instance: True,
        lambda instance, created: True,
        lambda sender, instance, created, raw, using, update_fields: True,
        lambda *, instance, missing, **kwargs: True,
        lambda instance, /, **kwargs: True,
    ],
    ids=["one-name", "two-names", "no-signal", "extra-required", "positional-only"],
)
def test_when_predicate_that_cannot_take_the_arguments_fails_at_decoration(
    predicate: Any,
) -> None:
    with raises_type_error("when=", "post_save", "**kwargs", "instance"):
        signalkit.on_post_save(Tag, when=predicate)


@pytest.mark.parametrize(
    "predicate",
    [
        lambda raw, **kw: not raw,
        lambda **kwargs: True,
        lambda signal, sender, instance, created, raw, using, update_fields: True,
        lambda instance, created=False, extra=None, **kw: True,
        functools.partial(lambda flag, **kw: flag, True),
    ],
    ids=["raw-kwargs", "kwargs", "every-name", "defaults", "partial"],
)
def test_when_predicates_that_accept_the_arguments(predicate: Any) -> None:
    _, receive = recorder()
    signalkit.on_post_save(Tag, when=predicate)(receive)


def test_when_predicate_without_a_signature_is_accepted() -> None:
    _, receive = recorder()
    with pytest.raises(ValueError):
        inspect.signature(max)
    signalkit.receiver(custom, when=max)(receive)


def test_when_predicate_is_checked_against_declared_arguments() -> None:
    declared = signalkit.Signal(args=("order", "amount"))
    _, receive = recorder()
    signalkit.receiver(declared, when=lambda order, **kw: True)(receive)
    with raises_type_error("when=", "order", "amount"):
        signalkit.receiver(declared, when=lambda order, sender, signal: True)


def test_when_predicate_on_a_signal_with_unknown_arguments() -> None:
    # Only signal and sender are sure to be sent: other names may be too.
    _, receive = recorder()
    signalkit.receiver(custom, when=lambda signal, sender, value: value)(receive)
    signalkit.receiver(custom, when=lambda value, **kwargs: value)(receive)
    with raises_type_error("when=", "signal, sender, ...", "'signal'"):
        signalkit.receiver(custom, when=lambda sender, value: value)


def test_when_predicate_is_checked_for_each_signal_of_a_list() -> None:
    with raises_type_error("when=", "post_delete"):
        signalkit.receiver(
            [model_signals.post_save, model_signals.post_delete],
            sender=Tag,
            when=lambda created, **kw: created,
        )


def test_dispatch_uid_must_be_hashable() -> None:
    with raises_type_error("dispatch_uid=", "post_save"):
        signalkit.on_post_save(Author, dispatch_uid=["not", "hashable"])


def test_task_must_be_a_bool_string_or_dict() -> None:
    with raises_type_error("task=", "post_save"):
        signalkit.on_post_save(Author, task=5)


@pytest.mark.parametrize("task", [True, "default", {"backend": "default"}])
def test_task_needs_a_module_level_function(task: Any) -> None:
    def nested(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(TypeError, match="must be a function defined at the top level"):
        signalkit.on_post_save(Author, task=task)(nested)
    assert not model_signals.post_save.has_listeners(Author) or all(
        c.func is not nested for c in registry.connections()
    )


def test_task_false_is_accepted() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom, task=False)(receive)
    custom.send(sender=None)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "signal", ["post_save", None, 5, [model_signals.post_save, "x"]]
)
def test_first_argument_must_be_signals(signal: Any) -> None:
    with raises_type_error("signal"):
        signalkit.receiver(signal)


def test_empty_signal_list() -> None:
    with raises_type_error("at least one signal"):
        signalkit.receiver([])


def test_receiver_must_be_callable() -> None:
    with raises_type_error("callable", "custom", "42"):
        signalkit.receiver(custom)(42)  # type: ignore[type-var]


def test_receiver_must_accept_kwargs() -> None:
    def no_kwargs(sender: Any) -> None:
        pass  # pragma: no cover - never called

    with raises_type_error("**kwargs", "no_kwargs", "post_save"):
        signalkit.on_post_save(Author)(no_kwargs)
    assert not any(c.func is no_kwargs for c in registry.connections())


def test_async_receiver_must_accept_kwargs() -> None:
    async def no_kwargs(sender: Any, instance: Any) -> None:
        pass  # pragma: no cover - never called

    with raises_type_error("**kwargs", "no_kwargs"):
        signalkit.receiver(custom)(no_kwargs)


def test_callable_without_signature_is_accepted() -> None:
    # Some builtins have no signature to inspect; like Django, they are trusted.
    with pytest.raises(ValueError):
        __import__("inspect").signature(max)
    assert signalkit.receiver(custom)(max) is max
    assert any(c.func is max for c in registry.connections())


def test_callable_object_and_partial_receivers() -> None:
    calls: list[Any] = []

    class Handler:
        def __call__(self, **kwargs: Any) -> None:
            calls.append(("object", kwargs["sender"]))

    def tagged(tag: str, **kwargs: Any) -> None:
        calls.append((tag, kwargs["sender"]))

    signalkit.receiver(custom)(Handler())
    signalkit.receiver(custom)(functools.partial(tagged, "partial"))
    gc.collect()
    custom.send(sender=S)

    assert sorted(calls, key=str) == [("object", S), ("partial", S)]


def test_subclasses_needs_a_model_sender() -> None:
    with raises_type_error("subclasses=True", "custom", "42"):
        signalkit.receiver(custom, sender=42, subclasses=True)
    with raises_type_error("subclasses=True", "post_save"):
        signalkit.on_post_save(None, subclasses=True)
    with raises_type_error("subclasses=True", "post_save", "testapp.*"):
        signalkit.on_post_save("testapp.*", subclasses=True)


def test_sender_list_shapes() -> None:
    with pytest.raises(ValueError, match="empty list"):
        signalkit.on_post_save([])
    with raises_type_error("nested"):
        signalkit.on_post_save([Author, [Tag]])


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
from tests.test_receivers import S, custom

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
    from tests.test_receivers import custom

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
    source = TWICE_SOURCE.replace("tests.test_receivers import custom", "{0}")
    write_module(path, source.format("tests.test_receivers import custom"))
    module = importlib.import_module("moved_signal")
    write_module(
        path,
        source.format("tests.test_receivers import other_custom as custom"),
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
        from tests.test_receivers import S, T, custom

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
            from tests.test_receivers import custom
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


def test_identity_of_receivers() -> None:
    _, closure = recorder()
    kind, *_ = registry.identity(closure)[0]
    assert kind == "object"
    ident, execution = registry.identity(recorder)
    assert ident == ("file", registry._real_path(__file__), "recorder")
    assert execution is not None and execution[0] is globals()


# Many receivers --------------------------------------------------------------------------


def closures(count: int) -> tuple[list[int], list[Callable[..., None]]]:
    hits: list[int] = []
    made = []
    for number in range(count):

        def receive(number: int = number, **kwargs: Any) -> None:
            hits.append(number)

        made.append(receive)
    return hits, made


def test_many_receivers_one_entry_each_and_nothing_left_after() -> None:
    signal = signalkit.Signal()
    hits, funcs = closures(300)
    for func in funcs:
        signalkit.receiver(signal, sender=S)(func)

    assert len(signal.receivers) == 300
    assert len(_django._indexes[signal].keys) == 300
    assert (
        sum(len(g) for g in registry._groups.values() if g[0].signal is signal) == 300
    )
    signal.send(sender=S)
    assert hits == list(range(300))

    for func in funcs:
        assert signalkit.disconnect(func) is True

    assert not signal.has_listeners(S)
    assert signal.receivers == []
    assert not _django._indexes[signal].keys
    assert not [g for g in registry._groups.values() if g[0].signal is signal]


def test_disconnect_leaves_every_other_entry_in_place() -> None:
    # Disconnecting drops one reference: Django's list is not rebuilt or searched, its
    # entry goes dead, and Django sweeps it out on the next send.
    signal = signalkit.Signal()
    hits, funcs = closures(5)
    for func in funcs:
        signalkit.receiver(signal)(func)
    receivers = signal.receivers
    entries = list(receivers)

    signalkit.disconnect(funcs[2])

    assert signal.receivers is receivers and receivers == entries
    signal.send(sender=None)
    assert hits == [0, 1, 3, 4]
    assert signal.receivers == [e for i, e in enumerate(entries) if i != 2]


def test_disconnect_while_something_else_holds_the_wrapper() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    responses = custom.send(sender=None)  # holds what Django called

    assert signalkit.disconnect(receive) is True

    custom.send(sender=None)
    assert len(calls) == 1
    assert not custom.receivers
    assert responses[0][0] is not None


def test_a_plain_connect_survives_signalkits_disconnect() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    assert custom.disconnect(receive) is True
    custom.connect(receive, weak=False)

    # signalkit removes only what it connected itself.
    assert signalkit.disconnect(receive) is True
    custom.send(sender=None)

    assert len(calls) == 1
    assert custom.disconnect(receive) is True


def test_dispatch_uid_of_a_collected_django_receiver_is_free_again() -> None:
    calls, receive = recorder()

    def make() -> Callable[..., None]:
        def weakly_held(**kwargs: Any) -> None:
            calls.append("gone")  # pragma: no cover - collected before any send

        return weakly_held

    held = make()
    custom.connect(held, dispatch_uid="freed-uid")
    del held
    gc.collect()

    signalkit.receiver(custom, dispatch_uid="freed-uid")(receive)
    custom.send(sender=None)

    assert [c["signal"] for c in calls] == [custom]


def test_signal_subclass_with_its_own_connect_is_called() -> None:
    class Counting(DjangoSignal):
        def __init__(self) -> None:
            super().__init__()
            self.connects = self.disconnects = 0

        def connect(self, *args: Any, **kwargs: Any) -> None:
            self.connects += 1
            super().connect(*args, **kwargs)

        def disconnect(self, *args: Any, **kwargs: Any) -> bool:
            self.disconnects += 1
            return super().disconnect(*args, **kwargs)

    counting = Counting()
    calls, receive = recorder()
    signalkit.receiver(counting, sender=[S, T])(receive)
    counting.send(sender=S)
    signalkit.disconnect(receive)
    counting.send(sender=S)

    assert len(calls) == 1
    assert (counting.connects, counting.disconnects) == (2, 2)
    assert counting.receivers == []


def test_receivers_with_the_same_simple_options_share_them() -> None:
    _, first = recorder()
    _, second = recorder()
    signalkit.receiver(custom, robust=True)(first)
    signalkit.receiver(custom, robust=True)(second)

    one, two = (c for c in registry.connections() if c.func in (first, second))

    assert one.options is two.options


# Disconnection ---------------------------------------------------------------------------


def test_disconnect_undoes_every_connection() -> None:
    calls, receive = recorder()
    signalkit.receiver([custom, other_custom], sender=S)(receive)
    signalkit.receiver(custom, sender=[T, U])(receive)
    signalkit.on_post_save("testapp.*")(receive)
    signalkit.on_post_save("testapp.NotYet")(receive)

    assert signalkit.disconnect(receive) is True

    for sender in (S, T, U):
        custom.send(sender=sender)
        other_custom.send(sender=sender)
    model_signals.post_save.send(sender=Tag, instance=None, created=True)
    assert calls == []
    assert not [c for c in registry.connections() if c.func is receive]
    assert signalkit.disconnect(receive) is False


def test_disconnect_unknown_function() -> None:
    def never_connected(**kwargs: Any) -> None:
        pass  # pragma: no cover - never called

    assert signalkit.disconnect(never_connected) is False


def test_disconnect_then_connect_again() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom)(receive)
    signalkit.disconnect(receive)
    signalkit.receiver(custom)(receive)

    custom.send(sender=None)

    assert len(calls) == 1


@pytest.mark.django_db
def test_djangos_disconnect_works_on_a_signalkit_connection() -> None:
    calls, receive = recorder()
    signalkit.on_post_save("testapp.Tag")(receive)
    Tag.objects.create(name="one")
    assert len(calls) == 1

    assert model_signals.post_save.disconnect(receive, sender=Tag) is True

    Tag.objects.create(name="two")
    assert len(calls) == 1


def test_djangos_disconnect_with_lazy_string_and_no_sender() -> None:
    calls, receive = recorder()
    signalkit.on_pre_delete("testapp.Tag")(receive)
    signalkit.receiver(custom)(receive)

    # Django resolves the string itself (and returns None for a lazy disconnect).
    model_signals.pre_delete.disconnect(receive, sender="testapp.Tag")
    assert custom.disconnect(receive) is True

    model_signals.pre_delete.send(sender=Tag, instance=None)
    custom.send(sender=None)
    assert calls == []


# factory_boy -------------------------------------------------------------------------


@pytest.mark.django_db
def test_factory_mute_signals_mutes_signalkit_receivers() -> None:
    calls, receive = recorder()
    signalkit.on_post_save(Tag)(receive)

    with factory.django.mute_signals(model_signals.post_save):
        Tag.objects.create(name="muted")
    assert calls == []

    Tag.objects.create(name="heard")
    assert [c["instance"].name for c in calls] == ["heard"]


@pytest.mark.django_db
def test_factory_mute_signals_as_decorator_on_a_factory() -> None:
    calls, receive = recorder()
    signalkit.on_post_save(Tag, created=True)(receive)

    @factory.django.mute_signals(model_signals.post_save)
    class TagFactory(factory.django.DjangoModelFactory):
        class Meta:
            model = Tag

        name = "made"

    TagFactory()
    assert calls == []
    Tag.objects.create(name="after")
    assert len(calls) == 1


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
    assert naming.signal_path(other_custom) == "tests.test_receivers.other_custom"
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
