"""Contract section 7: ``manage.py signals``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import signals as model_signals

import signalkit
from signalkit.management.commands.signals import Command
from tests.helpers import signals_command, signals_command_json
from tests.testapp.models import Book

pytestmark = pytest.mark.usefixtures("undo_connections")


def kit_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def plain_receiver(sender: Any, **kwargs: Any) -> None:
    pass


def catch_all(sender: Any, **kwargs: Any) -> None:
    pass


# Filters --------------------------------------------------------------------------------


def test_signal_filter_by_short_name_and_dotted_path() -> None:
    short = signals_command_json(signal="post_save")
    assert short
    assert {i["signal"] for i in short} == {"django.db.models.signals.post_save"}
    assert signals_command_json(signal="django.db.models.signals.post_save") == short


def test_unknown_signal_lists_close_matches() -> None:
    with pytest.raises(
        CommandError, match=r"Unknown signal 'post_sav'\. Did you mean 'post_save'"
    ):
        signals_command(signal="post_sav")


def test_app_filter() -> None:
    found = {i["receiver"] for i in signals_command_json(app="testapp")}
    # author_deleted is defined in pkgapp, but listens to testapp.Author.
    assert {
        "tests.testapp.signals.author_created",
        "tests.pkgapp.signals.handlers.author_deleted",
    } <= found
    assert {i["receiver"] for i in signals_command_json(app="pkgapp")} == {
        "tests.pkgapp.signals.handlers.author_deleted"
    }


def test_unknown_app() -> None:
    with pytest.raises(CommandError, match="No installed app has the label 'nope'"):
        signals_command(app="nope")


def test_sender_filter_keeps_catch_alls_marked() -> None:
    signalkit.on_post_delete()(catch_all)
    signalkit.on_post_delete("testapp.Book")(kit_receiver)
    found = signals_command_json(sender="testapp.author", signal="post_delete")
    assert [(i["receiver"], i["catch_all"]) for i in found] == [
        ("tests.pkgapp.signals.handlers.author_deleted", False),
        ("tests.test_signals_command.catch_all", True),
    ]
    text = signals_command(sender="testapp.author", signal="post_delete")
    assert "tests.test_signals_command.catch_all\n    sender: (any sender)" in text
    assert "tests.test_signals_command.kit_receiver" not in text


def test_filters_combine() -> None:
    found = signals_command_json(
        app="testapp", signal="post_save", sender="testapp.Author"
    )
    assert "tests.testapp.signals.author_created" in {i["receiver"] for i in found}
    assert {i["signal"] for i in found} == {"django.db.models.signals.post_save"}


@pytest.mark.parametrize("sender", ["Author", "testapp."])
def test_bad_sender(sender: str) -> None:
    with pytest.raises(
        CommandError, match=r"--sender takes a model as 'app_label\.ModelName'"
    ):
        signals_command(sender=sender)


def test_sender_naming_no_model() -> None:
    with pytest.raises(
        CommandError, match=r"names no installed model\. Did you mean 'testapp\.Book'"
    ):
        signals_command(sender="testapp.Bok")


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
        found = signals_command_json(signal="pre_save", sender="testapp.Book")
    finally:
        model_signals.pre_save.disconnect(plain_receiver, sender=Book)
    assert [(i["receiver"], i["sender"]) for i in found] == [
        ("tests.test_signals_command.plain_receiver", "testapp.Book")
    ]


def test_sender_filter_leaves_out_signals_no_model_sends() -> None:
    found = {
        (i["signal"], i["receiver"])
        for i in signals_command_json(sender="testapp.Author", all=True)
    }
    # class_prepared is sent by model classes; setting_changed never is.
    assert (
        "django.db.models.signals.class_prepared",
        "signalkit.subscriptions._on_class_prepared",
    ) in found
    assert not any(s == "django.core.signals.setting_changed" for s, _r in found)
    assert ("django.core.signals.setting_changed", "signalkit.conf._reset") in {
        (i["signal"], i["receiver"]) for i in signals_command_json(all=True)
    }


# Django's and signalkit's own receivers: only with --all --------------------------------


def test_djangos_and_signalkits_receivers_are_listed_with_all_only() -> None:
    def module(entry: dict[str, Any]) -> str:
        return str(entry["receiver"]).split(".")[0]

    default = signals_command_json()
    everything = signals_command_json(all=True)
    # The project's, and third-party apps' (django-tasks-db's): they run on the
    # project's models like its own.
    assert {"tests", "django_tasks_db"} <= {module(e) for e in default}
    assert not {"django", "signalkit"} & {module(e) for e in default}
    assert {"django", "signalkit"} <= {module(e) for e in everything}
    assert [
        e for e in everything if module(e) not in ("django", "signalkit")
    ] == default
    # update_last_login (django.contrib.auth) is a receiver of Django's own.
    assert signals_command_json(signal="user_logged_in") == []
    [logged_in] = signals_command_json(signal="user_logged_in", all=True)
    assert logged_in["receiver"] == "django.contrib.auth.models.update_last_login"


def test_text_counts_the_receivers_left_out() -> None:
    everything = signals_command_json(all=True)
    left_out = sum(
        1 for e in everything if e["receiver"].startswith(("django.", "signalkit."))
    )
    assert left_out > 1
    text = signals_command()
    assert text.endswith(
        f"\n{left_out} receivers of Django and signalkit not shown: --all lists them.\n"
    )
    assert "not shown" not in signals_command(all=True)
    # Nothing of the project's matches: said so, with the count.
    assert signals_command(signal="user_logged_in") == (
        "No receivers match.\n"
        "1 receiver of Django and signalkit not shown: --all lists them.\n"
    )
    # The machine-readable formats stay what they are: no note in them.
    assert "not shown" not in signals_command(format="mermaid")


def test_all_combines_with_the_other_filters() -> None:
    found = signals_command_json(app="auth", all=True)
    receivers = {e["receiver"] for e in found}
    assert "django.contrib.auth.models.update_last_login" in receivers
    assert all(
        not r.startswith(("django.", "signalkit."))
        for r in (e["receiver"] for e in signals_command_json(app="auth"))
    )
