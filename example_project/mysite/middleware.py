"""Keep a DEBUG site to the machine it runs on."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

#: Headers a reverse proxy adds: a request carrying one came from somewhere else, even
#: when the proxy itself connects from the loopback address.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")

REFUSAL = (
    "This site runs with DEBUG on, which shows its settings and source code in error "
    "pages, so it answers only local requests: from 127.0.0.1 or ::1, not through a "
    "proxy. To serve other machines, set DJANGO_DEBUG=0 and DJANGO_SECRET_KEY (see "
    "example_project/README.rst).\n"
)


def is_local(request: HttpRequest) -> bool:
    """Whether the request came straight from this machine (a loopback address)."""
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        address = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class LocalOnlyWhileDebugMiddleware:
    """While ``settings.DEBUG`` is on, answer 403 to any request not from this machine.

    ``ALLOWED_HOSTS`` does not do this: it checks the ``Host`` header, which the client
    chooses. ``runserver 0.0.0.0:8000``, or a WSGI server, with DEBUG on and the published
    secret key would otherwise serve debug pages to anyone who can reach the port.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG and not is_local(request):
            return HttpResponseForbidden(REFUSAL, content_type="text/plain")
        return self.get_response(request)
