"""signalkit: Django signals the way you wish they were.

Importing this package needs no app registry: the decorators resolve lazy senders once
models load.
"""

from __future__ import annotations

from signalkit.custom_signals import Signal
from signalkit.discovery import autodiscover
from signalkit.receivers import (
    disconnect,
    on_m2m_changed,
    on_post_bulk_create,
    on_post_bulk_update,
    on_post_delete,
    on_post_init,
    on_post_save,
    on_post_update,
    on_pre_bulk_create,
    on_pre_bulk_update,
    on_pre_delete,
    on_pre_init,
    on_pre_save,
    on_pre_update,
    receiver,
)
from signalkit.tracking import changes, has_changed, previous, track

__all__ = [
    "Signal",
    "autodiscover",
    "changes",
    "disconnect",
    "has_changed",
    "on_m2m_changed",
    "on_post_bulk_create",
    "on_post_bulk_update",
    "on_post_delete",
    "on_post_init",
    "on_post_save",
    "on_post_update",
    "on_pre_bulk_create",
    "on_pre_bulk_update",
    "on_pre_delete",
    "on_pre_init",
    "on_pre_save",
    "on_pre_update",
    "previous",
    "receiver",
    "track",
]
