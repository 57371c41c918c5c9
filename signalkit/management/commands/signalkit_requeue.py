"""``manage.py signalkit_requeue``: requeue events a killed ``db_worker`` left ``RUNNING``."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from signalkit import recovery


class Command(BaseCommand):
    help = (
        "Put back in the queue the signalkit events (task= receivers on django-tasks-db) "
        "that have been RUNNING for longer than --older-than: their worker was killed "
        "before it could record the outcome. Each runs again, so receivers must "
        "tolerate an event delivered twice."
    )
    # A recovery tool: it must run even while an unrelated check fails.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=3600.0,
            metavar="SECONDS",
            help="Requeue events RUNNING for longer than this (default: 3600). Keep it "
            "above your slowest receiver's run time: an event still running on a live "
            "worker would run twice. 0 is safe only while no worker is running.",
        )
        parser.add_argument(
            "--backend",
            metavar="ALIAS",
            help="Only events of this TASKS alias (a django-tasks-db DatabaseBackend); "
            "default: every alias.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the stuck events without changing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if find_spec("django_tasks_db") is None:
            raise CommandError(
                "signalkit_requeue works on django-tasks-db's task table, and "
                "django-tasks-db is not installed."
            )
        older_than, backend = options["older_than"], options["backend"]
        try:
            if options["dry_run"]:
                count = recovery.stuck(older_than, backend).count()
            else:
                count = recovery.requeue(older_than, backend)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        events = "event" if count == 1 else "events"
        verb = "would be requeued" if options["dry_run"] else "requeued"
        self.stdout.write(
            f"{count} signalkit {events} RUNNING for more than {older_than:g} seconds "
            f"{verb}."
        )
