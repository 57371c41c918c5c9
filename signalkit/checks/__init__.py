"""signalkit's system checks: one module per area, registered here, once.

========================  ==================================================================
module                    ids
========================  ==================================================================
``checks.settings``       ``E002`` a bad ``SIGNALKIT`` setting
``checks.senders``        ``E001`` a lazy sender that never resolves, ``E004`` one naming an
                          abstract model
``checks.tasks``          ``E003`` a ``task=`` receiver a worker cannot import, ``E005`` a
                          Tasks backend that cannot load, ``W003`` Django's
                          ``ImmediateBackend``, ``W004``/``W005`` the Celery transport
``checks.bulk``           ``W001`` a bulk-signal receiver for a model that never sends it
``checks.fast_paths``     ``W002`` a catch-all receiver that turns off Django's fast delete or
                          fast ``add()``
========================  ==================================================================

Each id is documented in ``docs/reference/checks.rst``, with a sample message; a number is never
reused. A new check goes into the module of its area (and, for a new area, a new module
added to :data:`CHECKS`).
"""

from __future__ import annotations

from django.core import checks

from signalkit.checks import bulk, fast_paths, senders, settings, tasks

#: Every check function, in the order Django runs them.
CHECKS = (
    settings.check_settings,
    senders.check_senders,
    bulk.check_bulk_receivers,
    tasks.check_task_receivers,
    fast_paths.check_catch_all_receivers,
)


def register() -> None:
    """Register every check with Django's framework (idempotent: it keeps a set)."""
    for check in CHECKS:
        checks.register(check)
