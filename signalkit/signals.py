"""signalkit's own signals, sent by :class:`signalkit.models.SignalQuerySet`.

Django sends no signal from ``bulk_create()``, ``bulk_update()`` or ``QuerySet.update()``.
A model whose default manager is a :class:`~signalkit.models.SignalManager` sends these
instead. The sender is always the model class the queryset is for (the proxy class for a
proxy's queryset), as with Django's model signals, so they cache their receivers per sender.
"""

from __future__ import annotations

from signalkit.custom_signals import Signal

__all__ = [
    "post_bulk_create",
    "post_bulk_update",
    "post_update",
    "pre_bulk_create",
    "pre_bulk_update",
    "pre_update",
]

pre_bulk_create = Signal(args=("objs", "using"), use_caching=True)
"""Sent by ``bulk_create()`` before the rows are inserted.

``objs`` is the list of instances about to be inserted (a receiver may still change them);
``using`` is the database alias.
"""

post_bulk_create = Signal(args=("objs", "using"), use_caching=True)
"""Sent by ``bulk_create()`` once the rows are inserted.

``objs`` is the same list of instances; they carry their primary keys where the database
returns them (PostgreSQL, SQLite, MariaDB, without ``ignore_conflicts``). ``using`` is the
database alias.
"""

pre_bulk_update = Signal(args=("objs", "fields", "using"), use_caching=True)
"""Sent by ``bulk_update()`` before the rows are updated.

``objs`` is the list of instances, ``fields`` the tuple of field names being written,
``using`` the database alias.
"""

post_bulk_update = Signal(args=("objs", "fields", "using"), use_caching=True)
"""Sent by ``bulk_update()`` once the rows are updated.

The arguments are those of :data:`pre_bulk_update`.
"""

pre_update = Signal(args=("pks", "values", "using"), use_caching=True)
"""Sent by ``QuerySet.update()`` before its ``UPDATE`` runs.

``pks`` is the list of primary keys of the rows the queryset matches, read in the same
transaction; ``values`` is the dict of keyword arguments given to ``update()`` (a receiver
may add to or change it: the update runs with the dict as receivers leave it); ``using`` is
the database alias.
"""

post_update = Signal(args=("pks", "values", "count", "using"), use_caching=True)
"""Sent by ``QuerySet.update()`` once its ``UPDATE`` has run.

``pks`` and ``values`` are those of :data:`pre_update`, ``count`` is the number of rows the
database reports updated (what ``update()`` returns), ``using`` is the database alias.
"""

#: Every signal above, in the order of their shortcuts (``signalkit.on_pre_bulk_create``...).
BULK_SIGNALS = (
    pre_bulk_create,
    post_bulk_create,
    pre_bulk_update,
    post_bulk_update,
    pre_update,
    post_update,
)
