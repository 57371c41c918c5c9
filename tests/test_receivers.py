"""Contract section 2: the decorators, their options, references and disconnection."""

from __future__ import annotations

import functools
import gc
import inspect
import re
from collections.abc import Callable
from typing import Any

import factory.django
import pytest
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import naming, options, receivers, registry, signals
from tests.bulkapp.models import Item, Plain
from tests.helpers import S, T, U, raises_type_error, recorder
from tests.testapp.models import Author, Book, Tag

custom = signalkit.Signal()
other_custom = DjangoSignal()


pytestmark = pytest.mark.usefixtures("undo_connections")


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


# What may be decorated -----------------------------------------------------------------


@pytest.mark.parametrize("task", [True, "default", {"backend": "default"}])
def test_task_needs_a_module_level_function(task: Any) -> None:
    def nested(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(TypeError, match="must be a function defined at the top level"):
        signalkit.on_post_save(Author, task=task)(nested)
    assert not model_signals.post_save.has_listeners(Author) or all(
        c.func is not nested for c in registry.connections()
    )


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


@pytest.mark.parametrize(
    ("shortcut", "signal"),
    [
        (signalkit.on_pre_bulk_create, signals.pre_bulk_create),
        (signalkit.on_post_bulk_create, signals.post_bulk_create),
        (signalkit.on_pre_bulk_update, signals.pre_bulk_update),
        (signalkit.on_post_bulk_update, signals.post_bulk_update),
        (signalkit.on_pre_update, signals.pre_update),
        (signalkit.on_post_update, signals.post_update),
    ],
)
def test_shortcuts_connect_to_their_signal_with_a_positional_lazy_sender(
    shortcut: Callable[..., Any], signal: DjangoSignal
) -> None:
    def handler(sender: Any, **kwargs: Any) -> None: ...

    assert not signal.has_listeners(Item)
    assert shortcut("bulkapp.Item")(handler) is handler
    try:
        assert signal.has_listeners(Item)
        assert not signal.has_listeners(Plain)
    finally:
        signalkit.disconnect(handler)
    assert not signal.has_listeners(Item)
    with pytest.raises(TypeError, match="created= makes no sense"):
        shortcut(Item, created=True)


def test_every_shortcut_is_bound_to_its_own_name() -> None:
    shortcuts = [name for name in signalkit.__all__ if name.startswith("on_")]
    assert len(shortcuts) == 13
    for name in shortcuts:
        shortcut = getattr(signalkit, name)
        assert shortcut.__name__ == name
        assert name.removeprefix("on_") in (shortcut.__doc__ or "")


# The shortcuts' types -----------------------------------------------------------------


@pytest.mark.parametrize(
    "signal", [*options.MODEL_SIGNALS, *signals.BULK_SIGNALS], ids=naming.signal_name
)
def test_each_shortcut_is_typed_with_the_options_of_its_signal(
    signal: DjangoSignal,
) -> None:
    name = f"on_{naming.signal_name(signal)}"
    assert name in signalkit.__all__
    # The declared type of the shortcut (or else the one _shortcuts() gives): a Protocol
    # whose **options unpack a TypedDict.
    made = inspect.signature(receivers._shortcuts).return_annotation
    declared = receivers.__annotations__.get(name, made.removesuffix(", ...]")[6:])
    protocol = getattr(receivers, declared)
    hint = inspect.signature(protocol.__call__).parameters["options"].annotation
    typed = re.fullmatch(r"Unpack\[(\w+)\]", hint)
    assert typed is not None, hint
    expected = options.SIGNAL_OPTIONS.get(signal, options.CommonOptions)
    assert getattr(options, typed.group(1)) is expected
