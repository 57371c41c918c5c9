"""Querysets and a manager that send signalkit's bulk and queryset signals.

Give a model ``objects = SignalManager()`` (or mix :class:`SignalQuerySetMixin` into its own
queryset class) and ``bulk_create()``, ``bulk_update()`` and ``update()`` send the signals
of :mod:`signalkit.signals`. Django's async variants (``abulk_create()``,
``abulk_update()``, ``aupdate()``) call these methods through ``sync_to_async``, so they
send them too. This module defines no models.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction

from signalkit import _django
from signalkit.signals import (
    post_bulk_create,
    post_bulk_update,
    post_update,
    pre_bulk_create,
    pre_bulk_update,
    pre_update,
)

if TYPE_CHECKING:
    from signalkit.custom_signals import Signal

    _Base = models.QuerySet[Any]
else:
    _Base = object

__all__ = ["SignalManager", "SignalQuerySet", "SignalQuerySetMixin"]

_M = TypeVar("_M", bound=models.Model)

# True while bulk_update() runs the UPDATE statements it is made of: they are part of
# that bulk_update(), which sends its own signals, not update() calls of their own.
_in_bulk_update: ContextVar[bool] = ContextVar(
    "signalkit_in_bulk_update", default=False
)


def _listened(model: type[models.Model], *signals: Signal) -> bool:
    return any(signal.has_listeners(model) for signal in signals)


class SignalQuerySetMixin(_Base):
    """Mix into a ``QuerySet`` subclass to send signalkit's bulk and queryset signals.

    The sender is ``self.model``: the proxy class for a proxy's queryset. With no receiver
    connected for the model, each method is exactly Django's, with the same queries. With
    one, ``bulk_create()`` and ``bulk_update()`` still run exactly Django's statements
    (``bulk_update()``'s own transaction then also holds its receivers), and ``update()``
    adds the ``SELECT`` of ``pks`` and a transaction around it and its receivers.
    """

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Django's ``bulk_create()``, sending ``pre_bulk_create`` and ``post_bulk_create``.

        Both get the same list of instances, which after the insert carry their primary
        keys where the database returns them. An empty list sends nothing. No transaction
        is added: as with ``save()`` and ``post_save``, a ``post_bulk_create`` receiver that
        raises outside a transaction leaves the rows written.
        """
        objs = list(objs)
        model = self.model
        if not objs or not _listened(model, pre_bulk_create, post_bulk_create):
            return super().bulk_create(objs, *args, **kwargs)
        _django.mark_for_write(self)
        using = self.db
        pre_bulk_create.send(sender=model, objs=objs, using=using)
        super().bulk_create(objs, *args, **kwargs)
        post_bulk_create.send(sender=model, objs=objs, using=using)
        return objs

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> int:
        """Django's ``bulk_update()``, sending ``pre_bulk_update`` and ``post_bulk_update``.

        Both get the list of instances and the tuple of field names. The ``UPDATE``
        statements it runs do not also send ``pre_update``/``post_update``. An empty list
        sends nothing. The receivers run in the transaction Django's ``bulk_update()``
        opens anyway, so a receiver that raises leaves nothing written.
        """
        objs = list(objs)
        fields = tuple(fields)
        model = self.model
        token = _in_bulk_update.set(True)
        try:
            if not objs or not _listened(model, pre_bulk_update, post_bulk_update):
                return super().bulk_update(objs, fields, *args, **kwargs)
            _django.mark_for_write(self)
            using = self.db
            with transaction.atomic(using=using, savepoint=False):
                pre_bulk_update.send(
                    sender=model, objs=objs, fields=fields, using=using
                )
                count = super().bulk_update(objs, fields, *args, **kwargs)
                post_bulk_update.send(
                    sender=model, objs=objs, fields=fields, using=using
                )
            return count
        finally:
            _in_bulk_update.reset(token)

    def update(self, **kwargs: Any) -> int:
        """Django's ``update()``, sending ``pre_update`` and ``post_update``.

        Only when a receiver is connected for the model does it first read the primary keys
        of the matching rows, with one ``SELECT``, in one transaction with the ``UPDATE``
        and the receivers (so a receiver that raises leaves nothing written); otherwise it
        runs Django's single ``UPDATE`` and sends nothing. ``pre_update`` receivers may
        change the ``values`` dict they get: the update runs with it as they leave it.
        """
        model = self.model
        if (
            _in_bulk_update.get()
            or not _listened(model, pre_update, post_update)
            # Wrong field names raise FieldError here, before any query or signal, as
            # Django's update() raises it before its query.
            or not _django.prepare_update(self, kwargs)
        ):
            return super().update(**kwargs)
        using = self.db
        with transaction.atomic(using=using, savepoint=False):
            pks = list(self.values_list("pk", flat=True))
            pre_update.send(sender=model, pks=pks, values=kwargs, using=using)
            count = super().update(**kwargs)
            post_update.send(
                sender=model, pks=pks, values=kwargs, count=count, using=using
            )
        return count


class SignalQuerySet(SignalQuerySetMixin, models.QuerySet[_M]):
    """A ``QuerySet`` whose ``bulk_create()``, ``bulk_update()`` and ``update()`` send
    signalkit's signals. See :class:`SignalQuerySetMixin`."""


_SignalManagerBase = models.Manager.from_queryset(SignalQuerySet)


class SignalManager(_SignalManagerBase[_M]):
    """The manager for :class:`SignalQuerySet`: ``objects = SignalManager()``.

    As a model's default manager it also makes related managers (``author.books``) send
    the signals.
    """
