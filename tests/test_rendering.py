"""What ``manage.py signals`` prints: JSON, text and a Mermaid chart (``signalkit.rendering``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import signalkit
from signalkit import introspection, rendering
from tests.helpers import def_line, signals_command, signals_command_json
from tests.testapp.models import Book

pytestmark = pytest.mark.usefixtures("undo_connections")


def kit_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def plain_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def catch_all(sender: Any, **kwargs: Any) -> None:
    pass


KEYS = {
    "signal",
    "receiver",
    "sender",
    "file",
    "line",
    "options",
    "dispatch_uid",
    "resolved",
    "catch_all",
}


ANSI = re.compile(r"\x1b\[")


# JSON -----------------------------------------------------------------------------------


def test_json_lists_the_test_apps_receivers() -> None:
    import tests.pkgapp.signals.handlers as handlers
    import tests.testapp.signals as testapp_signals

    found = signals_command_json()
    assert all(set(item) == KEYS for item in found)
    by_receiver = {item["receiver"]: item for item in found}
    created = by_receiver["tests.testapp.signals.author_created"]
    assert created == {
        "signal": "django.db.models.signals.post_save",
        "receiver": "tests.testapp.signals.author_created",
        "sender": "testapp.Author",
        "file": created["file"],
        "line": def_line(testapp_signals.__file__, "author_created"),
        "options": {"created": True},
        "dispatch_uid": None,
        "resolved": True,
        "catch_all": False,
    }
    assert Path(created["file"]).resolve() == Path(testapp_signals.__file__).resolve()
    deleted = by_receiver["tests.pkgapp.signals.handlers.author_deleted"]
    assert deleted["signal"] == "django.db.models.signals.post_delete"
    assert deleted["sender"] == "testapp.Author"
    assert deleted["options"] == {}
    assert Path(deleted["file"]).resolve() == Path(handlers.__file__).resolve()
    assert deleted["line"] == def_line(handlers.__file__, "author_deleted")


def test_json_includes_djangos_own_receivers_with_all() -> None:
    found = signals_command_json(signal="user_logged_in", all=True)
    assert {
        "receiver": "django.contrib.auth.models.update_last_login",
        "sender": None,
        "dispatch_uid": "update_last_login",
        "catch_all": True,
    }.items() <= found[0].items()


def test_json_includes_plain_and_signalkit_receivers_on_a_custom_signal() -> None:
    from tests.pkgapp.signals.custom import parcel_shipped

    parcel_shipped.connect(plain_receiver, sender=Book, dispatch_uid="shipping")
    try:
        signalkit.receiver(parcel_shipped, sender="testapp.Book", on_commit=True)(
            kit_receiver
        )
        found = signals_command_json(
            signal="tests.pkgapp.signals.custom.parcel_shipped"
        )
    finally:
        parcel_shipped.disconnect(sender=Book, dispatch_uid="shipping")
    assert [
        (i["receiver"], i["sender"], i["options"], i["dispatch_uid"]) for i in found
    ] == [
        ("tests.test_rendering.plain_receiver", "testapp.Book", {}, "shipping"),
        (
            "tests.test_rendering.kit_receiver",
            "testapp.Book",
            {"on_commit": True},
            None,
        ),
    ]
    assert [i["line"] for i in found] == [
        def_line(__file__, "plain_receiver"),
        def_line(__file__, "kit_receiver"),
    ]


def test_json_marks_unresolved_lazy_senders() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    [item] = [
        i
        for i in signals_command_json()
        if i["receiver"] == "tests.test_rendering.kit_receiver"
    ]
    assert (item["sender"], item["resolved"], item["catch_all"]) == (
        "testapp.Nope",
        False,
        False,
    )


# Text -----------------------------------------------------------------------------------


def test_text_is_grouped_by_signal() -> None:
    signalkit.on_post_save("testapp.Book")(kit_receiver)
    text = signals_command()
    headers = [line for line in text.splitlines() if line and not line.startswith(" ")]
    signals = headers[:-2]  # the last lines are the summary
    assert len(signals) == len(set(signals)), "each signal is one group"
    assert signals == sorted(signals)
    post_save = text.split("django.db.models.signals.post_save\n", 1)[1].split("\n\n")[
        0
    ]
    assert (
        "  tests.testapp.signals.author_created\n    sender: testapp.Author\n"
        in post_save
    )
    assert "    options: created=True\n" in post_save
    assert (
        "  tests.test_rendering.kit_receiver\n    sender: testapp.Book\n" in post_save
    )
    assert f"    defined at: {Path('tests/testapp/signals.py')}:" in post_save
    assert re.search(r"^\d+ receivers on \d+ signals\.$", headers[-2])
    assert re.search(
        r"^\d+ receivers of Django and signalkit not shown: --all lists them\.$",
        headers[-1],
    )


def test_text_marks_unresolved_and_catch_all_senders() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    signalkit.on_post_save()(catch_all)
    text = signals_command(signal="post_save")
    assert (
        "tests.test_rendering.kit_receiver\n    sender: testapp.Nope (unresolved)\n"
        in text
    )
    assert "tests.test_rendering.catch_all\n    sender: (any sender)\n" in text


def test_text_shows_options_and_dispatch_uid() -> None:
    signalkit.on_post_save(
        "testapp.Book", robust=True, when=lambda **kw: True, dispatch_uid="books"
    )(kit_receiver)
    text = signals_command(signal="post_save", sender="testapp.Book")
    assert (
        "    options: when=tests.test_rendering.test_text_shows_options_and_dispatch_uid."
        "<locals>.<lambda>, robust=True, dispatch_uid='books'\n"
        "    dispatch_uid: 'books'\n"
    ) in text


def test_text_when_nothing_matches() -> None:
    assert signals_command(signal="connection_created", sender="testapp.Tag") == (
        "No receivers match.\n"
    )


def test_text_has_no_colour_outside_a_terminal() -> None:
    assert not ANSI.search(signals_command())


def test_text_colour_with_force_color() -> None:
    assert ANSI.search(signals_command(force_color=True))
    assert not ANSI.search(signals_command(no_color=True))


# Mermaid --------------------------------------------------------------------------------


def test_mermaid_chart() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    signalkit.on_post_delete()(catch_all)
    chart = signals_command(format="mermaid")
    lines = chart.splitlines()
    assert lines[0] == "flowchart LR"
    entries = signals_command_json()
    nodes = dict(
        re.findall(r'^    (\w+)[\[(]+"([^"]*)"[\])]+$', chart, flags=re.MULTILINE)
    )
    edges = re.findall(r"^    (\w+) (-->|-\.->) (\w+)$", chart, flags=re.MULTILINE)
    assert len(nodes) + len(edges) == len(lines) - 1, "only nodes and edges"
    for node_id in nodes:
        assert re.fullmatch(r"[A-Za-z0-9_]+", node_id)
    targets = {nodes[target] for _source, arrow, target in edges if arrow == "-->"}
    for entry in entries:
        assert entry["receiver"].replace("<", "#lt;").replace(">", "#gt;") in targets
    # The unresolved sender's edge is dotted; the catch-all one has its own node.
    assert "testapp.Nope (unresolved)" in nodes.values()
    unresolved = next(k for k, v in nodes.items() if v == "testapp.Nope (unresolved)")
    assert any(s == unresolved and a == "-.->" for s, a, _t in edges)
    assert "any sender" in nodes.values()


def test_mermaid_keeps_each_signal_with_its_sender() -> None:
    signalkit.on_post_save("testapp.Book")(kit_receiver)
    chart = signals_command(format="mermaid", signal="post_save", app="testapp")
    edges = re.findall(r"^    (\w+) --> (\w+)$", chart, flags=re.MULTILINE)
    into = {}
    for source, target in edges:
        into.setdefault(target, set()).add(source)
    # Two post_save nodes: one from testapp.Author, one from testapp.Book.
    author_signal = next(
        t for s, t in edges if s == "sender_testapp_Author" and t.startswith("signal_")
    )
    book_signal = next(
        t for s, t in edges if s == "sender_testapp_Book" and t.startswith("signal_")
    )
    assert author_signal != book_signal
    assert (book_signal, "receiver_tests_test_rendering_kit_receiver") in edges
    assert (author_signal, "receiver_tests_test_rendering_kit_receiver") not in edges


def test_mermaid_labels_are_escaped_and_ids_never_shared() -> None:
    signal = signalkit.Signal()

    def make() -> Any:
        def inner(**kwargs: Any) -> None:
            pass

        return inner

    class Quoted:
        def __repr__(self) -> str:
            return 'we "quote"'

    quoted = Quoted()
    signal.connect(make(), sender=quoted, weak=False)
    chart = signals_command(format="mermaid", signal=repr(signal))
    assert "#quot;quote#quot;" in chart
    assert "#lt;locals#gt;" in chart
    # Each label is one quoted string: no quote left inside it.
    for line in chart.splitlines()[1:]:
        assert re.fullmatch(r'    \w+ --> \w+|    \w+[\[(]+"[^"]*"[\])]+', line)


def test_mermaid_when_nothing_matches() -> None:
    chart = signals_command(
        format="mermaid", signal="connection_created", sender="testapp.Tag"
    )
    assert chart.splitlines() == ["flowchart LR", '    empty["No receivers match."]']


def test_options_are_json_friendly() -> None:
    def predicate(**kwargs: Any) -> bool:
        return True

    signalkit.on_post_save(
        "testapp.Author", when=predicate, on_commit=True, reentrant=True
    )(kit_receiver)
    [entry] = [
        e
        for e in introspection.receivers()
        if e.receiver == "tests.test_rendering.kit_receiver"
    ]
    assert rendering.as_json(entry)["options"] == {
        "when": "tests.test_rendering.test_options_are_json_friendly.<locals>.predicate",
        "on_commit": True,
        "reentrant": True,
    }


def test_jsonable() -> None:
    assert rendering.jsonable(("a", "b")) == ["a", "b"]
    assert rendering.jsonable({"k": (1, None)}) == {"k": [1, None]}
    assert rendering.jsonable(kit_receiver) == "tests.test_rendering.kit_receiver"
    assert rendering.jsonable(object) == "builtins.object"
    marker = type("Marker", (), {"__repr__": lambda self: "<marker>"})()
    assert rendering.jsonable(marker) == "<marker>"
