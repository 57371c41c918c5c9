"""Events as JSON: bad values refused at send time, and what an instance carries."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import TestCase

import signalkit
from signalkit import events, tasks_compat, worker
from tests.taskapp import receivers
from tests.taskapp.models import Parcel

SIGNAL = "tests.taskapp.receivers.shipment_priced"


class Colour(str, enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    receivers.received.clear()
    tasks_compat.backend("default").clear()
    yield
    signalkit.disconnect(receivers.record)
    receivers.received.clear()


def enqueued() -> list[Any]:
    return list(tasks_compat.backend("default").results)


def send_amount(amount: Any, **options: Any) -> None:
    signalkit.receiver(receivers.shipment_priced, task=True, **options)(
        receivers.record
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        receivers.shipment_priced.send(sender=None, amount=amount)


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"next": value}
    return value


def containing_itself() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


# Item 9: values JSON cannot carry faithfully are refused when the signal is sent.


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (float("nan"), "NaN or infinite float"),
        (float("inf"), "NaN or infinite float"),
        ([1.0, {"x": -float("inf")}], "NaN or infinite float"),
        ({1: "a", "1": "b"}, r"become the same string in JSON \(such as 1 and '1'\)"),
        ({"x": {2: "a", "2": "b"}}, "become the same string in JSON"),
        ({(1, 2): "a"}, "has a tuple key"),
        ({None: "a"}, "has a NoneType key"),
        ({True: "a"}, "has a bool key"),
        (nested(events.MAX_DEPTH + 1), "more than 100 levels deep"),
        (nested(5000), "more than 100 levels deep"),
        (containing_itself(), "or contains itself"),
        ({"__signalkit__": "model", "model": "auth.User"}, "reserves for its own"),
        (Parcel(label="x", meta={"v": float("nan")}), "NaN or infinite float"),
        (Parcel(label="x", meta=nested(200)), "more than 100 levels deep"),
        (object(), "object is not JSON-serialisable"),
    ],
    ids=lambda v: type(v).__name__,
)
@pytest.mark.django_db
def test_values_json_cannot_carry_raise_type_error_naming_the_argument(
    amount: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message) as raised:
        send_amount(amount)
    assert str(raised.value).startswith(f"Argument 'amount' of {SIGNAL}")
    assert enqueued() == []


@pytest.mark.django_db
def test_refusals_never_quote_the_value(caplog: pytest.LogCaptureFixture) -> None:
    send_amount({"k": [float("nan"), "secret-value"]}, robust=True)
    [record] = [r for r in caplog.records if r.name == "signalkit"]
    assert "Argument 'amount'" in record.getMessage()
    assert "secret-value" not in caplog.text
    assert enqueued() == []


@pytest.mark.django_db
def test_json_values_round_trip() -> None:
    amount = {
        "n": 1,
        "f": 1.5,
        "s": "x",
        "l": [1, (2, 3)],
        "d": {4: None},
        "b": True,
        "e": [Colour.RED, Size.BIG],
    }
    send_amount(amount)
    [result] = enqueued()
    worker.run(*result.args)
    assert receivers.received[0]["kwargs"]["amount"] == {
        "n": 1,
        "f": 1.5,
        "s": "x",
        "l": [1, [2, 3]],
        "d": {"4": None},
        "b": True,
        "e": ["red", 3],  # what json.dumps() writes for them
    }


@pytest.mark.django_db
def test_lists_of_instances_travel_as_instances() -> None:
    # What the bulk signals send: objs, a list of instances.
    first = Parcel.objects.create(label="a")
    second = Parcel.objects.create(label="b")
    send_amount([first, second, {"set": {1, 2}}])
    [result] = enqueued()
    worker.run(*result.args)
    got = receivers.received[0]["kwargs"]["amount"]
    assert [type(p) for p in got[:2]] == [Parcel, Parcel]
    assert [p.label for p in got[:2]] == ["a", "b"]
    assert got[2] == {"set": {1, 2}}


# Item 5: what an instance carries.


def user_event(options: Any, django_capture_on_commit_callbacks: Any) -> Any:
    signalkit.on_post_save(User, task=options)(receivers.record)
    with django_capture_on_commit_callbacks(execute=True):
        # A stand-in for a hash (create_user() would spend a second hashing).
        user = User.objects.create(
            username="ann", email="ann@example.com", password="pbkdf2_sha256$x$y$z"
        )
    [result] = enqueued()
    return user, json.loads(result.args[1])["kwargs"]["instance"]["fields"]


@pytest.mark.django_db
def test_password_hash_never_travels_by_default(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user, fields = user_event(True, django_capture_on_commit_callbacks)
    assert "password" not in fields
    assert fields["username"] == "ann"
    assert fields["email"] == "ann@example.com"
    assert fields["id"] == user.pk


@pytest.mark.django_db
def test_a_field_not_carried_is_loaded_in_the_worker(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user, _ = user_event(True, django_capture_on_commit_callbacks)
    [result] = enqueued()
    worker.run(*result.args)
    rebuilt = receivers.received[0]["kwargs"]["instance"]
    assert rebuilt.get_deferred_fields() == {"password"}
    assert rebuilt.password == user.password  # read from the database on access


@pytest.mark.django_db
def test_fields_carries_only_those_and_the_primary_key(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user, fields = user_event(
        {"fields": ["email", "password"]}, django_capture_on_commit_callbacks
    )
    # Naming a hidden field in fields= is how to send it on purpose.
    assert fields == {
        "id": user.pk,
        "email": "ann@example.com",
        "password": user.password,
    }


@pytest.mark.django_db
def test_empty_fields_carries_only_the_primary_key(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user, fields = user_event({"fields": []}, django_capture_on_commit_callbacks)
    assert fields == {"id": user.pk}


@pytest.mark.django_db
def test_exclude_leaves_fields_out_and_keeps_hiding_secrets(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, fields = user_event(
        {"backend": "default", "exclude": ["email", "last_login"]},
        django_capture_on_commit_callbacks,
    )
    assert "email" not in fields
    assert "last_login" not in fields
    assert "password" not in fields
    assert fields["username"] == "ann"


@pytest.mark.django_db
def test_a_foreign_key_is_named_by_its_field_or_column_name() -> None:
    signalkit.receiver(receivers.shipment_priced, task={"fields": ["depot"]})(
        receivers.record
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        receivers.shipment_priced.send(
            sender=None, amount=Parcel(id=7, label="x", depot_id=3)
        )
    [result] = enqueued()
    assert json.loads(result.args[1])["kwargs"]["amount"]["fields"] == {
        "id": 7,
        "depot_id": 3,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"fields": ["emial"]},
            "names 'emial', which is not a concrete field of auth.User",
        ),
        ({"exclude": ["emial"]}, "names 'emial', which is not a concrete field"),
        ({"exclude": ["id"]}, "names the primary key 'id' of auth.User, which always"),
    ],
)
@pytest.mark.django_db
def test_field_names_are_checked_when_the_signal_is_sent(
    options: Any, message: str
) -> None:
    signalkit.on_post_save(User, task=options)(receivers.record)
    with pytest.raises(TypeError, match=message):
        User.objects.create(username="ann")


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"fields": "email"}, r"task=\{'fields': ...\} on post_save takes a list of"),
        ({"fields": ["email", ""]}, "takes a list of field names"),
        ({"exclude": [1]}, r"task=\{'exclude': ...\} on post_save takes a list"),
        ({"fields": [], "exclude": []}, "'fields' .* or 'exclude' .*, not both"),
        ({"field": []}, "unknown key 'field'; the keys are .*'fields' and 'exclude'"),
    ],
)
def test_bad_fields_options_raise_at_decoration(task: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        signalkit.on_post_save(User, task=task)


def test_hidden_fields_are_documented() -> None:
    from pathlib import Path

    doc = (
        Path(__file__).resolve().parent.parent / "docs/howto/background.rst"
    ).read_text()
    for name in events.HIDDEN_FIELDS:
        assert f"``{name}``" in doc


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_trace_context_travels_under_its_own_key_and_is_checked_on_decode() -> None:
    sent = events.encode(
        receivers.shipment_priced,
        None,
        {"amount": 1},
        context={"traceparent": TRACEPARENT},
    )
    event = events.parse(sent)
    assert event["trace_context"] == {"traceparent": TRACEPARENT}
    assert events.decode(event) == (SIGNAL, None, {"amount": 1})
    assert "trace_context" not in events.encode(
        receivers.shipment_priced, None, {"amount": 1}
    )
    with pytest.raises(events.InvalidEvent, match="not a W3C traceparent"):
        events.decode({**event, "trace_context": {"traceparent": "00-1-2-3"}})
