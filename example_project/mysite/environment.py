"""Read the example's settings from environment variables, and refuse unsafe ones.

With nothing set, the example runs as a local development site: DEBUG on and a secret key
that is published in this repository. Both are for a developer's own machine only, so
DEBUG off (``DJANGO_DEBUG=0``, the way to serve other people) requires a secret key of
one's own, and the published one is refused. Each function takes the environment as a
mapping, so that the tests can pass their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

#: The secret key used when DEBUG is on and ``DJANGO_SECRET_KEY`` is not set. Everyone can
#: read it here, so it signs nothing worth protecting: never use it with DEBUG off.
PUBLISHED_SECRET_KEY = "django-insecure-signalkit-example-only-never-use-this-key"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

_NEW_KEY_HINT = (
    "Generate one with: python -c "
    '"from django.core.management.utils import get_random_secret_key; '
    'print(get_random_secret_key())"'
)


def debug(environ: Mapping[str, str]) -> bool:
    """``DJANGO_DEBUG``: on when unset; ``1``/``true``/``yes``/``on`` or ``0``/``false``/
    ``no``/``off`` (any case); anything else is an error rather than a guess."""
    raw = environ.get("DJANGO_DEBUG")
    if raw is None:
        return True
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"DJANGO_DEBUG must be one of 1, true, yes, on (DEBUG on) or 0, false, no, off "
        f"(DEBUG off), not {raw!r}."
    )


def secret_key(environ: Mapping[str, str], *, debug: bool) -> str:
    """``DJANGO_SECRET_KEY``; the published key only when it is unset and DEBUG is on.

    With DEBUG off, an unset or empty ``DJANGO_SECRET_KEY``, or the published key itself,
    raises ``ImproperlyConfigured``: the site refuses to start rather than sign sessions
    and password-reset links with a key anyone can read.
    """
    key = environ.get("DJANGO_SECRET_KEY", "")
    if debug:
        return key or PUBLISHED_SECRET_KEY
    if not key:
        raise ImproperlyConfigured(
            f"DJANGO_DEBUG is off, so the example needs a secret key of its own: set "
            f"DJANGO_SECRET_KEY. {_NEW_KEY_HINT}"
        )
    if key == PUBLISHED_SECRET_KEY:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is the example's published key, which anyone can read in "
            f"its repository; with DJANGO_DEBUG off, set a secret one. {_NEW_KEY_HINT}"
        )
    return key


def allowed_hosts(environ: Mapping[str, str]) -> list[str]:
    """``DJANGO_ALLOWED_HOSTS``: host names separated by commas (spaces ignored).

    Unset means none, which with DEBUG on lets Django accept ``localhost`` and the
    loopback addresses only, and with DEBUG off accept no host at all.
    """
    raw = environ.get("DJANGO_ALLOWED_HOSTS", "")
    return [host.strip() for host in raw.split(",") if host.strip()]
