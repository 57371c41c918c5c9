"""The ``changed=`` receiver option, on top of change tracking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models.signals import post_init

import signalkit
from tests.sk_support import is_tracked
from tests.testapp.models import Author, FamousAuthor, Novelist

pytestmark = pytest.mark.django_db

calls: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture(autouse=True)
def clear() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


@pytest.fixture
def on_name_change() -> Iterator[None]:
    def pre(sender: Any, instance: Author, **kwargs: Any) -> None:
        calls.append(("pre", signalkit.changes(instance)))

    def post(sender: Any, instance: Author, created: bool, **kwargs: Any) -> None:
        calls.append(("post", {"created": created}))

    signalkit.on_pre_save("testapp.Author", changed="name", subclasses=True)(pre)
    signalkit.on_post_save(Author, changed=["name"])(post)
    yield
    signalkit.disconnect(pre)
    signalkit.disconnect(post)


@pytest.mark.usefixtures("on_name_change")
def test_fires_on_insert_and_when_the_field_changes() -> None:
    author = Author.objects.create(name="a")
    assert [kind for kind, _ in calls] == ["pre", "post"]
    assert calls[1][1] == {"created": True}
    calls.clear()
    author.save()
    assert calls == []
    author.name = "b"
    author.save()
    assert calls[0] == ("pre", {"name": ("a", "b")})
    assert calls[1] == ("post", {"created": False})


@pytest.mark.usefixtures("on_name_change")
def test_does_not_fire_for_other_fields_or_unsaved_fields() -> None:
    author = Author.objects.create(name="a")
    loaded = Author.objects.get(pk=author.pk)
    calls.clear()
    loaded.name = "b"
    loaded.save(update_fields=["created_at"])
    assert calls == []
    loaded.save(update_fields=["name"])
    assert [kind for kind, _ in calls] == ["pre", "post"]


@pytest.mark.usefixtures("on_name_change")
def test_changed_turns_on_tracking_of_only_that_field_and_subclasses() -> None:
    assert is_tracked(Author)
    assert set(Author._signalkit_tracked) >= {"name"}  # type: ignore[attr-defined]
    assert not post_init.has_listeners(Author)
    novelist = Novelist.objects.create(name="n")
    calls.clear()
    novelist.name = "m"
    novelist.save()
    assert calls == [("pre", {"name": ("n", "m")})]
    proxy = FamousAuthor.objects.get(pk=novelist.pk)
    calls.clear()
    proxy.name = "p"
    proxy.save()
    assert calls == [("pre", {"name": ("m", "p")})]


def test_changed_with_an_unknown_field_raises_at_decoration() -> None:
    def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(ValueError, match=r"Cannot track 'nmae' on testapp\.Author"):
        signalkit.on_post_save(Author, changed="nmae")(receiver)
    signalkit.disconnect(receiver)


def test_changed_needs_model_senders() -> None:
    with pytest.raises(TypeError, match="changed= on post_save needs a model sender"):
        signalkit.on_post_save(changed="name")
    with pytest.raises(TypeError, match="changed= on post_save needs a model sender"):
        signalkit.on_post_save("testapp.*", changed="name")


def test_changed_makes_no_sense_on_delete() -> None:
    with pytest.raises(TypeError, match=r"changed= makes no sense on post_delete"):
        signalkit.on_post_delete(Author, changed="name")
