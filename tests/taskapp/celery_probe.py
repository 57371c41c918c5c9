"""``python -m tests.taskapp.celery_probe [--load-app]``: a sending process, with or without
the project's Celery app loaded. Prints, as JSON, signalkit's check messages and what a
send to a ``task="celery"`` receiver did."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.taskapp.worker_settings")

if "--load-app" in sys.argv:
    import tests.celery_app  # noqa: F401  (what a project's __init__.py does)
else:
    import django

    django.setup()

from django.core import checks

import signalkit
from tests.taskapp import receivers

signalkit.receiver(receivers.shipment_priced, task="celery")(receivers.record)
found = [
    {"id": m.id, "msg": m.msg, "hint": m.hint}
    for m in checks.run_checks()
    if m.id and m.id.startswith("signalkit.")
]
sent = "not tried"
if "--send" in sys.argv:
    try:
        receivers.shipment_priced.send(sender=None, amount="1.00")
        sent = "sent"
    except Exception as exc:
        sent = f"{type(exc).__name__}: {exc}"
print(json.dumps({"checks": found, "send": sent}))
