"""Contract section 7: what ``manage.py signals`` finds (``signalkit.introspection``)."""

from __future__ import annotations

import functools
import gc
import weakref
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.management.color import no_style
from django.core.signals import request_started, setting_changed
from django.db.backends.signals import connection_created
from django.db.models import signals as model_signals
from django.dispatch import Signal as DjangoSignal

import signalkit
from signalkit import introspection, rendering
from signalkit import signals as bulk_signals
from signalkit.introspection import Entry
from tests.helpers import def_line
from tests.testapp.models import Author, Book, FamousAuthor, Novelist

# A plain Django signal in a module autodiscovery never imports: not listed, unless
# signalkit's decorators connect to it.
stray = DjangoSignal()


pytestmark = pytest.mark.usefixtures("undo_connections")


def entries_of(receiver: str, **filters: Any) -> list[Entry]:
    return [e for e in introspection.receivers(**filters) if e.receiver == receiver]


def on_parcel(sender: Any, **kwargs: Any) -> None:
    pass


def catch_everything(**kwargs: Any) -> None:
    pass


def on_book(sender: Any, **kwargs: Any) -> None:
    pass


class Handler:
    def handle(self, sender: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        pass


# Which signals ------------------------------------------------------------------------


def test_builtin_and_signalkit_signals_are_listed() -> None:
    found = introspection.signals()
    for each in (
        model_signals.post_save,
        model_signals.pre_delete,
        model_signals.m2m_changed,
        model_signals.class_prepared,
        request_started,
        setting_changed,
        connection_created,
        bulk_signals.post_update,
    ):
        assert any(s is each for s in found)


def test_auth_signals_are_listed_when_auth_is_installed() -> None:
    from django.contrib.auth.signals import user_logged_in

    assert any(s is user_logged_in for s in introspection.signals())


def test_a_signal_of_an_imported_submodule_of_a_discovered_module_is_listed() -> None:
    from tests.pkgapp.signals import custom

    assert any(s is custom.parcel_shipped for s in introspection.signals())


def test_a_plain_signal_elsewhere_is_listed_only_while_connected_by_signalkit() -> None:
    assert not any(s is stray for s in introspection.signals())
    signalkit.receiver(stray)(on_parcel)
    assert any(s is stray for s in introspection.signals())
    signalkit.disconnect(on_parcel)
    assert not any(s is stray for s in introspection.signals())


def test_every_signalkit_signal_is_listed_wherever_it_is_created() -> None:
    local = signalkit.Signal()
    assert any(s is local for s in introspection.signals())
    ref = weakref.ref(local)
    del local
    gc.collect()
    assert ref() is None, "the list of created signals must not keep them alive"


def test_signals_are_sorted_by_dotted_path() -> None:
    from signalkit.naming import signal_path

    paths = [signal_path(s) for s in introspection.signals()]
    assert paths == sorted(paths)


# The test project -----------------------------------------------------------------------


def test_the_test_apps_receivers() -> None:
    import tests.pkgapp.signals.handlers as handlers
    import tests.testapp.signals as testapp_signals

    ours = {"tests.testapp.signals", "tests.pkgapp.signals.handlers"}
    found = [
        rendering.as_json(e) for e in introspection.receivers() if e.module in ours
    ]
    for item in found:
        item["file"] = Path(item["file"]).resolve()
    assert found == [
        {
            "signal": "django.db.models.signals.post_delete",
            "receiver": "tests.pkgapp.signals.handlers.author_deleted",
            "sender": "testapp.Author",
            "file": Path(handlers.__file__).resolve(),
            "line": def_line(handlers.__file__, "author_deleted"),
            "options": {},
            "dispatch_uid": None,
            "resolved": True,
            "catch_all": False,
        },
        {
            "signal": "django.db.models.signals.post_save",
            "receiver": "tests.testapp.signals.author_created",
            "sender": "testapp.Author",
            "file": Path(testapp_signals.__file__).resolve(),
            "line": def_line(testapp_signals.__file__, "author_created"),
            "options": {"created": True},
            "dispatch_uid": None,
            "resolved": True,
            "catch_all": False,
        },
    ]


def test_file_is_relative_to_the_working_directory_when_under_it() -> None:
    [entry] = entries_of("tests.testapp.signals.author_created")
    file, _line = entry.location
    assert file == str(Path("tests/testapp/signals.py"))


# Plain and signalkit receivers ----------------------------------------------------------


def test_plain_and_signalkit_receivers_on_a_custom_signal() -> None:
    from tests.pkgapp.signals import custom

    def kit_receiver(sender: Any, **kwargs: Any) -> None:
        pass

    custom.parcel_shipped.connect(on_parcel, sender=Book)
    try:
        signalkit.receiver(custom.parcel_shipped, sender="testapp.Book", robust=True)(
            kit_receiver
        )
        found = {
            e.receiver: rendering.as_json(e)
            for e in introspection.receivers([custom.parcel_shipped])
        }
    finally:
        custom.parcel_shipped.disconnect(on_parcel, sender=Book)
    path = "tests.pkgapp.signals.custom.parcel_shipped"
    plain = found["tests.test_introspection.on_parcel"]
    assert plain["signal"] == path
    assert plain["sender"] == "testapp.Book"
    assert plain["options"] == {}
    assert plain["line"] == def_line(__file__, "on_parcel")
    kit = found[
        "tests.test_introspection.test_plain_and_signalkit_receivers_on_a_custom_signal"
        ".<locals>.kit_receiver"
    ]
    assert kit["signal"] == path
    assert kit["sender"] == "testapp.Book"
    assert kit["options"] == {"robust": True}
    assert kit["line"] == def_line(__file__, "kit_receiver")


def test_a_plain_receiver_on_a_signal_in_an_undiscovered_module_is_not_listed() -> None:
    stray.connect(on_parcel)
    try:
        assert entries_of("tests.test_introspection.on_parcel") == []
    finally:
        stray.disconnect(on_parcel)


def test_receivers_in_the_order_django_calls_them() -> None:
    signal = signalkit.Signal()

    def first(**kwargs: Any) -> None:
        pass

    def second(**kwargs: Any) -> None:
        pass

    signal.connect(first, weak=False)
    signalkit.receiver(signal)(second)
    signal.connect(catch_everything, weak=False)
    names = [e.receiver.rpartition(".")[2] for e in introspection.receivers([signal])]
    assert names == ["first", "second", "catch_everything"]


def test_one_entry_per_sender() -> None:
    signalkit.on_post_save(Author, subclasses=True)(on_parcel)
    entries = entries_of("tests.test_introspection.on_parcel")
    assert sorted(e.sender or "" for e in entries) == sorted(
        m._meta.label for m in (Author, FamousAuthor, Novelist)
    )
    assert {e.signal for e in entries} == {"django.db.models.signals.post_save"}
    assert all(e.options == {"subclasses": True} for e in entries)


def test_a_receiver_connected_twice_for_one_sender_is_listed_once() -> None:
    stray_signal = signalkit.Signal()
    stray_signal.connect(catch_everything, weak=False, dispatch_uid="a")
    stray_signal.connect(catch_everything, weak=False, dispatch_uid="b")
    assert len(introspection.receivers([stray_signal])) == 1


def test_catch_all_plain_receiver() -> None:
    signal = signalkit.Signal()
    signal.connect(catch_everything, weak=False)
    [entry] = introspection.receivers([signal])
    assert entry.sender is None
    assert entry.catch_all
    assert rendering.as_json(entry)["catch_all"] is True


def test_a_non_model_sender_is_shown_by_its_repr() -> None:
    signal = signalkit.Signal()
    handler = Handler()
    signal.connect(catch_everything, sender=handler, weak=False)
    [entry] = introspection.receivers([signal])
    assert entry.sender == repr(handler)
    assert entry.sender_app is None


def test_dispatch_uid_is_the_users_only() -> None:
    signal = signalkit.Signal()

    def given(**kwargs: Any) -> None:
        pass

    def generated(**kwargs: Any) -> None:
        pass

    signal.connect(catch_everything, weak=False, dispatch_uid="plain-uid")
    signalkit.receiver(signal, dispatch_uid="kit-uid")(given)
    signalkit.receiver(signal)(generated)
    uids = {
        e.receiver.rpartition(".")[2]: e.dispatch_uid
        for e in introspection.receivers([signal])
    }
    assert uids == {
        "catch_everything": "plain-uid",
        "given": "kit-uid",
        "generated": None,
    }


def test_unresolved_lazy_sender_is_listed() -> None:
    signalkit.on_post_save("testapp.Nope")(on_parcel)
    [entry] = entries_of("tests.test_introspection.on_parcel")
    assert entry.sender == "testapp.Nope"
    assert entry.resolved is False
    assert entry.catch_all is False
    assert rendering.as_json(entry)["resolved"] is False


def test_unknown_app_wildcard_is_listed_as_unresolved() -> None:
    signalkit.on_post_save("nosuchapp.*")(on_parcel)
    [entry] = entries_of("tests.test_introspection.on_parcel")
    assert (entry.sender, entry.resolved) == ("nosuchapp.*", False)


def test_abstract_lazy_sender_is_listed_as_unresolved() -> None:
    signalkit.on_pre_save("testapp.Timestamped")(on_parcel)
    [entry] = entries_of("tests.test_introspection.on_parcel")
    assert (entry.sender, entry.resolved) == ("testapp.Timestamped", False)


def test_wildcard_lists_each_model() -> None:
    signalkit.on_post_save("testapp.*")(on_parcel)
    senders = {e.sender for e in entries_of("tests.test_introspection.on_parcel")}
    assert {"testapp.Author", "testapp.Book", "testapp.Tag"} <= senders
    assert all(e.resolved for e in entries_of("tests.test_introspection.on_parcel"))


def test_disconnected_receivers_are_gone() -> None:
    signalkit.on_post_save("testapp.Author")(on_parcel)
    assert entries_of("tests.test_introspection.on_parcel")
    signalkit.disconnect(on_parcel)
    assert entries_of("tests.test_introspection.on_parcel") == []


def test_djangos_own_disconnect_of_a_signalkit_receiver_is_seen() -> None:
    signalkit.on_post_save(Author)(on_parcel)
    model_signals.post_save.disconnect(on_parcel, sender=Author)
    assert entries_of("tests.test_introspection.on_parcel") == []


def test_dead_weak_receivers_are_skipped() -> None:
    signal = signalkit.Signal()

    def make() -> Any:
        def gone(**kwargs: Any) -> None:
            pass

        return gone

    receiver = make()
    signal.connect(receiver)  # weak, as Django's default
    assert len(introspection.receivers([signal])) == 1
    del receiver
    gc.collect()
    assert introspection.receivers([signal]) == []


def test_a_dead_sender_is_skipped_where_django_tracks_senders() -> None:
    signal = signalkit.Signal()
    handler = Handler()
    signal.connect(catch_everything, sender=handler, weak=False)
    del handler
    gc.collect()
    entries = introspection.receivers([signal])
    if django.VERSION >= (6, 0):
        assert entries == []
    else:
        # Django 5.2 keeps no reference to senders: the connection outlives its sender,
        # and all that is left to show is that it is unknown.
        assert [e.sender.startswith("<unknown sender") for e in entries] == [True]


def test_sender_known_only_by_id_as_on_django_52() -> None:
    # Django 5.2 keeps (lookup key, receiver, is_async) for each receiver: the sender is
    # known by its id alone, so it is looked for among live objects.
    signal = signalkit.Signal()
    handler = Handler()
    signal.connect(catch_everything, sender=Author, weak=False)
    signal.connect(on_parcel, sender=handler, weak=False)
    signal.receivers = [(key, ref, False) for key, ref, *_rest in signal.receivers]
    entries = introspection.receivers([signal])
    assert [e.sender for e in entries] == ["testapp.Author", repr(handler)]


def test_a_sender_that_cannot_be_found_by_id() -> None:
    # Strings are neither weakly referable nor tracked by the garbage collector.
    signal = signalkit.Signal()
    sender = "".join(["a", "string"])
    signal.connect(catch_everything, sender=sender, weak=False)
    [entry] = introspection.receivers([signal])
    assert entry.sender == f"<unknown sender {id(sender):#x}>"
    assert not entry.catch_all


def test_signalkit_sender_known_only_by_id() -> None:
    signal = signalkit.Signal()
    handler = Handler()
    signalkit.receiver(signal, sender=handler)(on_parcel)
    signal.receivers = [(key, ref, False) for key, ref, *_rest in signal.receivers]
    [entry] = introspection.receivers([signal])
    assert entry.sender == repr(handler)


def test_partial_bound_method_and_callable_object() -> None:
    signal = signalkit.Signal()
    handler = Handler()
    signal.connect(functools.partial(on_parcel), sender=Author, weak=False)
    signal.connect(handler.handle, sender=Book, weak=False)
    signal.connect(handler, weak=False)
    entries = introspection.receivers([signal])
    assert [(e.receiver, e.location[1]) for e in entries] == [
        ("tests.test_introspection.on_parcel", def_line(__file__, "on_parcel")),
        ("tests.test_introspection.Handler.handle", def_line(__file__, "handle")),
        ("tests.test_introspection.Handler", def_line(__file__, "__call__")),
    ]


# Filters --------------------------------------------------------------------------------


def test_select_signals_by_short_name_or_dotted_path() -> None:
    found = introspection.signals()
    assert introspection.select_signals("post_save", found) == [model_signals.post_save]
    assert introspection.select_signals(
        "django.db.models.signals.post_save", found
    ) == [model_signals.post_save]


def test_select_signals_suggests_close_names() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown signal 'post_sav'\. Did you mean 'post_save'"
    ):
        introspection.select_signals("post_sav", introspection.signals())
    with pytest.raises(ValueError, match="Give a short name such as 'post_save'"):
        introspection.select_signals("zzzzzzzz", introspection.signals())


