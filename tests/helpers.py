"""Helpers shared by the tests: undoing connections, models defined during a test, and what
tracking has turned on."""

from __future__ import annotations

import datetime
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command
from django.db import models, transaction
from django.dispatch import Signal

import signalkit
from signalkit import baseline, outcomes, registry, signals
from signalkit.checks.senders import check_senders
from tests.taskapp.models import Depot, Parcel

_numbers = itertools.count()

#: signalkit's bulk and queryset signals, as the tests expect them.
BULK_SIGNALS = (
    signals.pre_bulk_create,
    signals.post_bulk_create,
    signals.pre_bulk_update,
    signals.post_bulk_update,
    signals.pre_update,
    signals.post_update,
)


@contextmanager
def connections_undone() -> Iterator[None]:
    """Undo, on exit, every connection signalkit made inside the block."""
    before = {id(conn) for conn in registry.connections()}
    try:
        yield
    finally:
        for conn in registry.connections():
            if id(conn) in before:
                continue
            func = conn.func
            if func is None or not signalkit.disconnect(func):
                registry.disconnect_connection(conn)


def unique_model_name() -> str:
    """A model name no test has used yet, so the registry never warns about a re-registration."""
    return f"Late{next(_numbers)}"


@contextmanager
def late_model(
    *bases: type[models.Model], name: str | None = None, **meta: Any
) -> Iterator[type[models.Model]]:
    """Define a model in the global registry (app ``testapp``) now, and remove it on exit."""
    name = name or unique_model_name()
    meta_class = type("Meta", (), {"app_label": "testapp", **meta})
    attrs = {"__module__": "tests.testapp.models", "Meta": meta_class}
    model: type[models.Model] = type(name, bases or (models.Model,), attrs)
    try:
        yield model
    finally:
        del apps.all_models["testapp"][name.lower()]
        apps.clear_cache()


def is_tracked(model: type[models.Model]) -> bool:
    """True if anything tracks fields of ``model`` (its class carries the tracked fields)."""
    return bool(getattr(model, baseline.FIELDS, None))


class Sender:
    """A plain (non-model) sender object; strings are lazy model senders in signalkit."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<Sender {self.name}>"


S, T, U = Sender("s"), Sender("t"), Sender("u")


def recorder() -> tuple[list[dict[str, Any]], Callable[..., None]]:
    """A list of calls and a closure receiver that appends its keyword arguments to it."""
    calls: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> None:
        calls.append(kwargs)

    return calls, receive


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


def sender_recorder() -> tuple[list[Any], Callable[..., None]]:
    """A list of senders and a closure receiver that records each sender it gets."""
    seen: list[Any] = []

    def receive(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    return seen, receive


def sender_check_messages(
    ids: tuple[str, ...] = ("signalkit.E001", "signalkit.E004"),
) -> list[checks.CheckMessage]:
    """The messages of the senders check with these ids."""
    return [m for m in check_senders() if m.id in ids]


def connect_to_parcels(func: Callable[..., Any], **options: Any) -> None:
    """Connect ``func`` to ``post_save`` of ``taskapp.Parcel`` with ``options``."""
    signalkit.on_post_save("taskapp.Parcel", **options)(func)


def make_parcel() -> Parcel:
    """A saved parcel, with a value of each type an event must carry."""
    return Parcel.objects.create(
        label="p1",
        weight=Decimal("1.250"),
        sent_at=datetime.datetime(2026, 11, 22, 12, 30, tzinfo=datetime.timezone.utc),
        token=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        meta={"tags": ["a", "b"], "n": 1},
        depot=Depot.objects.create(name="north"),
        blob=b"\x00\x01",
    )


def signalkit_messages() -> list[checks.CheckMessage]:
    """The messages of every check Django runs that are signalkit's."""
    return [m for m in checks.run_checks() if m.id and m.id.startswith("signalkit.")]


def signals_command(**options: Any) -> str:
    """What ``manage.py signals`` prints with these options."""
    out = StringIO()
    call_command("signals", stdout=out, **options)
    return out.getvalue()


def signals_command_json(**options: Any) -> list[dict[str, Any]]:
    """What ``manage.py signals --format json`` prints with these options, parsed."""
    found = json.loads(signals_command(format="json", **options))
    assert isinstance(found, list)
    return found


def def_line(file: str | Path, name: str) -> int:
    """The number of the line that starts ``def name(``."""
    lines = Path(file).read_text().splitlines()
    return next(
        n for n, text in enumerate(lines, 1) if text.lstrip().startswith(f"def {name}(")
    )


class Boom(Exception):
    """The error the failing receivers raise."""


@contextmanager
def connected(
    signal: Signal, receiver: Callable[..., Any], sender: Any = None
) -> Iterator[None]:
    """A plain Django connection for the block."""
    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield
    finally:
        signal.disconnect(receiver, sender=sender)


class Recorder:
    """A plain receiver that notes the sender of each call."""

    def __init__(self) -> None:
        self.senders: list[Any] = []

    def __call__(self, sender: Any, **kwargs: Any) -> str:
        self.senders.append(sender)
        return "plain"


def wrapper_of(func: Callable[..., Any]) -> Callable[..., Any]:
    """The function signalkit connected to Django for ``func`` (connected once)."""
    [conn] = [c for c in registry.connections() if c.func is func]
    return conn.wrapper


@contextmanager
def manual_transactions() -> Iterator[None]:
    """Django's manual transaction management: autocommit off, no atomic block."""
    transaction.set_autocommit(False)
    try:
        yield
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)


def redis_problem(url: str) -> str | None:
    """``None`` if the Redis at ``url`` answers a ping; else one line saying what the
    Celery tests need and how to start it."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return (
            f"The Celery tests need Redis at {url}, which does not answer ({exc}): start "
            f"it (redis-server --daemonize yes, or apt-get install redis-server), or set "
            f"SIGNALKIT_TEST_BROKER to the URL of a running Redis."
        )
    return None


class Watcher(outcomes.Consumer):
    """A consumer of outcomes that keeps, in order, everything it is handed."""

    wants_sends = True

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def sent(self, send: outcomes.Send) -> None:
        self.events.append(("sent", send))

    def calling(self, outcome: outcomes.Outcome) -> Any:
        self.events.append(("calling", outcome))
        return ("state of", outcome)

    def called(self, outcome: outcomes.Outcome, state: Any) -> None:
        assert state == ("state of", outcome)
        self.events.append(("called", outcome))

    def noted(self, outcome: outcomes.Outcome) -> None:
        self.events.append(("noted", outcome))

    @property
    def outcomes(self) -> list[outcomes.Outcome]:
        """What became of each receiver, in the order it was reported."""
        return [o for kind, o in self.events if kind in ("called", "noted")]

    @property
    def sends(self) -> list[outcomes.Send]:
        return [s for kind, s in self.events if kind == "sent"]

    def of(self, receiver: Any) -> list[tuple[str, str | None]]:
        """``(kind, reason)`` of each outcome of ``receiver``."""
        return [(o.kind, o.reason) for o in self.outcomes if o.receiver is receiver]
