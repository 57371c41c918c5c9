"""Checks for ``task=`` receivers: ``signalkit.E003``, ``signalkit.E005``, ``signalkit.W003``,
and for signalkit's Celery transport: ``signalkit.W004``, ``signalkit.W005``,
``signalkit.W006``."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import import_string

from signalkit import registry, tasks_compat
from signalkit.options import CELERY, TRANSPORTS


def check_task_receivers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Task receivers a worker could not import, or sent to a backend that cannot run them."""
    messages: list[checks.CheckMessage] = []
    seen_aliases: set[str] = set()
    celery_owner = None
    for conn in registry.connections():
        spec = conn.options.task
        if spec is None:
            continue
        if not _importable(conn.path, conn.func):
            messages.append(
                checks.Error(
                    f"The {conn.describe()} uses task=, but a worker cannot import it as "
                    f"{conn.path!r}.",
                    hint="Define the receiver at the top level of an importable module "
                    "(not __main__, a class body or a function) and keep that name bound "
                    "to it.",
                    obj=conn.path,
                    id="signalkit.E003",
                )
            )
        alias = spec.alias
        if alias == CELERY:
            celery_owner = celery_owner or conn.describe()
        if alias in TRANSPORTS:  # not a TASKS alias
            continue
        if alias in seen_aliases:
            continue
        seen_aliases.add(alias)
        messages.extend(_check_alias(alias, conn.describe()))
    if celery_owner is not None and find_spec("celery") is not None:
        messages.extend(_check_celery(celery_owner))
    return messages


def _check_celery(owner: str) -> list[checks.CheckMessage]:
    from signalkit import celery_transport

    app = celery_transport.project_app()
    if app is None:
        return [
            checks.Warning(
                f"The {owner} uses task='celery'. {celery_transport.NO_APP} signalkit "
                f"refuses to send them (an error, or a log line for a robust receiver).",
                hint=celery_transport.NO_APP_HINT,
                obj="celery",
                id="signalkit.W005",
            )
        ]
    messages = _check_broker(app, owner)
    off = [
        name
        for name, value in celery_transport.delivery_options(app).items()
        if not value
    ]
    if not off:
        return messages
    return [
        *messages,
        checks.Warning(
            f"The Celery app {app.main!r} turns off {' and '.join(off)} for signalkit's "
            f"task {celery_transport.TASK_NAME!r}: an event whose worker dies while "
            f"running its receiver is acknowledged, so lost, instead of redelivered.",
            hint=f"Remove {', '.join(off)} for {celery_transport.TASK_NAME!r} (or '*') "
            f"from CELERY_TASK_ANNOTATIONS: signalkit sets both to True.",
            obj=celery_transport.TASK_NAME,
            id="signalkit.W004",
        ),
    ]


def _check_broker(app: Any, owner: str) -> list[checks.CheckMessage]:
    # Celery's own reading of the broker settings: its environment variables, then
    # broker_write_url, broker_url and broker_host (checked against Celery 5.4 to 5.7).
    # Without any, kombu connects to amqp://guest@localhost// without a word.
    if app.conf.broker_write_url or app.conf.broker_transport:
        return []
    name = f"{app.main!r}" if app.main else "(unnamed)"
    return [
        checks.Warning(
            f"The {owner} uses task='celery'. signalkit sends its events through the "
            f"Celery app this process loaded (the current app, or the only one created): "
            f"{name}, which has no broker configured, so Celery would publish them to "
            f"its default broker, amqp://guest@localhost//.",
            hint="Give the Celery app its broker: CELERY_BROKER_URL in the Django "
            "settings, read by app.config_from_object('django.conf:settings', "
            "namespace='CELERY') as in Celery's Django guide, or broker_url on the app, "
            "or the CELERY_BROKER_URL environment variable.",
            obj="celery",
            id="signalkit.W006",
        )
    ]


def _importable(path: str, func: Any) -> bool:
    try:
        return bool(import_string(path) is func)
    except ImportError:
        return False


def _check_alias(alias: str, owner: str) -> list[checks.CheckMessage]:
    try:
        path = tasks_compat.backend_class_path(alias)
    except (
        Exception
    ) as exc:  # the Tasks framework says why: unknown alias, bad class...
        return [
            checks.Error(
                f"The {owner} uses task= with the Tasks backend {alias!r}, which cannot be "
                f"loaded: {exc}",
                hint="Name an alias of settings.TASKS (SIGNALKIT['TASK_BACKEND'] for "
                "task=True), or 'celery' for signalkit's Celery transport.",
                obj=alias,
                id="signalkit.E005",
            )
        ]
    if path.endswith(".ImmediateBackend"):
        return [
            checks.Warning(
                f"task= receivers use the Tasks backend {alias!r}, Django's "
                f"ImmediateBackend: they run in the same process, right after commit.",
                hint="Fine for development. In production, point the alias at a backend "
                "with workers, such as django-tasks-db's DatabaseBackend (manage.py "
                "db_worker), or use task='celery'.",
                obj=alias,
                id="signalkit.W003",
            )
        ]
    return []