def test_for_app_keeps_receivers_defined_in_it_or_listening_to_its_models() -> None:
    entries = introspection.receivers()
    testapp = {e.receiver for e in introspection.for_app(entries, "testapp")}
    # Defined in testapp, and defined in pkgapp but listening to testapp.Author.
    assert {
        "tests.testapp.signals.author_created",
        "tests.pkgapp.signals.handlers.author_deleted",
    } <= testapp
    pkgapp = {e.receiver for e in introspection.for_app(entries, "pkgapp")}
    assert pkgapp == {"tests.pkgapp.signals.handlers.author_deleted"}
    auth = {e.receiver for e in introspection.for_app(entries, "auth")}
    assert "django.contrib.auth.models.update_last_login" in auth


def test_for_app_unknown_label() -> None:
    with pytest.raises(ValueError, match=r"label 'testap'\. Did you mean 'testapp'\?"):
        introspection.for_app([], "testap")


def test_for_app_keeps_unresolved_strings_of_its_models() -> None:
    signalkit.on_post_save("trackapp.Nope")(on_parcel)
    kept = introspection.for_app(introspection.receivers(), "trackapp")
    assert [e.sender for e in kept if e.receiver.endswith(".on_parcel")] == [
        "trackapp.Nope"
    ]


def test_for_sender_keeps_the_model_and_catch_alls() -> None:
    signal = signalkit.Signal()
    signal.connect(catch_everything, weak=False)
    signalkit.receiver(signal, sender="testapp.Author")(on_parcel)
    signalkit.receiver(signal, sender="testapp.Book")(on_book)
    entries = introspection.receivers([signal])
    kept = introspection.for_sender(entries, "testapp.author")
    assert [(e.receiver.rpartition(".")[2], e.catch_all) for e in kept] == [
        ("catch_everything", True),
        ("on_parcel", False),
    ]


