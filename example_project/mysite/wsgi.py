"""WSGI entry point of the signalkit example site (``mysite.wsgi.application``).

Run with ``example_project/`` on the Python path and signalkit installed. Without
``DJANGO_DEBUG=0``, ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` it answers requests
from this machine only (see the README, "Local by default, and serving it to others").
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()
