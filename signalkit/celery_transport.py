"""signalkit's own Celery transport, for projects that already run Celery workers.

One shared task, ``signalkit.run_receiver``, registered when signalkit's app is ready (if
Celery is installed). It acknowledges late and is rejected (so requeued) when the worker
process running it dies: a killed worker leaves the message to be delivered again.

Events are published through the project's own Celery app. A process that never loaded
it would otherwise publish through Celery's fallback app, to Celery's default broker;
signalkit refuses that instead (and check ``signalkit.W005`` reports it).
"""

from __future__ import annotations

from typing import Any

from celery import _state, shared_task
from celery.app.annotations import prepare, resolve_all
from django.core.exceptions import ImproperlyConfigured

from signalkit import worker
from signalkit.options import TaskSpec

TASK_NAME = "signalkit.run_receiver"


@shared_task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def run_receiver(receiver_path: str, payload: str) -> None:
    """Run one background receiver for one signal event (its JSON string), in a Celery
    worker."""
    worker.run(receiver_path, payload)


def _is_fallback(app: Any) -> bool:
    # The app Celery creates on first use when no app is current (checked against Celery
    # 5.4 to 5.7: celery._state._get_current_app): it is never made current.
    return bool(app.main == "default" and not app.set_as_current)


def project_app() -> Any:
    """The Celery app this process loaded, or ``None`` when it loaded none.

    Reads Celery's own state without creating its fallback app (asking for
    ``celery.current_app`` would create it, and make it the default for every thread).
    """
    app = getattr(_state._tls, "current_app", None) or _state.default_app
    if app is not None and not _is_fallback(app):
        return app
    apps = [a for a in list(_state._get_active_apps()) if not _is_fallback(a)]
    return apps[0] if len(apps) == 1 else None


def delivery_options(app: Any) -> dict[str, bool]:
    """``acks_late`` and ``reject_on_worker_lost`` of signalkit's task in ``app``.

    Read from the task, then from ``task_annotations`` as configured now (Celery applies
    them to a task when it binds it, and they override the decorator's values).
    """
    task = app.tasks.get(TASK_NAME)
    if task is None:  # signalkit registers it with every app; a check must not crash
        return {}
    found = {
        "acks_late": bool(task.acks_late),
        "reject_on_worker_lost": bool(task.reject_on_worker_lost),
    }
    for annotation in resolve_all(prepare(app.conf.task_annotations), task):
        for name in found:
            if name in annotation:
                found[name] = bool(annotation[name])
    return found


NO_APP = (
    "No Celery app is loaded in this process, so task='celery' events cannot be sent: "
    "Celery would publish them with its default settings (to its default broker)."
)
NO_APP_HINT = (
    "Load the project's Celery app in every process that sends signals, as Celery's "
    "Django guide does: in the project package's __init__.py, "
    "from .celery import app as celery_app."
)


def database(spec: TaskSpec) -> None:
    """A broker holds the queue: no database, so events are enqueued after the commit."""
    return None


def send(receiver_path: str, payload: str, spec: TaskSpec) -> str:
    """Publish one event to the project's broker (once the transaction has committed);
    return the task's id."""
    app = project_app()
    if app is None:
        raise ImproperlyConfigured(f"{NO_APP} {NO_APP_HINT}")
    options: dict[str, Any] = {}
    # Without a queue_name, Celery's own routing applies (CELERY_TASK_ROUTES can send
    # "signalkit.run_receiver" to a queue of its own).
    if spec.queue_name is not None:
        options["queue"] = spec.queue_name
    if spec.priority is not None:
        options["priority"] = spec.priority
    result = app.tasks[TASK_NAME].apply_async(args=[receiver_path, payload], **options)
    return str(result.id)
