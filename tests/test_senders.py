"""Contract section 2: what ``sender=`` accepts, lazy resolution, subclasses and checks."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import senders
from tests.helpers import raises_type_error, sender_check_messages, sender_recorder
from tests.testapp.models import Author, Book, FamousAuthor, Tag, Timestamped

custom = signalkit.Signal()

plain = DjangoSignal()
typed = signalkit.Signal(args=("instance",))


pytestmark = pytest.mark.usefixtures("undo_connections")


# Sender forms ------------------------------------------------------------------------


def test_none_is_any_sender() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=None)(receive)

    plain.send(sender=Author)
    plain.send(sender=None)

    assert seen == [Author, None]


def test_model_class() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=Author)(receive)

    plain.send(sender=Author)
    plain.send(sender=Book)

    assert seen == [Author]


@pytest.mark.parametrize("text", ["testapp.Author", "testapp.author", "testapp.AUTHOR"])
def test_lazy_string_model_name_is_case_insensitive(text: str) -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=text)(receive)

    plain.send(sender=Author)
    plain.send(sender=Book)

    assert seen == [Author]


def test_app_label_is_taken_as_given() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender="TestApp.Author")(receive)

    plain.send(sender=Author)

    assert seen == []
    assert [m.obj for m in sender_check_messages()] == ["TestApp.Author"]


@pytest.mark.django_db
def test_auth_user_model_setting() -> None:
    seen, receive = sender_recorder()
    signalkit.on_post_save(settings.AUTH_USER_MODEL, created=True)(receive)

    get_user_model().objects.create(username="ann")

    assert seen == [get_user_model()]


@pytest.mark.parametrize(
    "signal", [plain, typed], ids=["django-signal", "signalkit-signal"]
)
def test_lazy_strings_work_on_any_signal(signal: DjangoSignal) -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(signal, sender="testapp.Author")(receive)

    signal.send(sender=Author, instance=None)
    signal.send(sender=Book, instance=None)
    signal.send(sender="testapp.Author", instance=None)

    assert seen == [Author]


def test_list_mixing_every_form() -> None:
    seen, receive = sender_recorder()
    marker = object()
    signalkit.receiver(plain, sender=[Author, "testapp.book", "auth.*", marker])(
        receive
    )

    for sender in (Author, Book, get_user_model(), marker, Tag, FamousAuthor):
        plain.send(sender=sender)

    assert seen == [Author, Book, get_user_model(), marker]


def test_tuple_of_senders() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender=(Author, Tag))(receive)

    plain.send(sender=Tag)

    assert seen == [Tag]


@pytest.mark.parametrize(
    "text", ["Author", "", ".Author", "testapp.", "a.b.c", "testapp"]
)
def test_malformed_string_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"app_label\.ModelName"):
        signalkit.receiver(plain, sender=text)


def test_plain_string_sender_on_a_custom_signal_names_the_signal() -> None:
    # Seen in the seeds: a custom signal with sender="sender_name". The message names
    # the signal by its path, or by its whole repr when it has none.
    with pytest.raises(ValueError) as bound:
        signalkit.receiver(plain, sender="sender_name")
    assert "sender 'sender_name' for plain is not of the form" in str(bound.value)
    assert "pass the object the signal is sent with" in str(bound.value)

    unbound = DjangoSignal()  # bound to no module attribute
    with pytest.raises(ValueError) as anonymous:
        signalkit.receiver(unbound, sender="sender_name")
    assert f"sender 'sender_name' for {unbound!r} is not" in str(anonymous.value)


def test_malformed_string_inside_a_list() -> None:
    with pytest.raises(ValueError, match="'nodot'"):
        signalkit.receiver(plain, sender=[Author, "nodot"])


def test_well_formed_unknown_string_never_raises_at_decoration() -> None:
    seen, receive = sender_recorder()
    signalkit.receiver(plain, sender="someapp.Nothing")(receive)
    signalkit.receiver(plain, sender="someapp.*")(receive)
    assert seen == []


def test_abstract_model_needs_subclasses() -> None:
    with pytest.raises(TypeError, match="Timestamped is an abstract model"):
        signalkit.on_post_save(Timestamped)
    with pytest.raises(TypeError, match="subclasses=True"):
        signalkit.receiver(plain, sender=[Author, Timestamped])


def test_targets_have_stable_keys() -> None:
    first = senders.parse(
        [None, Author, "testapp.Author", "testapp.*"], subclasses=False
    )
    second = senders.parse(
        [None, Author, "testapp.author", "testapp.*"], subclasses=False
    )
    assert [t.key for t in first] == [t.key for t in second]
    assert [t.kind for t in first] == ["any", "model", "lazy", "app"]
    assert senders.is_model(Timestamped) and not senders.is_model(Author())


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
