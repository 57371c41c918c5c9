"""Give templates the report waiting in the session: ``what_ran.report``."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from mysite.whatran.middleware import SESSION_KEY


class Pending:
    """The report the last POST left, taken from the session when a template asks."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @functools.cached_property
    def report(self) -> dict[str, Any] | None:
        """The report, removed from the session: the page that shows it is its only one."""
        session = getattr(self.request, "session", None)
        return None if session is None else session.pop(SESSION_KEY, None)


def what_ran(request: HttpRequest) -> dict[str, Any]:
    """``what_ran``: the report of the receivers the last POST ran (DEBUG only)."""
    if not settings.DEBUG:
        return {}
    return {"what_ran": Pending(request)}