def test_for_sender_matches_unresolved_strings() -> None:
    signalkit.on_post_save("testapp.Nope")(on_parcel)
    kept = introspection.for_sender(introspection.receivers(), "testapp.NOPE")
    assert any(e.sender == "testapp.Nope" for e in kept)


@pytest.mark.parametrize("text", ["Author", "testapp.", ".Author", "a.b.c"])
def test_for_sender_malformed(text: str) -> None:
    with pytest.raises(ValueError, match=r"'app_label\.ModelName'"):
        introspection.for_sender([], text)


def test_for_sender_unknown_model_suggests() -> None:
    with pytest.raises(
        ValueError, match=r"names no installed model\. Did you mean 'testapp\.Author'"
    ):
        introspection.for_sender(introspection.receivers(), "testapp.Autor")


def test_for_sender_known_model_without_receivers() -> None:
    signal = signalkit.Signal()
    signal.connect(catch_everything, weak=False)
    kept = introspection.for_sender(introspection.receivers([signal]), "testapp.Tag")
    assert [e.catch_all for e in kept] == [True]


def test_a_builtin_receiver_has_no_location() -> None:
    signal = signalkit.Signal()
    signal.connect(print, weak=False)
    [entry] = introspection.receivers([signal])
    assert (entry.receiver, entry.location) == ("builtins.print", (None, None))
    assert "defined at" not in rendering.render_text([entry], no_style())


def test_is_framework_names_djangos_and_signalkits_modules_only() -> None:
    def entry(module: str) -> introspection.Entry:
        return introspection.Entry(
            "s.post_save", f"{module}.f", None, {}, None, module=module
        )

    framework = ["django", "django.contrib.auth.models", "signalkit", "signalkit.conf"]
    others = [
        "django_tasks_db.models",
        "djangox",
        "signalkit_extras.x",
        "shop.signals",
        "",
    ]
    assert all(introspection.is_framework(entry(m)) for m in framework)
    assert not any(introspection.is_framework(entry(m)) for m in others)
    kept = introspection.without_frameworks([entry(m) for m in framework + others])
    assert [e.module for e in kept] == others
