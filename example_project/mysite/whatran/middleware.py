"""Record the receivers a POST runs, for the page it redirects to (DEBUG only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mysite.whatran import report
from mysite.whatran.recorder import recording

#: The session key the report waits under until a page shows it.
SESSION_KEY = "mysite.whatran"


class WhatRanMiddleware:
    """While ``settings.DEBUG`` is on, record what each POST of a logged-in user ran.

    Only a POST that answers with a redirect keeps its report: the page it redirects to
    shows it (``context_processors.what_ran``), once. A POST that shows a page itself (a
    form with errors) ran no receiver worth showing, and a later page would show it out
    of place. The report is built for ``request.user`` as it is after the view (a sign-up
    logs the new user in), so it shows only what that user may see.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DEBUG or request.method != "POST":
            return self.get_response(request)
        with recording() as recorded:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            300 <= response.status_code < 400
            and user is not None
            and user.is_authenticated
            and hasattr(request, "session")
        ):
            data = report.build(
                recorded, user, request=f"POST {request.path}", view=_view(request)
            )
            if data is not None:
                request.session[SESSION_KEY] = data
        return response


def _view(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is None:
        return ""
    func: Any = match.func
    func = getattr(func, "view_class", func)
    return f"{func.__module__}.{func.__qualname__}"
