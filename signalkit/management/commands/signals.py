"""``manage.py signals``: list every connected receiver, as text, JSON or a Mermaid chart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style

from signalkit import introspection, rendering
from signalkit.senders import parse_label

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "List the receivers connected to Django's built-in signals, signalkit's signals "
        "and the signals of autodiscovered modules: signalkit's and plain connect() ones. "
        "Django's and signalkit's own receivers are listed with --all."
    )
    # The listing is most useful when a check fails (an unresolved lazy sender, say), so
    # the checks must not stop it.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        formats = ", ".join(
            f"{name!r}{' (default)' if name == 'text' else ''} {text}"
            for name, (_render, text) in rendering.FORMATS.items()
        )
        parser.add_argument(
            "--format",
            choices=list(rendering.FORMATS),
            default="text",
            help=f"Output format: {formats}.",
        )
        parser.add_argument(
            "--app",
            metavar="LABEL",
            help="Only receivers defined in the app with this label, or listening to "
            "its models.",
        )
        parser.add_argument(
            "--signal",
            metavar="NAME",
            help="Only receivers of this signal: a short name such as 'post_save' or a "
            "dotted path such as 'django.db.models.signals.post_save'.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Also list the receivers Django and signalkit connect themselves (left "
            "out by default: every project has them).",
        )
        parser.add_argument(
            "--sender",
            metavar="APP_LABEL.MODEL",
            help="Only receivers for this model, such as 'auth.User', plus the ones "
            "connected for any sender, which are marked.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sender = options["sender"]
        if sender and parse_label(sender) is None:
            raise CommandError(
                f"--sender takes a model as 'app_label.ModelName', for example "
                f"'auth.User', not {sender!r}."
            )
        signal_list = introspection.signals()
        if options["signal"]:
            signal_list = _option(
                "--signal", introspection.select_signals, options["signal"], signal_list
            )
        entries = introspection.receivers(signal_list)
        if options["app"]:
            entries = _option("--app", introspection.for_app, entries, options["app"])
        if sender:
            entries = _option("--sender", introspection.for_sender, entries, sender)
        shown = entries if options["all"] else introspection.without_frameworks(entries)
        # Colour only for a terminal (or --force-color): not in a file or a pipe.
        colour = options["force_color"] or self.stdout.isatty()
        render, _text = rendering.FORMATS[options["format"]]
        style = self.style if colour else no_style()
        self.stdout.write(render(shown, style, len(entries) - len(shown)))


def _option(flag: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, its ``ValueError`` reported as a mistake in ``flag``."""
    try:
        return function(*args)
    except ValueError as exc:
        raise CommandError(f"{flag}: {exc}") from exc
