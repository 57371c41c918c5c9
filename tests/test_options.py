"""A receiver's options, validated at decoration time (``signalkit.options``)."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal
from django.test import override_settings

import signalkit
from signalkit import naming, options, registry, signals
from signalkit.options import Options
from tests.helpers import raises_type_error, recorder
from tests.taskapp.models import Parcel
from tests.testapp.models import Author, Tag

custom = signalkit.Signal()


pytestmark = pytest.mark.usefixtures("undo_connections")


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


def test_task_false_is_accepted() -> None:
    calls, receive = recorder()
    signalkit.receiver(custom, task=False)(receive)
    custom.send(sender=None)
    assert len(calls) == 1


def test_receivers_with_the_same_simple_options_share_them() -> None:
    _, first = recorder()
    _, second = recorder()
    signalkit.receiver(custom, robust=True)(first)
    signalkit.receiver(custom, robust=True)(second)

    one, two = (c for c in registry.connections() if c.func in (first, second))

    assert one.options is two.options


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("", "task= on post_save takes True"),
        (3, "task= on post_save takes True"),
        ({"queue": "x"}, "unknown key 'queue'"),
        ({"priority": "high"}, "takes an int"),
        ({"backend": ""}, "takes a TASKS alias"),
        ({"queue_name": 1}, "takes a queue name"),
    ],
)
def test_bad_task_options(task: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        signalkit.on_post_save(Parcel, task=task)


def test_task_settings_backend_is_used_for_task_true() -> None:
    with override_settings(SIGNALKIT={"TASK_BACKEND": "immediate"}):
        from signalkit.options import parse_task

        spec = parse_task(True, "post_save")
        assert spec is not None
        assert spec.alias == "immediate"


def test_changed_needs_model_senders() -> None:
    with pytest.raises(TypeError, match="changed= on post_save needs a model sender"):
        signalkit.on_post_save(changed="name")
    with pytest.raises(TypeError, match="changed= on post_save needs a model sender"):
        signalkit.on_post_save("testapp.*", changed="name")


def test_changed_makes_no_sense_on_delete() -> None:
    with pytest.raises(TypeError, match=r"changed= makes no sense on post_delete"):
        signalkit.on_post_delete(Author, changed="name")


def test_options_non_default() -> None:
    assert Options().non_default() == {}
    assert Options(robust=True, created=False).non_default() == {
        "robust": True,
        "created": False,
    }


# The typed options (what type checkers and the decorators' signatures read).

#: A valid value of each option, for any signal that takes it.
VALID = {
    "subclasses": True,
    "created": True,
    "changed": "name",
    "when": lambda **kwargs: True,
    "on_commit": True,
    "task": True,
    "robust": True,
    "reentrant": True,
    "dispatch_uid": "uid",
    "weak": True,
}


def test_the_typed_options_are_the_options() -> None:
    assert set(options.ReceiverOptions.__annotations__) == set(
        Options.__dataclass_fields__
    )
    assert set(VALID) == set(Options.__dataclass_fields__)


@pytest.mark.parametrize(
    "signal", [*options.MODEL_SIGNALS, *signals.BULK_SIGNALS], ids=naming.signal_name
)
def test_a_signal_takes_exactly_the_options_its_typed_options_name(
    signal: DjangoSignal,
) -> None:
    # API.md section 2: created= is post_save's alone, changed= pre_save's and post_save's.
    only_on = {
        "created": {model_signals.post_save},
        "changed": {model_signals.pre_save, model_signals.post_save},
    }
    typed = options.SIGNAL_OPTIONS.get(signal, options.CommonOptions).__annotations__
    for name, value in VALID.items():
        try:
            options.parse({name: value}, [signal], "the signal")
        except TypeError:
            accepted = False
        else:
            accepted = True
        assert accepted == (signal in only_on.get(name, {signal})), name
        assert (name in typed) == accepted, name
