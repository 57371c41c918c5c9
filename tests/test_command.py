"""Contract section 7: ``manage.py signals``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import signals as model_signals

import signalkit
from signalkit.management.commands.signals import Command
from tests.sk_support import connections_undone
from tests.testapp.models import Book

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


@pytest.fixture(autouse=True)
def _undo_connections() -> Iterator[None]:
    with connections_undone():
        yield


def run(**options: Any) -> str:
    out = StringIO()
    call_command("signals", stdout=out, **options)
    return out.getvalue()


def run_json(**options: Any) -> list[dict[str, Any]]:
    found = json.loads(run(format="json", **options))
    assert isinstance(found, list)
    return found


def def_line(file: str | Path, name: str) -> int:
    lines = Path(file).read_text().splitlines()
    return next(
        n for n, text in enumerate(lines, 1) if text.lstrip().startswith(f"def {name}(")
    )


def kit_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def plain_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def catch_all(sender: Any, **kwargs: Any) -> None:
    pass


# JSON -----------------------------------------------------------------------------------


def test_json_lists_the_test_apps_receivers() -> None:
    import tests.pkgapp.signals.handlers as handlers
    import tests.testapp.signals as testapp_signals

    found = run_json()
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


def test_json_includes_djangos_own_receivers() -> None:
    found = run_json(signal="user_logged_in")
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
        found = run_json(signal="tests.pkgapp.signals.custom.parcel_shipped")
    finally:
        parcel_shipped.disconnect(sender=Book, dispatch_uid="shipping")
    assert [
        (i["receiver"], i["sender"], i["options"], i["dispatch_uid"]) for i in found
    ] == [
        ("tests.test_command.plain_receiver", "testapp.Book", {}, "shipping"),
        ("tests.test_command.kit_receiver", "testapp.Book", {"on_commit": True}, None),
    ]
    assert [i["line"] for i in found] == [
        def_line(__file__, "plain_receiver"),
        def_line(__file__, "kit_receiver"),
    ]


def test_json_marks_unresolved_lazy_senders() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    [item] = [
        i for i in run_json() if i["receiver"] == "tests.test_command.kit_receiver"
    ]
    assert (item["sender"], item["resolved"], item["catch_all"]) == (
        "testapp.Nope",
        False,
        False,
    )


# Filters --------------------------------------------------------------------------------


def test_signal_filter_by_short_name_and_dotted_path() -> None:
    short = run_json(signal="post_save")
    assert short
    assert {i["signal"] for i in short} == {"django.db.models.signals.post_save"}
    assert run_json(signal="django.db.models.signals.post_save") == short


def test_unknown_signal_lists_close_matches() -> None:
    with pytest.raises(
        CommandError, match=r"Unknown signal 'post_sav'\. Did you mean 'post_save'"
    ):
        run(signal="post_sav")


def test_app_filter() -> None:
    found = {i["receiver"] for i in run_json(app="testapp")}
    # author_deleted is defined in pkgapp, but listens to testapp.Author.
    assert {
        "tests.testapp.signals.author_created",
        "tests.pkgapp.signals.handlers.author_deleted",
    } <= found
    assert {i["receiver"] for i in run_json(app="pkgapp")} == {
        "tests.pkgapp.signals.handlers.author_deleted"
    }


def test_unknown_app() -> None:
    with pytest.raises(CommandError, match="No installed app has the label 'nope'"):
        run(app="nope")


def test_sender_filter_keeps_catch_alls_marked() -> None:
    signalkit.on_post_delete()(catch_all)
    signalkit.on_post_delete("testapp.Book")(kit_receiver)
    found = run_json(sender="testapp.author", signal="post_delete")
    assert [(i["receiver"], i["catch_all"]) for i in found] == [
        ("tests.pkgapp.signals.handlers.author_deleted", False),
        ("tests.test_command.catch_all", True),
    ]
    text = run(sender="testapp.author", signal="post_delete")
    assert "tests.test_command.catch_all\n    sender: (any sender)" in text
    assert "tests.test_command.kit_receiver" not in text


def test_filters_combine() -> None:
    found = run_json(app="testapp", signal="post_save", sender="testapp.Author")
    assert "tests.testapp.signals.author_created" in {i["receiver"] for i in found}
    assert {i["signal"] for i in found} == {"django.db.models.signals.post_save"}


@pytest.mark.parametrize("sender", ["Author", "testapp."])
def test_bad_sender(sender: str) -> None:
    with pytest.raises(
        CommandError, match=r"--sender takes a model as 'app_label\.ModelName'"
    ):
        run(sender=sender)


def test_sender_naming_no_model() -> None:
    with pytest.raises(
        CommandError, match=r"names no installed model\. Did you mean 'testapp\.Book'"
    ):
        run(sender="testapp.Bok")


# Text -----------------------------------------------------------------------------------


def test_text_is_grouped_by_signal() -> None:
    signalkit.on_post_save("testapp.Book")(kit_receiver)
    text = run()
    headers = [line for line in text.splitlines() if line and not line.startswith(" ")]
    signals = headers[:-1]  # the last line is the summary
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
    assert "  tests.test_command.kit_receiver\n    sender: testapp.Book\n" in post_save
    assert f"    defined at: {Path('tests/testapp/signals.py')}:" in post_save
    assert re.search(r"^\d+ receivers on \d+ signals\.$", headers[-1])


def test_text_marks_unresolved_and_catch_all_senders() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    signalkit.on_post_save()(catch_all)
    text = run(signal="post_save")
    assert (
        "tests.test_command.kit_receiver\n    sender: testapp.Nope (unresolved)\n"
        in text
    )
    assert "tests.test_command.catch_all\n    sender: (any sender)\n" in text


def test_text_shows_options_and_dispatch_uid() -> None:
    signalkit.on_post_save(
        "testapp.Book", robust=True, when=lambda **kw: True, dispatch_uid="books"
    )(kit_receiver)
    text = run(signal="post_save", sender="testapp.Book")
    assert (
        "    options: when=tests.test_command.test_text_shows_options_and_dispatch_uid."
        "<locals>.<lambda>, robust=True, dispatch_uid='books'\n"
        "    dispatch_uid: 'books'\n"
    ) in text


def test_text_when_nothing_matches() -> None:
    assert run(signal="connection_created", sender="testapp.Tag") == (
        "No receivers match.\n"
    )


def test_text_has_no_colour_outside_a_terminal() -> None:
    assert not ANSI.search(run())


def test_text_colour_with_force_color() -> None:
    assert ANSI.search(run(force_color=True))
    assert not ANSI.search(run(no_color=True))


# Mermaid --------------------------------------------------------------------------------


def test_mermaid_chart() -> None:
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    signalkit.on_post_delete()(catch_all)
    chart = run(format="mermaid")
    lines = chart.splitlines()
    assert lines[0] == "flowchart LR"
    entries = run_json()
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
    chart = run(format="mermaid", signal="post_save", app="testapp")
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
    assert (book_signal, "receiver_tests_test_command_kit_receiver") in edges
    assert (author_signal, "receiver_tests_test_command_kit_receiver") not in edges


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
    chart = run(format="mermaid", signal=repr(signal))
    assert "#quot;quote#quot;" in chart
    assert "#lt;locals#gt;" in chart
    # Each label is one quoted string: no quote left inside it.
    for line in chart.splitlines()[1:]:
        assert re.fullmatch(r'    \w+ --> \w+|    \w+[\[(]+"[^"]*"[\])]+', line)


def test_mermaid_when_nothing_matches() -> None:
    chart = run(format="mermaid", signal="connection_created", sender="testapp.Tag")
    assert chart.splitlines() == ["flowchart LR", '    empty["No receivers match."]']


# The command itself ---------------------------------------------------------------------


def test_every_option_has_help() -> None:
    parser = Command().create_parser("manage.py", "signals")
    ours = {
        action.dest: action.help
        for action in parser._actions
        if action.dest in ("format", "app", "signal", "sender")
    }
    assert set(ours) == {"format", "app", "signal", "sender"}
    assert all(ours.values())


def test_runs_when_a_system_check_fails(capsys: pytest.CaptureFixture[str]) -> None:
    # An unresolved lazy sender is check error signalkit.E001: the listing must still
    # show it, so the command runs no checks first.
    signalkit.on_post_save("testapp.Nope")(kit_receiver)
    Command().run_from_argv(["manage.py", "signals", "--signal", "post_save"])
    assert "testapp.Nope (unresolved)" in capsys.readouterr().out


def test_bad_format_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'yaml'"):
        call_command("signals", "--format", "yaml", stdout=StringIO())


def test_a_plain_connect_on_a_builtin_signal_is_listed() -> None:
    model_signals.pre_save.connect(plain_receiver, sender=Book)
    try:
        found = run_json(signal="pre_save", sender="testapp.Book")
    finally:
        model_signals.pre_save.disconnect(plain_receiver, sender=Book)
    assert [(i["receiver"], i["sender"]) for i in found] == [
        ("tests.test_command.plain_receiver", "testapp.Book")
    ]


def test_sender_filter_leaves_out_signals_no_model_sends() -> None:
    found = {(i["signal"], i["receiver"]) for i in run_json(sender="testapp.Author")}
    # class_prepared is sent by model classes; setting_changed never is.
    assert (
        "django.db.models.signals.class_prepared",
        "signalkit.subscriptions._on_class_prepared",
    ) in found
    assert not any(s == "django.core.signals.setting_changed" for s, _r in found)
    assert ("django.core.signals.setting_changed", "signalkit.conf._reset") in {
        (i["signal"], i["receiver"]) for i in run_json()
    }
