"""Senders resolved into models, now or once the model exists: lazy strings, wildcards and
``subclasses=True``, whenever the models load (``signalkit.subscriptions``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks.model_checks import _check_lazy_references
from django.db import models
from django.db.models import signals as model_signals
from django.db.models.signals import class_prepared
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import registry, subscriptions
from tests.helpers import (
    late_model,
    sender_check_messages,
    sender_recorder,
    unique_model_name,
)
from tests.testapp.models import Author, Book, FamousAuthor, Novelist, Tag, Timestamped

plain = DjangoSignal()

pytestmark = pytest.mark.usefixtures("undo_connections")

# Models defined later --------------------------------------------------------------


def test_app_wildcard_includes_models_defined_later() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender="testapp.*")(receive)

    with late_model(managed=False) as later:
        for sender in (
            Author,
            Book,
            Tag,
            FamousAuthor,
            Novelist,
            later,
            get_user_model(),
        ):
            plain.send(sender=sender)

    assert seen == [Author, Book, Tag, FamousAuthor, Novelist, later]


def test_a_model_missed_while_nothing_listened_is_caught_up_when_models_are_loaded() -> (
    None
):
    # What a wildcard or subclasses=True receiver started inside the class_prepared of
    # the model being prepared, before signalkit listened for models, would miss.
    seen, receive = sender_recorder()
    _, receive_children = sender_recorder()
    signalkit.receiver(plain, sender="testapp.*")(receive)
    signalkit.receiver(plain, sender=Author, subclasses=True)(receive_children)
    class_prepared.disconnect(dispatch_uid="signalkit.senders")
    try:
        with (
            late_model(managed=False) as later,
            late_model(Author, proxy=True) as child,
        ):
            plain.send(sender=later)
            assert seen == []
            subscriptions.all_models_loaded()
            plain.send(sender=later)
            conn = next(c for c in registry.connections() if c.func is receive_children)
            assert child in conn.senders
    finally:
        subscriptions._listen()
    assert seen == [later]


def test_app_wildcard_covers_auto_created_through_models() -> None:
    seen, receive = sender_recorder()
    signalkit.on_m2m_changed("testapp.*")(receive)
    through = Book.tags.through

    model_signals.m2m_changed.send(sender=through, instance=None, action="post_add")

    assert seen == [through]


def test_app_wildcard_ignores_isolated_registries() -> None:
    from django.test.utils import isolate_apps

    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender="testapp.*")(receive)

    with isolate_apps("tests.testapp"):

        class Isolated(models.Model):
            class Meta:
                app_label = "testapp"

        plain.send(sender=Isolated)

    assert seen == []


def test_lazy_string_for_a_model_defined_later() -> None:
    seen, receive = sender_recorder()
    name = unique_model_name()
    signalkit.receiver(plain, sender=f"testapp.{name}")(receive)
    assert [m.obj for m in sender_check_messages()] == [f"testapp.{name}"]

    with late_model(name=name, managed=False) as later:
        plain.send(sender=later)
        assert sender_check_messages() == []

    assert seen == [later]


# Abstract models, proxies and multi-table children -----------------------------------


@pytest.mark.django_db
def test_abstract_model_with_subclasses_covers_every_concrete_child() -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save(Timestamped, subclasses=True)(receive)

    Author.objects.create(name="a")
    Book.objects.create(title="b")
    Tag.objects.create(name="t")  # not Timestamped
    FamousAuthor.objects.create(name="f")

    assert seen == [Author, Book, FamousAuthor]


@pytest.mark.django_db
def test_receiver_on_concrete_model_misses_proxy_saves() -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save(Author)(receive)

    FamousAuthor.objects.create(name="f")
    Novelist.objects.create(name="n")
    Author.objects.create(name="a")

    assert seen == [Author]


@pytest.mark.django_db
def test_receiver_on_proxy_misses_concrete_saves() -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save(FamousAuthor)(receive)

    Author.objects.create(name="a")
    FamousAuthor.objects.create(name="f")

    assert seen == [FamousAuthor]


@pytest.mark.django_db
@pytest.mark.parametrize("sender", [Author, "testapp.Author"])
def test_subclasses_covers_proxies_and_multi_table_children(sender: Any) -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save(sender, subclasses=True)(receive)

    Author.objects.create(name="a")
    FamousAuthor.objects.create(name="f")
    Novelist.objects.create(name="n", genre="crime")
    Book.objects.create(title="b")

    assert seen == [Author, FamousAuthor, Novelist]


def test_subclasses_covers_a_subclass_defined_later() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=Author, subclasses=True)(receive)

    with (
        late_model(Author, proxy=True) as later_proxy,
        late_model(Novelist, proxy=True) as deeper,
    ):
        plain.send(sender=later_proxy)
        plain.send(sender=deeper)
        plain.send(sender=Tag)

    assert seen == [later_proxy, deeper]


def test_subclasses_of_a_lazy_model_defined_later() -> None:
    seen, receive = sender_recorder()
    name = unique_model_name()
    signalkit.receiver(plain, sender=f"testapp.{name.lower()}", subclasses=True)(
        receive
    )

    with (
        late_model(name=name, managed=False) as base,
        late_model(base, proxy=True) as child,
    ):
        plain.send(sender=base)
        plain.send(sender=child)

    assert seen == [base, child]


def test_subclasses_ignores_other_models_defined_later() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=Author, subclasses=True)(receive)

    with late_model(managed=False) as unrelated:
        plain.send(sender=unrelated)

    assert seen == []


def test_disconnected_subscription_takes_no_later_models() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender="testapp.*")(receive)
    signalkit.receiver(plain, sender=Author, subclasses=True)(receive)
    signalkit.disconnect(receive)

    with late_model(Author, proxy=True) as later:
        plain.send(sender=later)

    assert seen == []
    assert not plain.has_listeners(later)


# has_listeners --------------------------------------------------------------------------


def test_has_listeners_is_per_sender() -> None:
    _, receive = sender_recorder()
    assert not model_signals.pre_delete.has_listeners(Author)

    signalkit.on_pre_delete("testapp.Author")(receive)

    assert model_signals.pre_delete.has_listeners(Author)
    assert not model_signals.pre_delete.has_listeners(Tag)
    assert not model_signals.pre_delete.has_listeners(FamousAuthor)

    signalkit.disconnect(receive)
    assert not model_signals.pre_delete.has_listeners(Author)


def test_has_listeners_with_subclasses() -> None:
    _, receive = sender_recorder()
    signalkit.on_pre_delete(Author, subclasses=True)(receive)

    assert model_signals.pre_delete.has_listeners(FamousAuthor)
    assert model_signals.pre_delete.has_listeners(Novelist)
    assert not model_signals.pre_delete.has_listeners(Book)


@pytest.mark.django_db
def test_lazy_abstract_model_with_subclasses() -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save("testapp.timestamped", subclasses=True)(receive)

    Author.objects.create(name="a")
    Book.objects.create(title="b")

    assert seen == [Author, Book]
    assert sender_check_messages() == []


def test_lazy_strings_named_while_models_load(monkeypatch: pytest.MonkeyPatch) -> None:
    # While models load (before ready()), an abstract model cannot be told from one that
    # is not imported yet: the strings wait in Django's own queue, and ready() settles them.
    _, receive = sender_recorder()
    monkeypatch.setattr(apps, "models_ready", False)
    signalkit.on_post_save("testapp.Timestamped")(receive)
    signalkit.on_post_save("testapp.Timestamped", subclasses=True)(receive)
    signalkit.on_post_save("testapp.Autor")(receive)
    queued = set(apps._pending_operations)
    assert {("testapp", "timestamped"), ("testapp", "autor")} <= queued
    monkeypatch.setattr(apps, "models_ready", True)

    subscriptions.all_models_loaded()

    assert sorted((m.id, m.obj) for m in sender_check_messages()) == [
        ("signalkit.E001", "testapp.Autor"),
        ("signalkit.E004", "testapp.Timestamped"),
    ]
    assert model_signals.post_save.has_listeners(Book)
    # Nothing is left in Django's queue, so its own check of lazy references
    # (models.E022) does not report the same strings again.
    assert not {("testapp", "timestamped"), ("testapp", "autor")} & set(
        apps._pending_operations
    )
    assert _check_lazy_references(apps) == []

    signalkit.disconnect(receive)
    assert sender_check_messages() == []
    assert not subscriptions._waiting


def test_a_model_named_twice_connects_once() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=[Author, "testapp.author", "testapp.*"])(receive)

    plain.send(sender=Author)

    assert seen == [Author]


def test_abstract_intermediate_models_are_skipped_but_their_children_covered() -> None:
    meta = type("Meta", (), {"abstract": True, "app_label": "testapp"})
    middle = type(
        "AbstractMiddle", (Timestamped,), {"__module__": __name__, "Meta": meta}
    )
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=Timestamped, subclasses=True)(receive)

    with late_model(middle, managed=False) as child:
        plain.send(sender=middle)
        plain.send(sender=child)

    assert seen == [child]


def test_two_receivers_waiting_for_one_string() -> None:
    _, first = sender_recorder()
    _, second = sender_recorder()
    signalkit.receiver(plain, sender="testapp.Autor")(first)
    signalkit.receiver(plain, sender="testapp.Autor")(second)

    signalkit.disconnect(first)

    [error] = sender_check_messages()
    assert "on plain" in error.msg
    [waiting] = subscriptions._waiting[("testapp", "autor")]
    assert waiting.owner.endswith("on plain")


# Receivers connected while models load ------------------------------------------------
# tests.lazyapp connects post_save receivers with lazy senders at import time of its
# models module, from class_prepared (for the model being prepared) and from ready().


ORIGINS = ("import", "class_prepared", "ready")


@pytest.mark.django_db
def test_lazy_senders_connected_while_models_load_fire_once_each() -> None:
    from tests.lazyapp import wiring
    from tests.lazyapp.models import Gauge, GaugeProxy

    wiring.runs.clear()
    Gauge.objects.create(name="tide")
    GaugeProxy.objects.create(name="proxy")

    assert sorted(wiring.runs) == sorted(
        [(origin, "lazyapp.Gauge", "lazyapp.Gauge") for origin in ORIGINS]
        + [(origin, "lazyapp.Reading", "lazyapp.Gauge") for origin in ORIGINS]
        + [(origin, "lazyapp.GaugeProxy", "lazyapp.GaugeProxy") for origin in ORIGINS]
        + [(origin, "lazyapp.Reading", "lazyapp.GaugeProxy") for origin in ORIGINS]
    )


@pytest.mark.django_db
def test_simple_history_wiring_with_lazy_senders() -> None:
    from tests.lazyapp.models import AuditEntry, Gauge, GaugeProxy

    gauge = Gauge.objects.create(name="tide")
    gauge.save()
    proxy = GaugeProxy.objects.create(name="proxy")

    assert list(AuditEntry.objects.order_by("pk").values_list("model", "created")) == [
        ("lazyapp.Gauge", True),
        ("lazyapp.Gauge", False),
        ("lazyapp.GaugeProxy", True),
    ]
    assert {e.object_pk for e in AuditEntry.objects.all()} == {gauge.pk, proxy.pk}


@contextmanager
def connected_while_prepared(
    name: str, connect: Callable[[type[models.Model]], None]
) -> Iterator[None]:
    """Run ``connect(model)`` from a class_prepared receiver, for the model ``name``."""

    def on_prepared(sender: type[models.Model], **kwargs: Any) -> None:
        if sender.__name__ == name:
            connect(sender)

    class_prepared.connect(on_prepared, weak=False)
    try:
        yield
    finally:
        class_prepared.disconnect(on_prepared)


@pytest.mark.parametrize("proxy", [False, True], ids=["concrete", "proxy"])
def test_lazy_string_connected_while_its_model_is_prepared(proxy: bool) -> None:
    seen, receive = sender_recorder()
    name = unique_model_name()
    bases = (Author,) if proxy else ()
    meta = {"proxy": True} if proxy else {"managed": False}

    def connect(model: type[models.Model]) -> None:
        # Django has not registered the model yet.
        with pytest.raises(LookupError):
            apps.get_registered_model("testapp", name)
        signalkit.receiver(plain, sender=f"testapp.{name}")(receive)

    with (
        connected_while_prepared(name, connect),
        late_model(*bases, name=name, **meta) as later,
    ):
        assert sender_check_messages() == []
        plain.send(sender=later)

    assert seen == [later]


def test_abstract_string_with_subclasses_connected_while_a_child_is_prepared() -> None:
    seen, receive = sender_recorder()
    meta = type("Meta", (), {"abstract": True, "app_label": "testapp"})
    base_name = unique_model_name()
    base = type(base_name, (models.Model,), {"__module__": __name__, "Meta": meta})
    child_name = unique_model_name()

    def connect(model: type[models.Model]) -> None:
        signalkit.receiver(plain, sender=f"testapp.{base_name}", subclasses=True)(
            receive
        )

    with (
        connected_while_prepared(child_name, connect),
        late_model(base, name=child_name, managed=False) as child,
        late_model(child, proxy=True) as grandchild,
    ):
        assert sender_check_messages() == []
        plain.send(sender=child)
        plain.send(sender=grandchild)

    assert seen == [child, grandchild]


@pytest.mark.parametrize(
    "sender", ["testapp.*", Author], ids=["wildcard", "subclasses"]
)
def test_watching_receiver_connected_while_a_model_is_prepared(sender: Any) -> None:
    # Connected from class_prepared, a wildcard or subclasses=True covers the model
    # being prepared too, whether signalkit's own class_prepared receiver ran before or
    # after the one that connects.
    seen, receive = sender_recorder()
    name = unique_model_name()
    options = {"subclasses": True} if sender is Author else {}

    def connect(model: type[models.Model]) -> None:
        signalkit.receiver(plain, sender=sender, **options)(receive)

    with (
        connected_while_prepared(name, connect),
        late_model(Author, name=name, proxy=True) as later,
    ):
        plain.send(sender=later)

    assert seen == [later]


def test_lazy_string_of_an_isolated_registry_stays_unresolved() -> None:
    from django.test.utils import isolate_apps

    seen, receive = sender_recorder()
    name = unique_model_name()
    signalkit.receiver(plain, sender=f"testapp.{name}")(receive)

    with isolate_apps("tests.testapp"):
        isolated = type(
            name,
            (models.Model,),
            {
                "__module__": __name__,
                "Meta": type("Meta", (), {"app_label": "testapp"}),
            },
        )
        plain.send(sender=isolated)

    assert seen == []
    assert [m.obj for m in sender_check_messages()] == [f"testapp.{name}"]


def test_disconnected_lazy_string_is_never_attached_later() -> None:
    seen, receive = sender_recorder()
    name = unique_model_name()
    signalkit.receiver(plain, sender=f"testapp.{name}")(receive)
    signalkit.disconnect(receive)

    with late_model(name=name, managed=False) as later:
        plain.send(sender=later)
        assert not plain.has_listeners(later)

    assert seen == []
    assert not subscriptions._waiting


def test_disconnected_string_queued_with_django_is_never_attached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Django's lazy_model_operation() cannot take an operation back: signalkit removes
    # its own from Django's queue, and one that ran anyway attaches nothing.
    seen, receive = sender_recorder()
    name = unique_model_name()
    monkeypatch.setattr(apps, "models_ready", False)
    signalkit.receiver(plain, sender=f"testapp.{name}")(receive)
    [conn] = [c for c in registry.connections() if c.func is receive]
    [sub] = conn.subscriptions
    queued = sub.queued
    assert queued is not None and ("testapp", name.lower()) in apps._pending_operations

    signalkit.disconnect(receive)

    assert ("testapp", name.lower()) not in apps._pending_operations
    queued(Author)  # as if Django ran it after all
    plain.send(sender=Author)
    assert seen == []


def test_lazy_senders_under_override_settings_installed_apps() -> None:
    from django.test import override_settings

    seen, receive = sender_recorder()
    installed = [a for a in settings.INSTALLED_APPS if a != "tests.testapp"]
    with override_settings(INSTALLED_APPS=installed):
        # signalkit's ready() ran again; testapp's models are still registered, so a
        # string naming one resolves, and a wildcard for the app is reported.
        signalkit.receiver(plain, sender="testapp.Author")(receive)
        signalkit.receiver(plain, sender="testapp.*")(receive)
        assert [(m.id, m.obj) for m in sender_check_messages()] == [
            ("signalkit.E001", "testapp.*")
        ]
    plain.send(sender=Author)

    assert seen == [Author]
    assert sender_check_messages() == []
