"""Turn a recording into the "What just ran" panel's data, for the user who is to see it.

The result holds only strings, numbers, lists and dicts, so that it can wait in the
session across the redirect that follows a POST. Events follow the events page's rule
(``events.views``): a user sees the events about them; one with ``events.view_event``
sees them all. The others are counted, not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from django.utils.module_loading import import_string

from events.models import Event
from events.views import VIEW_ALL
from mysite.whatran import catalogue, source
from mysite.whatran.project import is_project_code
from mysite.whatran.recorder import Recording, TaskSeen

# Longer exception messages are cut: the panel is a summary, the console has the rest.
_ERROR_LENGTH = 300
_FINISHED = ("SUCCESSFUL", "FAILED")


@dataclass
class _Ran:
    """One receiver run (or ``task=`` task) in the recording."""

    #: Sorts the runs in the order they ended: (traced runs ended before, 0 for a task).
    key: tuple[int, int]
    func: Any
    data: dict[str, Any]
    events: list[Event] = field(default_factory=list)

    @property
    def code(self) -> CodeType | None:
        return getattr(self.func, "__code__", None)


def build(
    recording: Recording, user: Any, *, request: str, view: str
) -> dict[str, Any] | None:
    """The panel's data, or ``None`` if no receiver of the project's apps ran.

    ``request`` and ``view`` say what ran them (``"POST /orders/3/pay/"``,
    ``"shop.views.order_pay"``).
    """
    ran = [
        _traced(index, run)
        for index, run in enumerate(recording.runs)
        # A task= receiver that ran in the request (ImmediateBackend) is traced too: it
        # is shown once, from its task, which says how it ran.
        if is_project_code(run.receiver) and not _in_task(run)
    ]
    ran += [
        task
        for seen in recording.tasks.values()
        if (task := _task(seen)) is not None and is_project_code(task.func)
    ]
    if not ran:
        return None
    ran.sort(key=lambda each: each.key)
    others = _attribute(recording, ran)
    sees_all = user.has_perm(VIEW_ALL)
    receivers = []
    for each in ran:
        shown, hidden = _visible(each.events, user, sees_all)
        receivers.append({**each.data, "events": shown, "hidden": hidden})
    shown, hidden = _visible(others, user, sees_all)
    return {
        "request": request,
        "view": view,
        "receivers": receivers,
        "others": shown,
        "hidden": hidden,
    }


def _path(func: Any) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _in_task(run: Any) -> bool:
    entry = catalogue.find(_path(run.receiver), run.signal) or {}
    return bool(entry.get("options", {}).get("task"))


def _traced(index: int, run: Any) -> _Ran:
    path = _path(run.receiver)
    entry = catalogue.find(path, run.signal) or {}
    options = entry.get("options", {})
    if options.get("on_commit"):
        how = "ran after the commit"
    else:
        how = "ran when the signal was sent"
    error = "" if run.exception is None else _error_text(run.exception)
    # The run at index i ended after i others: tasks noted then come before it.
    return _Ran(
        key=(index, 1),
        func=run.receiver,
        data=_describe(run.receiver, path, entry, how, run.seconds * 1000, error),
    )


def _task(seen: TaskSeen) -> _Ran | None:
    result = seen.result
    path = result.args[0] if result.args else None
    entry = catalogue.find(path) if isinstance(path, str) else None
    if entry is None or not entry["options"].get("task"):
        return None  # not a task= receiver of this project
    func = import_string(path)
    finished = str(result.status) in _FINISHED
    milliseconds = None
    if finished and result.started_at and result.finished_at:
        milliseconds = (result.finished_at - result.started_at).total_seconds() * 1000
    error = ""
    if result.errors:
        # The traceback's last line: "smtplib.SMTPException: mail server down".
        lines = result.errors[-1].traceback.strip().splitlines()
        error = _cut(lines[-1] if lines else result.errors[-1].exception_class_path)
    how = (
        "ran in a task, after the commit"
        if finished
        else f"queued for a worker ({result.backend} backend)"
    )
    return _Ran(
        key=(seen.after, 0),
        func=func,
        data=_describe(func, path, entry, how, milliseconds, error),
    )


def _describe(
    func: Any,
    path: str,
    entry: dict[str, Any],
    how: str,
    milliseconds: float | None,
    error: str,
) -> dict[str, Any]:
    code = source.of_function(func)
    return {
        "path": path,
        "signal": catalogue.short_name(entry) if entry else "",
        "sender": entry.get("sender") or "",
        "how": how,
        "ms": None if milliseconds is None else round(milliseconds, 2),
        "error": error,
        "robust": bool(entry.get("options", {}).get("robust")),
        "file": code.file,
        "line": code.line,
        "parts": code.parts,
    }


def _attribute(recording: Recording, ran: list[_Ran]) -> list[Event]:
    """Give each event to the receiver that wrote it; return the events no receiver did.

    The writer is the innermost receiver on the call stack when the event was saved. A
    receiver that ran more than once wrote it in the first of its runs that had not yet
    ended (``key[0]``: the number of traced runs ended before it ended).
    """
    others = []
    for seen in recording.events:
        owner = next(
            (
                each
                for code in seen.stack
                for each in ran
                if each.code is code and each.key[0] >= seen.after
            ),
            None,
        )
        (owner.events if owner is not None else others).append(seen.event)
    return others


def _visible(
    events: list[Event], user: Any, sees_all: bool
) -> tuple[list[dict[str, str]], int]:
    shown = [
        {"kind": event.kind, "message": event.message}
        for event in events
        if sees_all or (event.user_id is not None and event.user_id == user.pk)
    ]
    return shown, len(events) - len(shown)


def _error_text(exc: BaseException) -> str:
    return _cut(f"{type(exc).__name__}: {exc}")


def _cut(text: str) -> str:
    return text if len(text) <= _ERROR_LENGTH else f"{text[: _ERROR_LENGTH - 1]}…"
